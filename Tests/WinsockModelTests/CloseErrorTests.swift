import Testing
@testable import WinsockModel

/// docs/rules.md section D: errors of WSPCloseSocket, and handle reuse (R22, R23).
@Suite struct CloseErrorTests {
    @Test func r22CloseWithTheNetworkDownClosesGracefullyAndReportsNetDown() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        w.setLinger(h, 1, 5)   // would linger with the network up
        w.configure(.network(up: false))
        let o = w.call(.close(h))
        #expect(o.result == fails(.networkDown))
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r22))
        #expect(o.releasedHandles == [h])
        #expect(w.thread(T1)?.state == .running)
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.isOrphan == true)
        // Nothing is transmitted while the network is down.
        #expect(w.advance(seconds: 5).events == [])
        #expect(w.socket(s)?.sendQueue == 1000)
        // What is due goes out when it comes back up.
        w.configure(.network(up: true))
        let up = w.advance(ms: 1)
        #expect(up.events.prefix(3) == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1)])
        #expect(w.socket(s)?.peer?.received == 1000)
    }

    @Test func r22NonblockingLingeringCloseWithTheNetworkDownNeverWouldBlock() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.queue(1000, on: h)
        w.setLinger(h, 1, 5)
        w.configure(.network(up: false))
        let o = w.call(.close(h))
        #expect(o.result == fails(.networkDown))
        #expect(o.rules.contains(.r22))
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r22ZeroLingerCloseWithTheNetworkDownIsHard() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        w.setLinger(h, 1, 0)
        w.configure(.network(up: false))
        let o = w.call(.close(h))
        #expect(o.result == fails(.networkDown))
        #expect(o.events == [.resetSent(s1), .discarded(s1, 1000), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
        #expect(o.rules.contains(.r22))
        // The RST arrives only once the network is up again (R50).
        #expect(w.socket(s)?.peer?.resetError == nil)
        w.configure(.network(up: true))
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test func r22OtherCallsAreUnaffectedByTheNetworkBeingDown() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.configure(.network(up: false))
        #expect(w.call(.send(h, bytes: 500, overlapped: false)).result == count(500))
        #expect(w.call(.setLinger(h, onoff: 1, seconds: 3)).result == ok)
        #expect(w.call(.getSockOpt(h, .dontLinger)).result == .value(.bool(false)))
        #expect(w.call(.shutdown(h, how: ShutdownHow.receive)).result == ok)
        let other = w.openSocket()
        // A close that is not of a connected stream still reports the network.
        #expect(w.call(.close(other)).result == fails(.networkDown))
        #expect(w.socket(s)?.sendQueue == 500)
    }

    @Test func r22CloseErrorsAreOnlyTheListedOnes() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(10, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h99)).result == fails(.notSocket))
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        #expect(w.call(.cleanup).result == ok)
        let notInit = w.call(.close(h))
        #expect(notInit.result == fails(.notInitialised))
        #expect(notInit.rules.contains(.r35))
    }

    @Test func r23NamesAreNeverReusedByDefault() {
        var w = World()
        let a = w.openSocket()
        _ = w.call(.close(a))
        let o = w.call(.socket(.stream, nonblocking: false))
        #expect(o.result == returns(h2))
        #expect(!o.rules.contains(.r23))
        #expect(w.call(.send(a, bytes: 1, overlapped: false)).result == fails(.notSocket))
    }

    @Test func r23ReuseHandsOutTheLowestFreeValueAndAStaleNameReachesTheNewSocket() {
        var w = World()
        w.configure(.reuse(true))
        let a = w.openSocket()        // h1
        let b = w.openSocket()        // h2
        _ = w.call(.close(b))
        _ = w.call(.close(a))
        let o = w.call(.socket(.stream, nonblocking: false))
        #expect(o.result == returns(h1))
        #expect(o.events == [.handleCreated(h1)])
        #expect(o.rules.contains(.r23))
        #expect(w.handle(h1)?.socket == s3)
        // The stale h1 now silently reaches s3: no WSAENOTSOCK.
        #expect(w.call(.connect(a)).result == ok)
        #expect(w.socket(s3)?.state == .established)
        #expect(w.call(.socket(.stream, nonblocking: false)).result == returns(h2))
    }
}
