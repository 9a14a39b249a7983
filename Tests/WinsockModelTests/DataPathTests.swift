import Testing
@testable import WinsockModel

/// docs/rules.md section L: the data path (R44–R48, R50; R49 is in LingeringCloseTests).
@Suite struct DataPathTests {
    @Test func r44ASendThatFitsIsQueuedWhole() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.call(.send(h, bytes: 3000, overlapped: false))
        #expect(o.result == count(3000))
        #expect(o.events == [])
        #expect(o.rules.contains(.r44))
        #expect(w.socket(s)?.sendQueue == 3000)
    }

    @Test func r44ABlockingSendBlocksUntilAllIsQueuedAndWakesWithN() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        let o = w.call(.send(h, bytes: 2500, overlapped: false))
        #expect(o.result == .blocked)
        #expect(o.events == [.threadBlocked(T1, .send)])
        #expect(o.rules.contains(.r44))
        #expect(w.socket(s)?.sendQueue == 1000)
        // It refills as the buffer drains; all 2500 are queued once 1500 have left (1.5 ms).
        #expect(!w.advance(ms: 1).events.contains { $0.isWake })
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
        #expect(o.events == [.operationCompleted(op1, 800), .threadWoke(t2, .send, count(100)), .transmitted(s1, 1000)])
    }

    @Test func r44AnOverlappedSendWinsOverTheBlockingModeAndIsQueuedWholeWhenItFits() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.queue(600, on: h)
        let o = w.call(.send(h, bytes: 700, overlapped: true))
        #expect(o.result == .pending(op1))
        #expect(o.events == [])
        #expect(o.rules.contains(.r44))
        #expect(w.thread(T1)?.state == .running)
        #expect(w.socket(s)?.sendQueue == 600)
        #expect(w.handle(h)?.pendingCount == 1)
        // 300 bytes must leave before 700 fit: at 0.3 ms. The TX stretch does not end there.
        let fit = w.advance(ms: 1)
        #expect(fit.events == [.operationCompleted(op1, 700), .transmitted(s1, 1000)])
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
        #expect(o.events == [.operationCompleted(op1, 2500)])
        #expect(w.socket(s)?.sendQueue == 2500)
        #expect(w.advance(ms: 1).events == [.transmitted(s1, 1000)])
        // A second one waits for the queue to empty.
        #expect(w.call(.send(h, bytes: 1200, overlapped: true)).result == .pending(op2))
        let second = w.advance(ms: 2)
        #expect(second.events == [.transmitted(s1, 1500), .operationCompleted(op2, 1200), .transmitted(s1, 500)])
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
        #expect(blocked.events == [.threadBlocked(T1, .recv)])
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
        #expect(arrived.events == [.threadWoke(T1, .recv, count(10)), .operationCompleted(op1, 20)])
    }

    @Test func r45ReceiveAfterThePeersFinReturnsZeroAndAPendingOneCompletesWithZero() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        let fin = w.fromPeer(s, .close)
        #expect(fin.events == [.peerFinReceived(s1), .stateChanged(s1, .closeWait), .operationCompleted(op1, 0)])
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
        #expect(fin.events == [])   // after the data
        let o = w.advance(ms: 1)
        #expect(o.events == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1)])
        #expect(w.socket(s)?.receiveBuffer == 10)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 49)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.state == .finWait1)
        #expect(w.advance(ms: 49).events == [])
        #expect(w.advance(ms: 1).events == [.stateChanged(s1, .finWait2)])
    }

    @Test func r47DatagramConnectOnlyRecordsTheDestination() {
        var w = World()
        let h = w.openSocket(.dgram)
        let noDest = w.call(.send(h, bytes: 100, overlapped: false))
        #expect(noDest.result == fails(.notConnected))
        #expect(noDest.rules.contains(.r47))
        let c = w.call(.connect(h))
        #expect(c.result == ok)
        #expect(c.events == [])
        #expect(c.rules.contains(.r47))
        #expect(w.socket(s1)?.state == .created)
        #expect(w.socket(s1)?.peer == nil)
        #expect(w.call(.connect(h)).result == ok)   // connecting again just changes it
        let send = w.call(.send(h, bytes: 100_000, overlapped: false))
        #expect(send.result == count(100_000))
        #expect(send.events == [])
        #expect(w.socket(s1)?.sendQueue == 0)
        #expect(w.advance(seconds: 1).events == [])
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
        #expect(close.events == [.operationAborted(op1, .operationAborted), .threadWoke(t2, .recv, fails(.interrupted)),
                                 .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
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

    @Test func r50FinAndRstAreSentWithTheNetworkDownButArriveOnlyAfterItComesUp() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (b, t) = w.connectedSocket()
        w.configure(.network(up: false))
        let fin = w.call(.close(a))
        #expect(fin.result == fails(.networkDown))
        #expect(fin.events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1)])
        w.setLinger(b, 1, 0)
        let rst = w.call(.close(b))
        #expect(rst.events == [.resetSent(s2), .stateChanged(s2, .closed), .handleReturned(h2), .socketReleased(s2)])
        #expect(w.advance(seconds: 10).events == [])
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        #expect(w.socket(s)?.state == .finWait1)
        #expect(w.socket(t)?.peer?.resetError == nil)
        let up = w.configure(.network(up: true))
        #expect(up.events == [.stateChanged(s1, .finWait2)])
        #expect(up.rules.contains(.r50))
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(t)?.peer?.resetError == .connectionReset)
    }
}
