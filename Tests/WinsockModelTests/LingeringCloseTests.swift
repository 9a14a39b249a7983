import Testing
@testable import WinsockModel

/// docs/rules.md sections B and L: a close that lingers (R11–R13), and what other calls do while it
/// lingers (R49).
@Suite struct LingeringCloseTests {
    @Test func r11LingeringCloseBlocksUntilTheQueueDrains() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == .blocked)
        #expect(o.events == [.threadBlocked(T1, .closeSocket)])
        #expect(o.rules.contains(.r11))
        #expect(w.thread(T1)?.isBlocked == true)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.refcount == 1)

        let done = w.advance(ms: 3)
        #expect(done.events == [.transmitted(s1, 3000), .finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1),
                                .threadWoke(T1, .closeSocket, ok), .stateChanged(s1, .finWait2)])
        #expect(done.rules.contains(.r11))
        #expect(done.eventTimes.allSatisfy { $0.milliseconds == 3 })
        #expect(w.thread(T1)?.state == .running)
        #expect(w.thread(T1)?.lastResult == ok)
        #expect(w.lastResult == .blocked)   // `last` stays `blocked` after the thread wakes
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.peer?.received == 3000)
        #expect(w.socket(s)?.discarded == 0)
    }

    @Test func r11LingeringCloseThatTimesOutResetsBeforeReturningZero() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 2)
        #expect(w.call(.close(h)).result == .blocked)
        #expect(w.advance(ms: 1999).events == [])
        let o = w.advance(ms: 1)
        #expect(o.events == [.lingerTimedOut(s1), .resetSent(s1), .discarded(s1, 3000), .stateChanged(s1, .closed),
                             .handleReturned(h1), .socketReleased(s1), .threadWoke(T1, .closeSocket, ok)])
        #expect(o.rules.contains(.r11))
        #expect(w.thread(T1)?.lastResult == ok)
        #expect(w.socket(s)?.discarded == 3000)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test func r11LingeringCloseWithNothingQueuedReturnsAtOnceWithFin() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1),
                             .stateChanged(s1, .finWait2)])
        #expect(o.rules.contains(.r11))
        #expect(w.thread(T1)?.state == .running)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
    }

    @Test func r12NonblockingLingerWouldBlockAndChangesNothing() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        let before = w
        let o = w.call(.close(h))
        #expect(o.result == fails(.wouldBlock))
        #expect(o.events == [])
        #expect(o.rules.contains(.r12))
        #expect(o.releasedHandles == [])
        #expect(w.sockets == before.sockets)
        #expect(w.handles == before.handles)
        #expect(w.operations == before.operations)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.operation(op1)?.status == .pending)
        // The pending receive continues.
        w.fromPeer(s, .send(50))
        let more = w.advance(ms: 1)
        #expect(more.events.contains(.operationCompleted(op1, 50)))
    }

    /// R12's WSAEWOULDBLOCK is a refusal decided before any plan goes ahead; R22 and R10 take a
    /// close that would have been refused straight to a plan.
    @Test func r12TheRefusalIsDecidedApartFromThePlansThatGoAhead() throws {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.closePlan(for: h) == .failure(.wouldBlock))
        w.configure(.network(up: false))
        let connection = try #require(w.socket(s)?.connection)
        #expect(w.closePlan(for: h) == .success(.close(.graceful(connection))))
        w.configure(.network(up: true))
        w.setLinger(h, 1, 0)
        #expect(w.closePlan(for: h) == .success(.close(.hard)))
    }

    @Test func r12RetryAfterTheQueueDrainsSucceedsWithFin() {
        var w = World()
        let (h, _) = w.connectedSocket(nonblocking: true)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        #expect(w.advance(ms: 3).events == [.transmitted(s1, 3000)])
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1),
                                 .stateChanged(s1, .finWait2)])
        #expect(retry.rules.contains(.r12))
    }

    @Test func r12RetryAfterDontLingerTrueIsGraceful() {
        var (w, h, s) = World.wouldBlockLingeringClose()
        #expect(w.call(.setDontLinger(h, true)).result == ok)
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.events == [.handleReturned(h1)])
        #expect(retry.rules.contains(.r9))
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.socket(s)?.sendQueue == 3000)
    }

    @Test func r12RetryAfterZeroLingerIsHard() {
        var (w, h, s) = World.wouldBlockLingeringClose()
        w.setLinger(h, 1, 0)
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.events == [.resetSent(s1), .discarded(s1, 3000), .stateChanged(s1, .closed), .handleReturned(h1),
                                 .socketReleased(s1)])
        #expect(retry.rules.contains(.r10))
        #expect(w.socket(s)?.isReleased == true)
    }

    @Test func r12NonblockingLingerWithNothingQueuedSucceedsAtOnce() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events.prefix(3) == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1)])
        #expect(o.rules.contains(.r12))
        #expect(w.socket(s)?.connection?.fin == .sent)
    }

    @Test func r13QueuedMeansAcceptedButNotYetDeliveredToThePeer() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.queue(3000, on: h)
        #expect(w.socket(s)?.sendQueue == 3000)
        w.advance(ms: 1)
        #expect(w.socket(s)?.sendQueue == 2000)
        #expect(w.socket(s)?.peer?.received == 1000)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == fails(.wouldBlock))   // 2000 still queued
        w.advance(ms: 2)
        // Delivered to the peer's stack counts, even though its application read nothing.
        #expect(w.socket(s)?.peer?.read == 0)
        #expect(w.socket(s)?.sendQueue == 0)
        #expect(w.call(.close(h)).result == ok)
    }

    @Test func r49OtherThreadsCallsGoAheadWhileACloseLingers() {
        var (w, h, s) = World.blockedLingeringClose()
        let t2 = w.spawnThread()
        #expect(w.call(.send(h, bytes: 50, overlapped: false), by: t2).result == count(50))
        #expect(w.call(.getSockOpt(h, .linger), by: t2).result == .value(.linger(Linger(onoff: 1, seconds: 5))))
        #expect(w.socket(s)?.sendQueue == 150)
        #expect(w.handle(h)?.isOpen == true)
    }

    @Test func r49ASecondCloseThatGoesAheadWakesTheFirstWithInterrupted() {
        var (w, h, _) = World.blockedLingeringClose()
        let t2 = w.spawnThread()
        w.setLinger(h, 1, 0, by: t2)   // so the second close goes ahead as a hard close
        let o = w.call(.close(h), by: t2)
        #expect(o.result == ok)
        #expect(o.events == [.threadWoke(T1, .closeSocket, fails(.interrupted)), .resetSent(s1), .discarded(s1, 100),
                             .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(o.rules.contains(.r49))
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        // The first close's linger timer no longer matters.
        #expect(w.advance(seconds: 10).events == [])
    }

    @Test func r49ASecondLingeringCloseWakesTheFirstAndLingersFromItsOwnCloseTime() {
        var (w, h, _) = World.blockedLingeringClose()
        w.advance(seconds: 2)
        let t2 = w.spawnThread()
        let o = w.call(.close(h), by: t2)
        #expect(o.result == .blocked)
        #expect(o.events == [.threadWoke(T1, .closeSocket, fails(.interrupted)), .threadBlocked(t2, .closeSocket)])
        #expect(o.rules.contains(.r49))
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        // The first close's timeout (t = 5 s) no longer fires; the second's is at 2 s + 5 s.
        #expect(w.advance(seconds: 4).events == [])
        let timeout = w.advance(seconds: 1)
        #expect(timeout.events.first == .lingerTimedOut(s1))
        #expect(timeout.events.contains(.threadWoke(t2, .closeSocket, ok)))
        #expect(timeout.eventTimes.first?.milliseconds == 7000)
    }

    @Test func r49ASecondCloseThatFailsWakesNothing() {
        var (w, h, _) = World.blockedLingeringClose()
        let (_, t2) = w.spawnProcess()
        let o = w.call(.close(h), by: t2)
        #expect(o.result == fails(.notSocket))
        #expect(o.events == [])
        #expect(w.thread(T1)?.isBlocked == true)
    }

    @Test func r49AResetWhileTheCloseLingersMakesItReturnZero() {
        var (w, _, s) = World.blockedLingeringClose()
        let o = w.fromPeer(s, .reset)
        #expect(o.events == [.peerResetReceived(s1), .discarded(s1, 100), .stateChanged(s1, .closed),
                             .handleReturned(h1), .socketReleased(s1), .threadWoke(T1, .closeSocket, ok)])
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
        #expect(o.events.contains(.threadWoke(t2, .recv, fails(.interrupted))))
        #expect(o.events.contains(.threadWoke(T1, .closeSocket, ok)))
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
}

extension World {
    /// T1 blocked in a lingering close (linger 1 5) of a connected socket whose peer reads
    /// nothing, with 100 bytes queued: the starting point of R49's cases.
    static func blockedLingeringClose(sourceLocation: SourceLocation = #_sourceLocation) -> (World, HandleID, SocketID) {
        var w = World()
        let (h, s) = w.connectedSocket(sourceLocation: sourceLocation)
        w.stall(s, sourceLocation: sourceLocation)
        w.queue(100, on: h, sourceLocation: sourceLocation)
        w.setLinger(h, 1, 5, sourceLocation: sourceLocation)
        #expect(w.call(.close(h), sourceLocation: sourceLocation).result == .blocked, sourceLocation: sourceLocation)
        return (w, h, s)
    }

    /// A nonblocking lingering close (linger 1 5) of a connected socket with 3000 bytes stuck in
    /// its queue, refused with WSAEWOULDBLOCK: the starting point of R12's retries.
    static func wouldBlockLingeringClose(sourceLocation: SourceLocation = #_sourceLocation) -> (World, HandleID, SocketID) {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true, sourceLocation: sourceLocation)
        w.stall(s, sourceLocation: sourceLocation)
        w.queue(3000, on: h, sourceLocation: sourceLocation)
        w.setLinger(h, 1, 5, sourceLocation: sourceLocation)
        #expect(w.call(.close(h), sourceLocation: sourceLocation).result == fails(.wouldBlock), sourceLocation: sourceLocation)
        return (w, h, s)
    }
}
