import Testing
@testable import WinsockModel

/// The canonical event lines (docs/language.md, "Events"): the one place model tests compare text.
/// Every other test compares `Event` values.
@Suite struct EventTests {
    /// One event of every kind, and the line it prints.
    @Test func everyEventPrintsItsCanonicalLine() {
        let forms: [(Event, String)] = [
            (.handleCreated(h1), "WPUCreateSocketHandle h1"),
            (.handleRegistered(h2), "WPUModifyIFSHandle h2"),
            (.handleReturned(h3), "WPUCloseSocketHandle h3"),
            (.transmitted(s1, 4096), "TX s1 4096"),
            (.finSent(s1), "FIN s1"),
            (.resetSent(s2), "RST s2"),
            (.peerFinReceived(s1), "PEER-FIN s1"),
            (.peerResetReceived(s3), "PEER-RST s3"),
            (.discarded(s1, 2000), "DISCARD s1 2000"),
            (.operationCompleted(op1, 0), "COMPLETE op1 0"),
            (.operationAborted(op2, .operationAborted), "ABORT op2 WSA_OPERATION_ABORTED"),
            (.operationAborted(op3, .connectionAbortedWindows), "ABORT op3 ERROR_CONNECTION_ABORTED"),
            (.threadBlocked(T1, .closeSocket), "BLOCK T1 WSPCloseSocket"),
            (.threadWoke(T1, .closeSocket, ok), "WAKE T1 WSPCloseSocket = 0"),
            (.threadWoke(T2, .recv, fails(.interrupted)), "WAKE T2 WSPRecv = WSAEINTR"),
            (.threadWoke(T3, .send, count(2500)), "WAKE T3 WSPSend = 2500"),
            (.lingerTimedOut(s1), "LINGER-TIMEOUT s1"),
            (.stateChanged(s1, .finWait1), "STATE s1 FIN_WAIT_1"),
            (.stateChanged(s2, .closed), "STATE s2 CLOSED"),
            (.socketReleased(s1), "RELEASE s1"),
        ]
        for (event, line) in forms {
            #expect(event.description == line)
        }
    }

    /// A whole close, as it prints: the order of docs/language.md ("In a close that goes ahead:
    /// ABORTs, then WAKEs, then RST/DISCARD/STATE, then the WPU up-call, then RELEASE").
    @Test func aHardCloseReadsInTheDocumentedOrder() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(2000, on: h)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        w.setLinger(h, 1, 0)
        #expect(w.call(.close(h)).lines == [
            "ABORT op1 WSA_OPERATION_ABORTED", "RST s1", "DISCARD s1 2000", "STATE s1 CLOSED",
            "WPUCloseSocketHandle h1", "RELEASE s1",
        ])
    }

    /// Which socket an event is about (the trace and the change tracking use it).
    @Test func eventsNameTheirSocket() {
        #expect(Event.discarded(s2, 1).socket == s2)
        #expect(Event.stateChanged(s3, .closed).socket == s3)
        #expect(Event.handleReturned(h1).socket == nil)
        #expect(Event.threadWoke(T1, .recv, count(1)).socket == nil)
    }
}
