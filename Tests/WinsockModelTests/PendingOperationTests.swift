import Testing
@testable import WinsockModel

/// RULES.md section C: operations pending at close (R18–R21).
@Suite struct PendingOperationTests {
    @Test func r18CloseAbortsAPendingReceiveWithItsCompletionAction() {
        var w = World()
        let (h, _) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        #expect(w.handle(h)?.pendingCount == 1)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "FIN s1", "STATE s1 FIN_WAIT_1",
                            "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
        #expect(o.rules.contains(.r18))
        #expect(w.operation(op1)?.status == .failed(.operationAborted))
        #expect(w.operation(op1)?.isNotified == true)
        #expect(w.operation(op1)?.bytes == 0)
        #expect(w.handle(h)?.pendingCount == 0)
    }

    @Test func r18CloseAbortsOperationsIssuedByAnyThreadOfTheProcess() {
        var w = World()
        let (h, _) = w.connectedSocket()
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true), by: t2).result == .pending(op1))
        let o = w.call(.close(h), by: T1)
        #expect(o.lines.first == "ABORT op1 WSA_OPERATION_ABORTED")
        #expect(w.operation(op1)?.isNotified == true)
    }

    @Test func r18OnlyOperationsIssuedThroughTheClosedDescriptorAreAborted() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        #expect(w.call(.recv(a, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.recv(b, bytes: 10, overlapped: true), by: t2).result == .pending(op2))
        let o = w.call(.close(a))
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WPUCloseSocketHandle h1"])
        #expect(o.rules.contains(.r18))
        #expect(w.operation(op2)?.status == .pending)
        #expect(w.socket(s)?.state == .established)
        w.fromPeer(s, .send(5))
        #expect(w.advance(ms: 1).lines == ["COMPLETE op2 5"])
    }

    @Test func r18AbortsHappenBeforeTheLingerWait() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        let o = w.call(.close(h))
        #expect(o.result == .blocked)
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "BLOCK T1 WSPCloseSocket"])
        #expect(o.rules.contains(.r18))
    }

    @Test func r18CloseThatFailsAbortsNothing() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        // WSAEWOULDBLOCK
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        // WSAENOTSOCK (from another process)
        let (_, t2) = w.spawnProcess()
        #expect(w.call(.close(h), by: t2).result == fails(.notSocket))
        // WSANOTINITIALISED is covered with cleanup in LifecycleTests; WSAEINPROGRESS:
        let t3 = w.spawnThread(in: P1)
        #expect(w.call(.setNonblocking(h, false)).result == ok)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t3).result == .blocked)
        let inProgress = w.call(.close(h), by: t3)
        #expect(inProgress.result == fails(.inProgress))
        #expect(inProgress.lines == [])
        #expect(w.operation(op1)?.status == .pending)
        #expect(w.operation(op1)?.isNotified == false)
    }

    @Test func r18OperationsAbortedByACancelledLingeringCloseStayAborted() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.close(h)).result == .blocked)
        let cancel = w.call(.cancelBlockingCall, by: T1)
        #expect(cancel.result == ok)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.operation(op1)?.status == .failed(.operationAborted))
        #expect(w.handle(h)?.pendingCount == 0)
    }

    /// SPEC.md section 3: in a close that goes ahead, ABORTs, then WAKEs, then RST/DISCARD/STATE,
    /// then the WPU up-call, then RELEASE.
    @Test func r18CloseThatGoesAheadOrdersAbortsWakesResetUpCallRelease() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(400, on: h)
        w.setLinger(h, 1, 0)
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t2).result == .blocked)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WAKE T2 WSPRecv = WSAEINTR",
                            "RST s1", "DISCARD s1 400", "STATE s1 CLOSED",
                            "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r18))
        #expect(o.rules.contains(.r19))
        #expect(o.rules.contains(.r10))
    }

    @Test func r19ThreadBlockedInAReceiveWakesWithInterrupted() {
        var w = World()
        let (h, _) = w.connectedSocket()
        let t2 = w.spawnThread()
        let blocked = w.call(.recv(h, bytes: 10, overlapped: false), by: t2)
        #expect(blocked.result == .blocked)
        #expect(blocked.lines == ["BLOCK T2 WSPRecv"])
        let o = w.call(.close(h), by: T1)
        #expect(o.result == ok)
        #expect(o.lines == ["WAKE T2 WSPRecv = WSAEINTR", "FIN s1", "STATE s1 FIN_WAIT_1",
                            "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
        #expect(o.rules.contains(.r19))
        #expect(w.thread(t2)?.state == .running)
        #expect(w.thread(t2)?.lastResult == fails(.interrupted))
    }

    @Test func r19ThreadBlockedInASendWaitingForBufferSpaceWakesWithInterrupted() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        let t2 = w.spawnThread()
        #expect(w.call(.send(h, bytes: 1500, overlapped: false), by: t2).result == .blocked)
        #expect(w.socket(s)?.sendQueue == 1000)
        let o = w.call(.close(h), by: T1)
        #expect(o.result == ok)
        #expect(o.lines.first == "WAKE T2 WSPSend = WSAEINTR")
        #expect(o.rules.contains(.r19))
        #expect(w.thread(t2)?.lastResult == fails(.interrupted))
        // What it had queued stays queued for the graceful close (R20, R9).
        #expect(w.socket(s)?.sendQueue == 1000)
    }

    @Test func r19ThreadsOfOtherProcessesOrOtherDescriptorsAreNotWoken() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        #expect(w.call(.recv(b, bytes: 10, overlapped: false), by: t2).result == .blocked)
        let o = w.call(.close(a))
        #expect(o.lines == ["WPUCloseSocketHandle h1"])
        #expect(w.thread(t2)?.isBlocked == true)
        #expect(w.socket(s)?.state == .established)
    }

    @Test func r20AnAbortedOverlappedSendNeverReachesTheQueue() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(1000, on: h)
        #expect(w.call(.send(h, bytes: 500, overlapped: true)).result == .pending(op1))
        #expect(w.socket(s)?.sendQueue == 1000)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "RST s1", "DISCARD s1 1000", "STATE s1 CLOSED",
                            "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r20))
        #expect(w.socket(s)?.discarded == 1000)
        #expect(w.socket(s)?.accepted == 1000)
    }

    @Test func r20GracefulCloseSendsOnlyWhatWasQueued() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(1000, on: h)
        #expect(w.call(.send(h, bytes: 500, overlapped: true)).result == .pending(op1))
        let o = w.call(.close(h))
        #expect(o.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WPUCloseSocketHandle h1"])
        #expect(o.rules.contains(.r20))
        w.fromPeer(s, .window(65_536))
        let drained = w.advance(ms: 10)
        #expect(drained.lines.first == "TX s1 1000")
        #expect(drained.lines.contains("FIN s1"))
        #expect(w.socket(s)?.peer?.received == 1000)
    }

    @Test func r21CloseWithNoPendingOperationsCompletesNothing() {
        var w = World()
        let (h, _) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        w.fromPeer(s1, .send(10))
        #expect(w.advance(ms: 1).lines == ["COMPLETE op1 10"])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.rules.contains(.r21))
        #expect(!o.lines.contains { $0.hasPrefix("ABORT") || $0.hasPrefix("COMPLETE") || $0.hasPrefix("WAKE") })
        #expect(w.operation(op1)?.status == .completed)
    }
}
