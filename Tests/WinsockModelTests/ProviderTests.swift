import Testing
@testable import WinsockModel

/// docs/rules.md section I: handles with IFS and non-IFS providers (R40, with R6).
@Suite struct ProviderTests {
    @Test func r40NonIFSReturnsADescriptorExactlyWhenItIsReleased() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)

        // A non-last close releases h1: one up-call.
        let nonLast = w.call(.close(a))
        #expect(nonLast.events == [.handleReturned(h1)])
        #expect(nonLast.rules.contains(.r40))

        // A close that fails releases nothing: no up-call.
        w.stall(s)
        w.queue(100, on: b, by: t2)
        w.setLinger(b, 1, 5, by: t2)
        #expect(w.call(.setNonblocking(b, true), by: t2).result == ok)
        let wouldBlock = w.call(.close(b), by: t2)
        #expect(wouldBlock.result == fails(.wouldBlock))
        #expect(wouldBlock.events == [])
        #expect(w.call(.setNonblocking(b, false), by: t2).result == ok)
        #expect(w.call(.close(b), by: t2).result == .blocked)
        let inProgress = w.call(.close(b), by: t2)
        #expect(inProgress.result == fails(.inProgress))
        #expect(inProgress.events == [])
        let interrupted = w.call(.cancelBlockingCall, by: t2)
        #expect(interrupted.events == [.threadWoke(t2, .closeSocket, fails(.interrupted))])
        #expect(w.handle(b)?.isOpen == true)

        // Process exit releases it: one up-call.
        let exit = w.exit(p2)
        #expect(exit.events.filter(\.isHandleReturned) == [.handleReturned(h2)])
    }

    @Test func r40NonIFSReturnsADescriptorOnANetDownCloseAndAtCleanup() {
        var w = World()
        let (a, _) = w.connectedSocket()
        let b = w.openSocket()
        w.configure(.network(up: false))
        let down = w.call(.close(a))
        #expect(down.result == fails(.networkDown))
        #expect(down.events.contains(.handleReturned(h1)))
        #expect(down.rules.contains(.r40))
        w.configure(.network(up: true))
        let cleanup = w.call(.cleanup)
        #expect(cleanup.events.filter(\.isUpCall) == [.handleReturned(h2)])
        #expect(w.handle(b)?.isOpen == false)
    }

    @Test func r40NonIFSMakesOneCreateAndOneCloseUpCallPerDescriptor() {
        var w = World()
        var all: [Event] = []
        let (a, _) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        _ = w.call(.duplicate(a, p2))
        all += w.call(.socketFromProtocolInfo(pi1), by: t2).events
        let c = w.openSocket(.dgram)
        all += w.call(.close(a)).events
        all += w.call(.close(c)).events
        all += w.call(.close(c)).events   // fails: no up-call
        all += w.exit(p2).events
        let creates = all.filter(\.isHandleCreated)
        let closes = all.filter(\.isHandleReturned)
        #expect(creates == [.handleCreated(h2)])
        #expect(Set(closes) == [.handleReturned(h1), .handleReturned(h2), .handleReturned(h3)])
        #expect(closes.count == 3)
    }

    @Test func r40IFSProviderMakesNoCloseUpCall() {
        var w = World()
        w.configure(.provider(.ifs))
        var all: [Event] = []
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        let c = w.openSocket()
        w.queue(10, on: a)
        let nonLast = w.call(.close(a))
        #expect(nonLast.result == ok)
        #expect(nonLast.events == [])
        all += w.call(.close(b), by: t2).events
        all += w.call(.close(c)).events
        all += w.advance(seconds: 300).events
        #expect(!all.contains { $0.isHandleReturned })
        #expect(all.contains(.socketReleased(s2)))
        #expect(w.socket(s)?.isReleased == true)
        #expect(w.handle(b)?.isOpen == false)
    }
}
