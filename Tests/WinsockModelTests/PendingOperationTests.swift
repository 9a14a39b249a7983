import Testing
@testable import WinsockModel

/// docs/rules.md section C: operations pending at close (R18–R21).
@Suite struct PendingOperationTests {
    @Test func r18CloseAbortsAPendingReceiveWithItsCompletionAction() {
        var w = World()
        let (h, _) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        #expect(w.handle(h)?.pendingCount == 1)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.operationAborted(op1, .operationAborted), .finSent(s1), .stateChanged(s1, .finWait1),
                             .handleReturned(h1), .stateChanged(s1, .finWait2)])
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
        #expect(o.events.first == .operationAborted(op1, .operationAborted))
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
        #expect(o.events == [.operationAborted(op1, .operationAborted), .handleReturned(h1)])
        #expect(o.rules.contains(.r18))
        #expect(w.operation(op2)?.status == .pending)
        #expect(w.socket(s)?.state == .established)
        w.fromPeer(s, .send(5))
        #expect(w.advance(ms: 1).events == [.operationCompleted(op2, 5)])
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
        #expect(o.events == [.operationAborted(op1, .operationAborted), .threadBlocked(T1, .closeSocket)])
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
        #expect(inProgress.events == [])
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

    /// docs/language.md, "What is printed": in a close that goes ahead, ABORTs, then WAKEs, then RST/DISCARD/STATE,
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
        #expect(o.events == [.operationAborted(op1, .operationAborted), .threadWoke(T2, .recv, fails(.interrupted)),
                             .resetSent(s1), .discarded(s1, 400), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
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
        #expect(blocked.events == [.threadBlocked(T2, .recv)])
        let o = w.call(.close(h), by: T1)
        #expect(o.result == ok)
        #expect(o.events == [.threadWoke(T2, .recv, fails(.interrupted)), .finSent(s1), .stateChanged(s1, .finWait1),
                             .handleReturned(h1), .stateChanged(s1, .finWait2)])
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
        #expect(o.events.first == .threadWoke(T2, .send, fails(.interrupted)))
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
        #expect(o.events == [.handleReturned(h1)])
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
        #expect(o.events == [.operationAborted(op1, .operationAborted), .resetSent(s1), .discarded(s1, 1000),
                             .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
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
        #expect(o.events == [.operationAborted(op1, .operationAborted), .handleReturned(h1)])
        #expect(o.rules.contains(.r20))
        w.fromPeer(s, .window(65_536))
        let drained = w.advance(ms: 10)
        #expect(drained.events.first == .transmitted(s1, 1000))
        #expect(drained.events.contains(.finSent(s1)))
        #expect(w.socket(s)?.peer?.received == 1000)
    }

    @Test func r21CloseWithNoPendingOperationsCompletesNothing() {
        var w = World()
        let (h, _) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        w.fromPeer(s1, .send(10))
        #expect(w.advance(ms: 1).events == [.operationCompleted(op1, 10)])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.rules.contains(.r21))
        #expect(!o.events.contains { $0.isAbort || $0.isCompletion || $0.isWake })
        #expect(w.operation(op1)?.status == .completed)
    }
}

/// R18 as amended: an operation never outlives the descriptor it was issued through.
extension PendingOperationTests {
    /// A blocking lingering close of h1 by T1 over 3000 bytes at 1000 B/s, and an overlapped
    /// receive T2 issues through h1 while it lingers (R49).
    func lingeringCloseWithLateOperation(_ profile: Profile) -> (World, HandleID, SocketID) {
        var w = World.with(profile)
        w.configure(.netRate(1000))
        let t2 = w.spawnThread()
        let (h, s) = w.connectedSocket()
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == .blocked)
        #expect(w.call(.recv(h, bytes: 100, overlapped: true), by: t2).result == .pending(op1))
        return (w, h, s)
    }

    @Test func r18AnOperationIssuedWhileTheCloseLingersEndsWithIt() {
        var (w, h, _) = lingeringCloseWithLateOperation(.docs)
        let o = w.advance(seconds: 3)
        #expect(o.events.suffix(4) == [.operationAborted(op1, .operationAborted), .handleReturned(h1),
                                       .threadWoke(T1, .closeSocket, ok), .stateChanged(s1, .finWait2)])
        #expect(o.rules.contains(.r18))
        #expect(w.operation(op1)?.status == .failed(.operationAborted))
        #expect(w.operation(op1)?.isNotified == true)
        #expect(w.handle(h)?.pendingCount == 0)
    }

    @Test func r18UnderWindowsTheOperationOutlivesTheDescriptor() {
        var (w, _, s) = lingeringCloseWithLateOperation(.windows)
        let o = w.advance(seconds: 3)
        #expect(!o.events.contains(.operationAborted(op1, .operationAborted)))
        #expect(w.operation(op1)?.isPending == true)
        // It belongs to the socket: the peer's FIN completes it with 0 (R45).
        let fin = w.fromPeer(s, .close)
        #expect(fin.events.contains(.operationCompleted(op1, 0)))
    }

    @Test func r18OperationsPointAtTheirDescriptorNotItsReusedName() {
        var w = World.with(.windows)
        w.configure(.reuse(true))
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        let other = w.share(h, with: T1)
        w.call(.close(h))                  // windows: op1 stays pending on s1
        let reused = w.openSocket()        // takes the name h1 again (R23)
        #expect(reused == h)
        #expect(w.handle(h)?.pendingCount == 0, "the new h1 has issued nothing")
        w.fromPeer(s, .send(5))
        w.advance(ms: 1)                   // op1 completes: the new h1's count must not go negative
        #expect(w.operation(op1)?.status == .completed)
        #expect(w.handle(h)?.pendingCount == 0)
        #expect(w.handle(other)?.pendingCount == 0)
    }
}
