import Testing
@testable import WinsockModel

/// docs/rules.md section J: the semantic profiles. Each difference of `windows` and `reactos` from
/// `docs` has one test, which also runs the same steps under `docs` for contrast.
@Suite struct ProfileTests {
    @Test func docsIsTheDefaultProfile() {
        #expect(World().settings.profile == .docs)
        #expect(Settings().profile == .docs)
    }

    // MARK: windows

    @Test func windowsNonLastCloseLeavesOperationsIssuedThroughItPending() {
        func run(_ profile: Profile) -> (Outcome, Outcome, World) {
            var w = World.with(profile)
            let (a, _) = w.connectedSocket()
            let (_, t2) = w.spawnProcess()
            let b = w.share(a, with: t2)
            #expect(w.call(.recv(a, bytes: 10, overlapped: true)).result == .pending(op1))
            let first = w.call(.close(a))
            let last = w.call(.close(b), by: t2)
            return (first, last, w)
        }
        let (first, last, w) = run(.windows)
        #expect(first.events == [.handleReturned(h1)])
        #expect(first.rules.contains(.r18))
        #expect(w.operation(op1)?.status == .failed(.connectionAbortedWindows))
        #expect(last.events.first == .operationAborted(op1, .connectionAbortedWindows))
        #expect(w.operation(op1)?.isNotified == true)

        let (docsFirst, docsLast, _) = run(.docs)
        #expect(docsFirst.events == [.operationAborted(op1, .operationAborted), .handleReturned(h1)])
        #expect(!docsLast.events.contains { $0.isAbort })
    }

    @Test func windowsLastCloseAbortsAReceiveWithConnectionAbortedAndOthersWithOperationAborted() {
        func run(_ profile: Profile) -> Outcome {
            var w = World.with(profile)
            w.configure(.sendBuffer(1000))
            let (h, s) = w.connectedSocket()
            w.stall(s)
            w.queue(1000, on: h)
            #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
            #expect(w.call(.send(h, bytes: 300, overlapped: true)).result == .pending(op2))
            return w.call(.close(h))
        }
        let windows = run(.windows)
        #expect(windows.result == ok)
        #expect(Array(windows.events.prefix(2)) == [.operationAborted(op1, .connectionAbortedWindows),
                                                    .operationAborted(op2, .operationAborted)])
        #expect(windows.rules.contains(.r18))
        let docs = run(.docs)
        #expect(Array(docs.events.prefix(2)) == [.operationAborted(op1, .operationAborted),
                                                 .operationAborted(op2, .operationAborted)])
        // Not a connected stream: a receive is aborted with WSA_OPERATION_ABORTED under windows too.
        var w = World.with(.windows)
        let d = w.openSocket(.dgram)
        #expect(w.call(.recv(d, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.close(d)).events.first == .operationAborted(op1, .operationAborted))
    }

    @Test func windowsPeerDataToAnEndpointWithNoDescriptorReportsConnAborted() {
        func run(_ profile: Profile) -> (Outcome, World) {
            var w = World.with(profile)
            let (h, s) = w.connectedSocket()
            w.stall(s)
            w.queue(100, on: h)
            _ = w.call(.close(h))
            w.fromPeer(s, .send(10))
            return (w.advance(ms: 1), w)
        }
        let (o, w) = run(.windows)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 100), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.rules.contains(.r43a))
        #expect(w.socket(s1)?.peer?.resetError == .connectionAborted)
        #expect(w.socket(s1)?.peer?.nextReceiveError == "WSAECONNABORTED")
        let (_, docs) = run(.docs)
        #expect(docs.socket(s1)?.peer?.resetError == .connectionReset)
    }

    @Test func windowsSettingLingerOptionsOnADatagramSocketSucceedsAndChangesNothing() {
        var w = World.with(.windows)
        let h = w.openSocket(.dgram)
        let set = w.call(.setLinger(h, onoff: 1, seconds: 0))
        #expect(set.result == ok)
        #expect(set.rules.contains(.r29))
        #expect(w.call(.setDontLinger(h, false)).result == ok)
        #expect(w.socket(s1)?.linger == .default)
        #expect(w.call(.getSockOpt(h, .linger)).result == fails(.noProtocolOption))
        #expect(w.call(.getSockOpt(h, .dontLinger)).result == fails(.noProtocolOption))
        var docs = World()
        let d = docs.openSocket(.dgram)
        #expect(docs.call(.setLinger(d, onoff: 1, seconds: 0)).result == fails(.noProtocolOption))
    }

    // MARK: reactos

    @Test func reactosWouldBlockLosesTheReferenceAndTheRetriedCloseLeaksTheSocket() {
        var w = World.with(.reactos)
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == fails(.wouldBlock))
        #expect(o.rules.contains(.r12))
        #expect(w.socket(s)?.refcount == 0)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.advance(ms: 3).events == [.transmitted(s1, 3000)])
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.events == [.handleReturned(h1)])
        #expect(retry.rules.contains(.r12))
        #expect(w.socket(s)?.lifecycle == .leaked(by: P1))
        #expect(w.hasUnreferencedSockets)
        let forever = w.advance(seconds: 1000)
        #expect(forever.events == [])
        #expect(w.socket(s)?.isReleased == false)
        #expect(w.socket(s)?.connection?.fin == .notOwed)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)

        // docs: the retry sends FIN and nothing leaks.
        var docs = World()
        let (d, t) = docs.connectedSocket(nonblocking: true)
        docs.queue(3000, on: d)
        docs.setLinger(d, 1, 5)
        _ = docs.call(.close(d))
        #expect(docs.socket(t)?.refcount == 1)
        docs.advance(ms: 3)
        #expect(docs.call(.close(d)).events.contains(.finSent(s1)))
    }

    @Test func reactosZeroLingerCloseAfterShutdownReceiveIsGraceful() {
        func run(_ profile: Profile) -> Outcome {
            var w = World.with(profile)
            let (h, _) = w.connectedSocket()
            w.setLinger(h, 1, 0)
            #expect(w.call(.shutdown(h, how: ShutdownHow.receive)).result == ok)
            return w.call(.close(h))
        }
        let reactos = run(.reactos)
        #expect(reactos.result == ok)
        #expect(reactos.events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1),
                                   .stateChanged(s1, .finWait2)])
        #expect(reactos.rules.contains(.r10))
        let docs = run(.docs)
        #expect(docs.events == [.resetSent(s1), .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
    }

    @Test func reactosCleanupOnlyCountsButProcessExitStillResets() {
        var w = World.with(.reactos)
        let (p2, t2) = w.spawnProcess()
        let (h, s) = w.connectedSocket(by: t2)
        let t3 = w.spawnThread(in: p2)
        #expect(w.call(.recv(h, bytes: 10, overlapped: true), by: t2).result == .pending(op1))
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t3).result == .blocked)
        #expect(w.call(.startup, by: t2).result == ok)
        #expect(w.call(.cleanup, by: t2).result == ok)
        let o = w.call(.cleanup, by: t2)
        #expect(o.result == ok)
        #expect(o.events == [])
        #expect(o.rules.contains(.r35))
        #expect(w.process(p2)?.startupCount == 0)
        #expect(w.operation(op1)?.status == .pending)
        #expect(w.thread(t3)?.isBlocked == true)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.state == .established)
        // WSPStartup still counts: the process is not initialised any more.
        #expect(w.call(.socket(.stream, nonblocking: false), by: t2).result == fails(.notInitialised))

        let exit = w.exit(p2)
        #expect(exit.events == [.operationAborted(op1, .operationAborted), .threadWoke(t3, .recv, fails(.interrupted)),
                                .resetSent(s1), .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(exit.rules.contains(.r39))
    }

    @Test func reactosSettingSoLingerOnADatagramSocketSucceeds() {
        var w = World.with(.reactos)
        let h = w.openSocket(.dgram)
        let set = w.call(.setLinger(h, onoff: 1, seconds: 3))
        #expect(set.result == ok)
        #expect(set.rules.contains(.r29))
        #expect(w.call(.getSockOpt(h, .linger)).result == fails(.noProtocolOption))
        var docs = World()
        let d = docs.openSocket(.dgram)
        #expect(docs.call(.setLinger(d, onoff: 1, seconds: 3)).result == fails(.noProtocolOption))
    }
}

/// Section J as amended.
extension ProfileTests {
    @Test(arguments: [true, false])
    func windowsLastDescriptorGoingAwayInACleanupCompletesOtherProcessesOperations(byExit: Bool) {
        var w = World.with(.windows)
        let (_, t2) = w.spawnProcess()
        let (h, s) = w.connectedSocket()
        let theirs = w.share(h, with: t2)
        #expect(w.call(.recv(theirs, bytes: 100, overlapped: true), by: t2).result == .pending(op1))
        w.call(.close(theirs), by: t2)
        #expect(w.operation(op1)?.isPending == true)
        let o = byExit ? w.exit(P1) : w.call(.cleanup)
        #expect(o.events.first == .operationAborted(op1, .connectionAbortedWindows))
        #expect(o.events.contains(.resetSent(s)))
        #expect(w.operation(op1)?.isNotified == true)
    }

    /// A reactos leak: WSAEWOULDBLOCK loses the count, the retried close leaks the socket.
    func leakedSocket(in w: inout World, by t: ThreadID? = nil) -> (HandleID, SocketID) {
        let (h, s) = w.connectedSocket(nonblocking: true, by: t)
        w.stall(s)
        w.queue(1000, on: h, by: t)
        w.setLinger(h, 1, 5, by: t)
        #expect(w.call(.close(h), by: t).result == fails(.wouldBlock))
        #expect(w.call(.close(h), by: t).result == ok)
        #expect(w.socket(s)?.isUnreferencedButAlive == true)
        return (h, s)
    }

    @Test func reactosPeerDataToALeakedSocketDrawsRST() {
        var w = World.with(.reactos)
        let (_, s) = leakedSocket(in: &w)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 1000), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.rules.contains(.r43a))
        #expect(w.socket(s)?.isReleased == true)
        #expect(!w.hasUnreferencedSockets)
    }

    @Test func reactosTheLeakingProcessExitResetsTheSocket() {
        var w = World.with(.reactos)
        let (p2, t2) = w.spawnProcess()
        let (_, s) = leakedSocket(in: &w, by: t2)
        let o = w.exit(p2)
        #expect(o.events == [.resetSent(s), .discarded(s, 1000), .stateChanged(s, .closed), .socketReleased(s)])
        #expect(o.rules.contains(.r39))
        #expect(w.socket(s)?.isReleased == true)
    }
}
