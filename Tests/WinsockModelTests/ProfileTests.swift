import Testing
@testable import WinsockModel

/// RULES.md section J: the semantic profiles. Each difference of `windows` and `reactos` from
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
        #expect(first.lines == ["WPUCloseSocketHandle h1"])
        #expect(first.rules.contains(.r18))
        #expect(w.operation(op1)?.status == .failed(.connectionAbortedWindows))
        #expect(last.lines.first == "ABORT op1 ERROR_CONNECTION_ABORTED")
        #expect(w.operation(op1)?.isNotified == true)

        let (docsFirst, docsLast, _) = run(.docs)
        #expect(docsFirst.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WPUCloseSocketHandle h1"])
        #expect(!docsLast.lines.contains { $0.hasPrefix("ABORT") })
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
        #expect(Array(windows.lines.prefix(2)) == ["ABORT op1 ERROR_CONNECTION_ABORTED", "ABORT op2 WSA_OPERATION_ABORTED"])
        #expect(windows.rules.contains(.r18))
        let docs = run(.docs)
        #expect(Array(docs.lines.prefix(2)) == ["ABORT op1 WSA_OPERATION_ABORTED", "ABORT op2 WSA_OPERATION_ABORTED"])
        // Not a connected stream: a receive is aborted with WSA_OPERATION_ABORTED under windows too.
        var w = World.with(.windows)
        let d = w.openSocket(.dgram)
        #expect(w.call(.recv(d, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.close(d)).lines.first == "ABORT op1 WSA_OPERATION_ABORTED")
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
        #expect(o.lines == ["RST s1", "DISCARD s1 100", "STATE s1 CLOSED", "RELEASE s1"])
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
        #expect(w.advance(ms: 3).lines == ["TX s1 3000"])
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.lines == ["WPUCloseSocketHandle h1"])
        #expect(retry.rules.contains(.r12))
        #expect(w.socket(s)?.lifecycle == .leaked)
        #expect(w.hasUnreferencedSockets)
        let forever = w.advance(seconds: 1000)
        #expect(forever.lines == [])
        #expect(w.socket(s)?.isReleased == false)
        #expect(w.socket(s)?.isFinSent == false)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)

        // docs: the retry sends FIN and nothing leaks.
        var docs = World()
        let (d, t) = docs.connectedSocket(nonblocking: true)
        docs.queue(3000, on: d)
        docs.setLinger(d, 1, 5)
        _ = docs.call(.close(d))
        #expect(docs.socket(t)?.refcount == 1)
        docs.advance(ms: 3)
        #expect(docs.call(.close(d)).lines.contains("FIN s1"))
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
        #expect(reactos.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
        #expect(reactos.rules.contains(.r10))
        let docs = run(.docs)
        #expect(docs.lines == ["RST s1", "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
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
        #expect(o.lines == [])
        #expect(o.rules.contains(.r35))
        #expect(w.process(p2)?.startupCount == 0)
        #expect(w.operation(op1)?.status == .pending)
        #expect(w.thread(t3)?.isBlocked == true)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.state == .established)
        // WSPStartup still counts: the process is not initialised any more.
        #expect(w.call(.socket(.stream, nonblocking: false), by: t2).result == fails(.notInitialised))

        let exit = w.exit(p2)
        #expect(exit.lines == ["ABORT op1 WSA_OPERATION_ABORTED", "WAKE \(t3) WSPRecv = WSAEINTR", "RST s1",
                               "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
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
