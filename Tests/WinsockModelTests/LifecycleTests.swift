import Testing
@testable import WinsockModel

/// docs/rules.md section H: startup, cleanup, process exit (R35–R39).
@Suite struct LifecycleTests {
    @Test func r35StartupAndCleanupAreCountedAndOnlyTheLastCleanupActs() {
        var w = World()
        #expect(w.process(P1)?.startupCount == 1)
        let up = w.call(.startup)
        #expect(up.result == ok)
        #expect(up.rules.contains(.r35))
        #expect(w.process(P1)?.startupCount == 2)
        let (h, s) = w.connectedSocket()
        let first = w.call(.cleanup)
        #expect(first.result == ok)
        #expect(first.events == [])
        #expect(first.rules.contains(.r35))
        #expect(w.process(P1)?.startupCount == 1)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).result == count(1))
        let last = w.call(.cleanup)
        #expect(last.result == ok)
        #expect(last.rules.contains(.r35))
        #expect(w.process(P1)?.startupCount == 0)
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.isReleased == true)
    }

    @Test func r35CleanupAtZeroAndEveryLaterCallFailWithNotInitialised() {
        var w = World()
        #expect(w.call(.cleanup).result == ok)
        let third = w.call(.cleanup)
        #expect(third.result == fails(.notInitialised))
        #expect(third.rules.contains(.r35))
        #expect(w.process(P1)?.startupCount == 0)
        for c: ProviderCall in [.socket(.stream, nonblocking: false), .close(h99), .cancelBlockingCall,
                                .duplicate(h1, P1), .socketFromProtocolInfo(pi1)] {
            let o = w.call(c)
            #expect(o.result == fails(.notInitialised), "\(c)")
            #expect(o.events == [], "\(c)")
        }
        #expect(w.handles.isEmpty)
        #expect(w.call(.startup).result == ok)
        #expect(w.call(.socket(.stream, nonblocking: false)).result == returns(h1))
    }

    @Test func r35OtherProcessesAreNotAffected() {
        var w = World()
        let (_, t2) = w.spawnProcess()
        #expect(w.call(.cleanup).result == ok)
        #expect(w.call(.socket(.stream, nonblocking: false), by: t2).result == returns(h1))
        #expect(w.process(P2)?.startupCount == 1)
    }

    @Test func r36FinalCleanupAbortsOperationsWithoutTheirCompletionAction() {
        var w = World()
        let (h, _) = w.connectedSocket()
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t2).result == .blocked)
        let o = w.call(.cleanup)
        #expect(o.result == ok)
        #expect(Array(o.events.prefix(2)) == [.operationAborted(op1, .operationAborted),
                                              .threadWoke(T2, .recv, fails(.interrupted))])
        #expect(o.rules.contains(.r36))
        #expect(w.operation(op1)?.status == .failed(.operationAborted))
        #expect(w.operation(op1)?.isNotified == false)
        #expect(w.thread(t2)?.lastResult == fails(.interrupted))
        #expect(w.thread(t2)?.state == .running)
    }

    @Test func r36FinalCleanupFailsABlockedLingeringClose() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 30)
        #expect(w.call(.close(h), by: T1).result == .blocked)
        let t2 = w.spawnThread()
        let o = w.call(.cleanup, by: t2)
        #expect(o.result == ok)
        #expect(o.events.first == .threadWoke(T1, .closeSocket, fails(.interrupted)))
        #expect(o.rules.contains(.r36))
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.invariantViolations() == [])
    }

    @Test func r37FinalCleanupHardClosesEveryDescriptorStillHeld() {
        var w = World()
        let (a, _) = w.connectedSocket()
        w.stall(s1)
        w.queue(900, on: a)
        let b = w.openSocket()
        let o = w.call(.cleanup)
        #expect(o.result == ok)
        #expect(Array(o.events.prefix(5)) == [.resetSent(s1), .discarded(s1, 900), .stateChanged(s1, .closed),
                                              .handleReturned(h1), .socketReleased(s1)])
        #expect(Set(o.events.dropFirst(5)) == [.stateChanged(s2, .closed), .handleReturned(h2), .socketReleased(s2)])
        // R37 "as if each were closed with a hard close"; docs/language.md, "What is printed" orders a close that goes
        // ahead: RST/DISCARD/STATE, then the WPU up-call, then RELEASE (as `close` of an unconnected
        // socket does, R15). The cleanup of an unconnected socket puts the up-call before STATE.
        #expect(Array(o.events.dropFirst(5)) == [.stateChanged(s2, .closed), .handleReturned(h2), .socketReleased(s2)])
        #expect(o.rules.contains(.r37))
        #expect(o.releasedHandles == [a, b])
        #expect(w.socket(s1)?.peer?.resetError == .connectionReset)
        #expect(w.socket(s1)?.discarded == 900)
    }

    @Test func r37ASocketSharedWithAnotherProcessLivesOn() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        let o = w.call(.cleanup)
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r37))
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.socket(s)?.state == .established)
        #expect(w.call(.send(b, bytes: 10, overlapped: false), by: t2).result == count(10))
    }

    @Test func r38OrphansStillDrainingAreNotAffectedByCleanup() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.close(h)).result == ok)
        let o = w.call(.cleanup)
        #expect(o.result == ok)
        #expect(o.events == [])
        #expect(o.rules.contains(.r38))
        let drained = w.advance(ms: 1)
        #expect(drained.events == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1),
                                   .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.peer?.received == 1000)
        #expect(w.socket(s)?.discarded == 0)
    }

    @Test func r39ProcessExitWithoutCleanupIsAFinalCleanup() {
        var w = World()
        let (p2, t2) = w.spawnProcess()
        let (h, s) = w.connectedSocket(by: t2)
        w.stall(s)
        w.queue(100, on: h, by: t2)
        #expect(w.call(.recv(h, bytes: 5, overlapped: true), by: t2).result == .pending(op1))
        let o = w.exit(p2)
        #expect(o.events == [.operationAborted(op1, .operationAborted), .resetSent(s1), .discarded(s1, 100),
                             .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(o.rules.contains(.r39))
        #expect(w.operation(op1)?.isNotified == false)
        #expect(w.thread(t2)?.state == .exited)
        #expect(w.process(p2)?.isAlive == false)
        #expect(w.current == T1)
        // Its threads cannot call any more.
        #expect(throws: Refusal.self) { try w.perform(.socket(.stream, nonblocking: false), by: t2) }
    }

    @Test func r39ExitAfterItsOwnFinalCleanupChangesNothingMore() {
        var w = World()
        let (p2, t2) = w.spawnProcess()
        _ = w.connectedSocket(by: t2)
        #expect(w.call(.cleanup, by: t2).result == ok)
        let o = w.exit(p2)
        #expect(o.events == [])
        #expect(w.thread(t2)?.state == .exited)
    }

    @Test func r39TheLowestLiveProcessBecomesCurrentAndWithNoneCallsAreInvalid() {
        var w = World()
        let (p2, t2) = w.spawnProcess()
        let (p3, t3) = w.spawnProcess()
        try? w.use(t3)
        #expect(w.current == t3)
        w.exit(p3)
        #expect(w.current == T1)
        w.exit(P1)
        #expect(w.current == t2)
        w.exit(p2)
        #expect(w.current == nil)
        #expect(throws: Refusal.self) { try w.perform(.socket(.stream, nonblocking: false)) }
        let (p4, t4) = w.spawnProcess()
        #expect(w.current == t4)
        #expect(w.process(p4)?.startupCount == 1)
        #expect(w.call(.socket(.stream, nonblocking: false)).result == returns(h1))
    }

    @Test func sessionCommandsSayWhatTheyMade() throws {
        var w = World()
        #expect(w.newProcess().created == .process(P2))
        #expect(try w.newThread(in: P1).created == .thread(T3))
        #expect(try w.newThread(in: nil).created?.description == "T4")
        #expect(w.call(.startup).created == nil)
    }
}
