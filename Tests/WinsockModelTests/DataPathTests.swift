import Testing
@testable import WinsockModel

/// RULES.md section L: the data path (R44–R50).
@Suite struct DataPathTests {
    @Test func r44ASendThatFitsIsQueuedWhole() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.call(.send(h, bytes: 3000, overlapped: false))
        #expect(o.result == count(3000))
        #expect(o.lines == [])
        #expect(o.rules.contains(.r44))
        #expect(w.socket(s)?.sendQueue == 3000)
    }

    @Test func r44ABlockingSendBlocksUntilAllIsQueuedAndWakesWithN() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        let o = w.call(.send(h, bytes: 2500, overlapped: false))
        #expect(o.result == .blocked)
        #expect(o.lines == ["BLOCK T1 WSPSend"])
        #expect(o.rules.contains(.r44))
        #expect(w.socket(s)?.sendQueue == 1000)
        // It refills as the buffer drains; all 2500 are queued once 1500 have left (1.5 ms).
        #expect(!w.advance(ms: 1).lines.contains { $0.hasPrefix("WAKE") })
        #expect(w.thread(T1)?.isBlocked == true)
        let done = w.advance(ms: 1)
        let wake = done.events.firstIndex(of: .threadWoke(T1, .send, count(2500)))
        #expect(wake != nil)
        #expect(wake.map { done.eventTimes[$0].nanoseconds } == 1_500_000)
        #expect(done.rules.contains(.r44))
        #expect(w.thread(T1)?.lastResult == count(2500))
        #expect(w.socket(s)?.accepted == 2500)
    }

    @Test func r44ANonblockingSendQueuesWhatFitsOrWouldBlock() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        let partial = w.call(.send(h, bytes: 1500, overlapped: false))
        #expect(partial.result == count(1000))
        #expect(partial.rules.contains(.r44))
        let full = w.call(.send(h, bytes: 1, overlapped: false))
        #expect(full.result == fails(.wouldBlock))
        #expect(full.rules.contains(.r44))
        #expect(w.socket(s)?.sendQueue == 1000)
    }

    @Test func r44ASendThatFindsEarlierSendsWaitingCountsTheBufferAsFull() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(400, on: h)
        #expect(w.call(.send(h, bytes: 800, overlapped: true)).result == .pending(op1))
        #expect(w.call(.setNonblocking(h, true)).result == ok)
        // 600 bytes are free, but op1 waits first.
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == fails(.wouldBlock))
        #expect(w.call(.send(h, bytes: 10, overlapped: true)).result == .pending(op2))
        #expect(w.socket(s)?.sendQueue == 400)
    }

    @Test func r44ABlockingSendBehindAWaitingSendQueuesNothingAndWaitsItsTurn() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.queue(400, on: h)
        #expect(w.call(.send(h, bytes: 800, overlapped: true)).result == .pending(op1))
        let t2 = w.spawnThread()
        #expect(w.call(.send(h, bytes: 100, overlapped: false), by: t2).result == .blocked)
        #expect(w.socket(s)?.sendQueue == 400)
        let o = w.advance(ms: 1)
        #expect(o.lines == ["COMPLETE op1 800", "WAKE \(t2) WSPSend = 100", "TX s1 1000"])
    }

    @Test func r44AnOverlappedSendWinsOverTheBlockingModeAndIsQueuedWholeWhenItFits() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.queue(600, on: h)
        let o = w.call(.send(h, bytes: 700, overlapped: true))
        #expect(o.result == .pending(op1))
        #expect(o.lines == [])
        #expect(o.rules.contains(.r44))
        #expect(w.thread(T1)?.state == .running)
        #expect(w.socket(s)?.sendQueue == 600)
        #expect(w.handle(h)?.pendingCount == 1)
        // 300 bytes must leave before 700 fit: at 0.3 ms. The TX stretch does not end there.
        let fit = w.advance(ms: 1)
        #expect(fit.lines == ["COMPLETE op1 700", "TX s1 1000"])
        #expect(fit.eventTimes.map(\.nanoseconds) == [300_000, 1_000_000])
        #expect(w.operation(op1)?.status == .completed)
        #expect(w.operation(op1)?.bytes == 700)
        #expect(w.operation(op1)?.isNotified == true)
    }

    @Test func r44AnOverlappedSendLargerThanTheBufferPendsAndIsQueuedOnAnEmptyQueue() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket(nonblocking: true)
        let o = w.call(.send(h, bytes: 2500, overlapped: true))
        #expect(o.result == .pending(op1))   // even on an empty queue
        #expect(o.rules.contains(.r44))
        // The queue is empty, so it is queued whole at once, and completes then.
        #expect(o.lines == ["COMPLETE op1 2500"])
        #expect(w.socket(s)?.sendQueue == 2500)
        #expect(w.advance(ms: 1).lines == ["TX s1 1000"])
        // A second one waits for the queue to empty.
        #expect(w.call(.send(h, bytes: 1200, overlapped: true)).result == .pending(op2))
        let second = w.advance(ms: 2)
        #expect(second.lines == ["TX s1 1500", "COMPLETE op2 1200", "TX s1 500"])
    }

    @Test func r44UnconnectedStreamAndResetConnection() {
        var w = World()
        let fresh = w.openSocket()
        let o = w.call(.send(fresh, bytes: 1, overlapped: false))
        #expect(o.result == fails(.notConnected))
        #expect(o.rules.contains(.r44))
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .reset)
        #expect(w.call(.send(h, bytes: 1, overlapped: true)).result == fails(.connectionReset))
    }

    @Test func r45ReceiveReturnsWaitingDataAtOnce() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .send(300))
        w.advance(ms: 1)
        let o = w.call(.recv(h, bytes: 100, overlapped: true))
        #expect(o.result == count(100))
        #expect(o.rules.contains(.r45))
        #expect(w.call(.recv(h, bytes: 1000, overlapped: false)).result == count(200))
    }

    @Test func r45ReceiveWithNoDataBlocksWouldBlockOrPendsByMode() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let blocked = w.call(.recv(h, bytes: 10, overlapped: false))
        #expect(blocked.result == .blocked)
        #expect(blocked.lines == ["BLOCK T1 WSPRecv"])
        #expect(blocked.rules.contains(.r45))
        let t2 = w.spawnThread()
        let pending = w.call(.recv(h, bytes: 50, overlapped: true), by: t2)
        #expect(pending.result == .pending(op1))
        #expect(pending.rules.contains(.r45))
        #expect(w.call(.setNonblocking(h, true), by: t2).result == ok)
        let nonblocking = w.call(.recv(h, bytes: 10, overlapped: false), by: t2)
        #expect(nonblocking.result == fails(.wouldBlock))
        #expect(nonblocking.rules.contains(.r45))
        // The first bytes that arrive go to the receives in the order they were made.
        w.fromPeer(s, .send(30))
        let arrived = w.advance(ms: 1)
        #expect(arrived.lines == ["WAKE T1 WSPRecv = 10", "COMPLETE op1 20"])
    }

    @Test func r45ReceiveAfterThePeersFinReturnsZeroAndAPendingOneCompletesWithZero() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        let fin = w.fromPeer(s, .close)
        #expect(fin.lines == ["PEER-FIN s1", "STATE s1 CLOSE_WAIT", "COMPLETE op1 0"])
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == count(0))
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == count(0))
    }

    @Test func r45ReceiveAfterAResetFailsWithConnReset() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .reset)
        let o = w.call(.recv(h, bytes: 10, overlapped: false))
        #expect(o.result == fails(.connectionReset))
        #expect(o.rules.contains(.r45))
    }

    @Test func r46NothingMovesWithoutTheClock() {
        var w = World()
        w.configure(.netLatency(.milliseconds(50)))
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.socket(s)?.peer?.received == 0)
        w.fromPeer(s, .send(10))
        #expect(w.socket(s)?.receiveBuffer == 0)
        // FIN is sent at the instant its rule fires, and arrives net latency later.
        let fin = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(fin.lines == [])   // after the data
        let o = w.advance(ms: 1)
        #expect(o.lines == ["TX s1 1000", "FIN s1", "STATE s1 FIN_WAIT_1"])
        #expect(w.socket(s)?.receiveBuffer == 10)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 49)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.state == .finWait1)
        #expect(w.advance(ms: 49).lines == [])
        #expect(w.advance(ms: 1).lines == ["STATE s1 FIN_WAIT_2"])
    }

    @Test func r47DatagramConnectOnlyRecordsTheDestination() {
        var w = World()
        let h = w.openSocket(.dgram)
        let noDest = w.call(.send(h, bytes: 100, overlapped: false))
        #expect(noDest.result == fails(.notConnected))
        #expect(noDest.rules.contains(.r47))
        let c = w.call(.connect(h))
        #expect(c.result == ok)
        #expect(c.lines == [])
        #expect(c.rules.contains(.r47))
        #expect(w.socket(s1)?.state == .created)
        #expect(w.socket(s1)?.peer == nil)
        #expect(w.call(.connect(h)).result == ok)   // connecting again just changes it
        let send = w.call(.send(h, bytes: 100_000, overlapped: false))
        #expect(send.result == count(100_000))
        #expect(send.lines == [])
        #expect(w.socket(s1)?.sendQueue == 0)
        #expect(w.advance(seconds: 1).lines == [])
        #expect(throws: Refusal.self) { _ = try w.peer(s1, .send(1)) }
    }

    @Test func r47DatagramReceiveBlocksWouldBlockOrPendsByMode() {
        var w = World()
        let h = w.openSocket(.dgram)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t2).result == .blocked)
        #expect(w.call(.setNonblocking(h, true)).result == ok)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == fails(.wouldBlock))
        let close = w.call(.close(h))
        #expect(close.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WAKE \(t2) WSPRecv = WSAEINTR", "STATE s1 CLOSED",
                                "WPUCloseSocketHandle h1", "RELEASE s1"])
    }

    @Test func r48InProgressThenNotInitialisedThenNotSock() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(10, on: h)
        w.setLinger(h, 1, 9)
        #expect(w.call(.close(h)).result == .blocked)
        // A blocked thread: WSAEINPROGRESS even for a bad handle.
        #expect(w.call(.send(h99, bytes: 1, overlapped: false), by: T1).result == fails(.inProgress))
        let t2 = w.spawnThread()
        #expect(w.call(.cleanup, by: t2).result == ok)
        // Not initialised: WSANOTINITIALISED even for a bad handle.
        #expect(w.call(.send(h99, bytes: 1, overlapped: false), by: t2).result == fails(.notInitialised))
        #expect(w.call(.startup, by: t2).result == ok)
        #expect(w.call(.shutdown(h99, how: 9), by: t2).result == fails(.notSocket))
    }

    @Test func r48SendChecksNotConnAbortedShutdownThenReset() {
        var w = World()
        // WSAESHUTDOWN before WSAECONNRESET.
        let (a, s) = w.connectedSocket()
        #expect(w.call(.shutdown(a, how: ShutdownHow.send)).result == ok)
        w.fromPeer(s, .reset)
        #expect(w.call(.send(a, bytes: 1, overlapped: false)).result == fails(.shutdown))
        // WSAECONNABORTED before WSAESHUTDOWN.
        let (b, _) = w.connectedSocket()
        #expect(w.call(.shutdown(b, how: ShutdownHow.send)).result == ok)
        #expect(w.call(.recv(b, bytes: 1, overlapped: false)).result == .blocked)
        #expect(w.call(.cancelBlockingCall).result == ok)
        #expect(w.call(.send(b, bytes: 1, overlapped: false)).result == fails(.connectionAborted))
    }

    @Test func r48ReceiveChecksShutdownBeforeWaitingDataAndDataBeforeReset() {
        var w = World()
        let (a, s) = w.connectedSocket()
        w.fromPeer(s, .send(20))
        w.advance(ms: 1)
        #expect(w.call(.shutdown(a, how: ShutdownHow.receive)).result == ok)
        #expect(w.call(.recv(a, bytes: 5, overlapped: false)).result == fails(.shutdown))

        let (b, t) = w.connectedSocket()
        w.fromPeer(t, .send(20))
        w.advance(ms: 1)
        w.fromPeer(t, .reset)
        #expect(w.call(.recv(b, bytes: 100, overlapped: false)).result == count(20))
        #expect(w.call(.recv(b, bytes: 100, overlapped: false)).result == fails(.connectionReset))
    }

    @Test func r48ShutdownChecksInvalidThenAbortedThenNotConn() {
        var w = World()
        let (h, _) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 1, overlapped: false)).result == .blocked)
        #expect(w.call(.cancelBlockingCall).result == ok)
        #expect(w.call(.shutdown(h, how: 5)).result == fails(.invalidArgument))
        // Reset by the cancelled call: WSAECONNABORTED, not WSAENOTCONN.
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == fails(.connectionAborted))
    }

    @Test func r49OtherThreadsCallsGoAheadWhileACloseLingers() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        let t2 = w.spawnThread()
        #expect(w.call(.send(h, bytes: 50, overlapped: false), by: t2).result == count(50))
        #expect(w.call(.getSockOpt(h, .linger), by: t2).result == .value(.linger(Linger(onoff: 1, seconds: 5))))
        #expect(w.socket(s)?.sendQueue == 150)
        #expect(w.handle(h)?.isOpen == true)
    }

    @Test func r49ASecondCloseThatGoesAheadWakesTheFirstWithInterrupted() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        let t2 = w.spawnThread()
        w.setLinger(h, 1, 0, by: t2)   // so the second close goes ahead as a hard close
        let o = w.call(.close(h), by: t2)
        #expect(o.result == ok)
        #expect(o.lines == ["WAKE T1 WSPCloseSocket = WSAEINTR", "RST s1", "DISCARD s1 100", "STATE s1 CLOSED",
                            "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r49))
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        // The first close's linger timer no longer matters.
        #expect(w.advance(seconds: 10).lines == [])
    }

    @Test func r49ASecondLingeringCloseWakesTheFirstAndLingersFromItsOwnCloseTime() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        w.advance(seconds: 2)
        let t2 = w.spawnThread()
        let o = w.call(.close(h), by: t2)
        #expect(o.result == .blocked)
        #expect(o.lines == ["WAKE T1 WSPCloseSocket = WSAEINTR", "BLOCK \(t2) WSPCloseSocket"])
        #expect(o.rules.contains(.r49))
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        // The first close's timeout (t = 5 s) no longer fires; the second's is at 2 s + 5 s.
        #expect(w.advance(seconds: 4).lines == [])
        let timeout = w.advance(seconds: 1)
        #expect(timeout.lines.first == "LINGER-TIMEOUT s1")
        #expect(timeout.lines.contains("WAKE \(t2) WSPCloseSocket = 0"))
        #expect(timeout.eventTimes.first?.milliseconds == 7000)
    }

    @Test func r49ASecondCloseThatFailsWakesNothing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        let (_, t2) = w.spawnProcess()
        let o = w.call(.close(h), by: t2)
        #expect(o.result == fails(.notSocket))
        #expect(o.lines == [])
        #expect(w.thread(T1)?.isBlocked == true)
    }

    @Test func r49AResetWhileTheCloseLingersMakesItReturnZero() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        let o = w.fromPeer(s, .reset)
        #expect(o.lines == ["PEER-RST s1", "DISCARD s1 100", "STATE s1 CLOSED", "WAKE T1 WSPCloseSocket = 0",
                            "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r49))
        #expect(w.thread(T1)?.lastResult == ok)
    }

    @Test func r49WhenTheLingeringCloseReleasesTheDescriptorWaitingCallsWakeWithInterrupted() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t2).result == .blocked)
        let o = w.advance(ms: 1)
        #expect(o.lines.contains("WAKE \(t2) WSPRecv = WSAEINTR"))
        #expect(o.lines.contains("WAKE T1 WSPCloseSocket = 0"))
        #expect(o.rules.contains(.r49))
        #expect(w.thread(t2)?.lastResult == fails(.interrupted))
        #expect(w.handle(h)?.isOpen == false)
    }

    @Test func r49AProtocolInfoForASocketWhoseLastCloseLingersFailsWithNotSock() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.duplicate(h, p2)).result == .value(.protocolInfo(pi1)))
        #expect(w.call(.close(h)).result == .blocked)
        let o = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(o.result == fails(.notSocket))
        #expect(o.rules.contains(.r49))
        #expect(w.socket(s)?.refcount == 1)
    }

    @Test func r50FinAndRstAreSentWithTheNetworkDownButArriveOnlyAfterItComesUp() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (b, t) = w.connectedSocket()
        w.configure(.network(up: false))
        let fin = w.call(.close(a))
        #expect(fin.result == fails(.networkDown))
        #expect(fin.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1"])
        w.setLinger(b, 1, 0)
        let rst = w.call(.close(b))
        #expect(rst.lines == ["RST s2", "STATE s2 CLOSED", "WPUCloseSocketHandle h2", "RELEASE s2"])
        #expect(w.advance(seconds: 10).lines == [])
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        #expect(w.socket(s)?.state == .finWait1)
        #expect(w.socket(t)?.peer?.resetError == nil)
        let up = w.configure(.network(up: true))
        #expect(up.lines == ["STATE s1 FIN_WAIT_2"])
        #expect(up.rules.contains(.r50))
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(t)?.peer?.resetError == .connectionReset)
    }
}
