import Testing
@testable import WinsockModel

/// docs/rules.md section B: the type of close of the last descriptor of a connected stream (R7–R10,
/// R14–R17; the lingering close, R11–R13, is in LingeringCloseTests, and R51 in UnreadDataCloseTests).
@Suite struct CloseTypeTests {
    /// R7's table, row by row, with 2000 bytes queued on a blocking socket the peer does not drain.
    @Test(arguments: [
        (Linger(onoff: 0, seconds: 0), "graceful"),
        (Linger(onoff: 0, seconds: 30), "graceful"),
        (Linger(onoff: 1, seconds: 0), "hard"),
        (Linger(onoff: 7, seconds: 0), "hard"),
        (Linger(onoff: 1, seconds: 5), "linger"),
    ])
    func r7LingerOptionDecidesTheTypeOfClose(linger: Linger, kind: String) {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(2000, on: h)
        w.setLinger(h, linger.onoff, linger.seconds)
        let o = w.call(.close(h))
        switch kind {
        case "graceful":
            #expect(o.result == ok)
            #expect(o.events == [.handleReturned(h1)])
            #expect(o.rules.contains(.r9))
            #expect(w.socket(s)?.isOrphan == true)
            #expect(w.socket(s)?.sendQueue == 2000)
        case "hard":
            #expect(o.result == ok)
            #expect(o.events == [.resetSent(s1), .discarded(s1, 2000), .stateChanged(s1, .closed), .handleReturned(h1),
                                 .socketReleased(s1)])
            #expect(o.rules.contains(.r10))
        default:
            #expect(o.result == .blocked)
            #expect(o.events == [.threadBlocked(T1, .closeSocket)])
            #expect(o.rules.contains(.r11))
            #expect(w.handle(h)?.isOpen == true)
        }
    }

    @Test func r8DefaultIsLingerOffWithZeroTimeout() {
        var w = World()
        let h = w.openSocket()
        #expect(w.socket(s1)?.linger == Linger(onoff: 0, seconds: 0))
        #expect(w.call(.getSockOpt(h, .linger)).result == .value(.linger(Linger(onoff: 0, seconds: 0))))
        #expect(w.call(.getSockOpt(h, .dontLinger)).result == .value(.bool(true)))
        #expect(Linger.default.description == "off")
        // Default close of a connected socket is graceful (R9), not hard.
        let (c, s) = w.connectedSocket()
        w.queue(100, on: c)
        let o = w.call(.close(c))
        #expect(o.result == ok)
        #expect(!o.events.contains(.resetSent(s)))
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r9GracefulCloseReturnsAtOnceAndTheOrphanDrains() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r9))
        #expect(w.socket(s)?.refcount == 0)
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.socket(s)?.state == .established)   // docs/language.md, "Timing": ESTABLISHED while it drains
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.hasUnreferencedSockets)

        let drained = w.advance(ms: 1)
        #expect(drained.events == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1),
                                   .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.peer?.received == 1000)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r9NonblockingCloseWithALargeBacklogNeverWouldBlock() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(65_536, on: h)
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).result == fails(.wouldBlock))
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.rules.contains(.r9))
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.sendQueue == 65_536)
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r9GiveUpResetsAnOrphanStillEstablishedCountedFromTheLastClose() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(700, on: h)
        w.advance(seconds: 10)
        #expect(w.call(.close(h)).result == ok)
        let before = w.advance(ms: 119_999)
        #expect(before.events == [])
        #expect(w.socket(s)?.isOrphan == true)
        let limit = w.advance(ms: 1)
        #expect(limit.events == [.resetSent(s1), .discarded(s1, 700), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(limit.rules.contains(.r9))
        #expect(limit.eventTimes.allSatisfy { $0.milliseconds == 130_000 })
        #expect(w.socket(s)?.isReleased == true)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test func r9GiveUpReleasesAFinWait2OrphanWithoutAReset() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.close(h)).result == ok)
        #expect(w.socket(s)?.state == .finWait2)
        #expect(w.advance(ms: 119_999).events == [])
        let limit = w.advance(ms: 1)
        #expect(limit.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(limit.rules.contains(.r9))
        #expect(w.socket(s)?.peer?.resetError == nil)
    }

    @Test func r9GiveUpResetsCloseWaitAndLastAck() {
        // CLOSE_WAIT orphan: the peer closed first, our data is stuck.
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(10, on: h)
        w.fromPeer(s, .close)
        #expect(w.socket(s)?.state == .closeWait)
        _ = w.call(.close(h))
        #expect(w.socket(s)?.state == .closeWait)
        let limit = w.advance(seconds: 120)
        #expect(limit.events == [.resetSent(s1), .discarded(s1, 10), .stateChanged(s1, .closed), .socketReleased(s1)])

        // LAST_ACK orphan: our FIN is never acknowledged before the limit (a long latency).
        var v = World()
        v.configure(.netLatency(.seconds(200)))
        let (g, t) = v.connectedSocket()
        v.fromPeer(t, .close)
        v.advance(seconds: 200)
        #expect(v.socket(t)?.state == .closeWait)
        _ = v.call(.close(g))
        #expect(v.socket(t)?.state == .lastAck)
        let stuck = v.advance(seconds: 120)
        #expect(stuck.events == [.resetSent(s1), .stateChanged(s1, .closed), .socketReleased(s1)])
    }

    @Test func r9GiveUpResetsFinWait1AndClosing() {
        // FIN_WAIT_1: our FIN is not acknowledged before the limit.
        var w = World()
        w.configure(.netLatency(.seconds(200)))
        let (h, _) = w.connectedSocket()
        #expect(w.call(.close(h)).events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1)])
        #expect(w.advance(ms: 119_999).events == [])
        let limit = w.advance(ms: 1)
        #expect(limit.events == [.resetSent(s1), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(limit.rules.contains(.r9))

        // CLOSING: the peer's FIN crossed ours; our ACK has not come back by the limit.
        var v = World()
        v.configure(.netLatency(.seconds(200)))
        v.configure(.gracefulTimeout(.seconds(300)))
        let (g, t) = v.connectedSocket()
        _ = v.call(.close(g))
        v.fromPeer(t, .close)
        #expect(v.advance(seconds: 200).events == [.peerFinReceived(s1), .stateChanged(s1, .closing)])
        let closing = v.advance(seconds: 100)
        #expect(closing.events == [.resetSent(s1), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(closing.rules.contains(.r9))
    }

    @Test func r9TimeWaitKeepsItsOwnTimer() {
        var w = World()
        w.configure(.timeWait(.seconds(300)))
        let (h, s) = w.connectedSocket()
        #expect(w.call(.close(h)).result == ok)
        let fin = w.fromPeer(s, .close)
        #expect(fin.events == [.peerFinReceived(s1), .stateChanged(s1, .timeWait)])
        #expect(w.advance(seconds: 299).events == [])   // graceful-timeout (120 s) passes by
        #expect(w.socket(s)?.state == .timeWait)
        let end = w.advance(seconds: 1)
        #expect(end.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
    }

    @Test func r10HardCloseResetsDiscardsAndHasNoTimeWait() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 3000), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
        #expect(o.rules.contains(.r10))
        #expect(w.socket(s)?.discarded == 3000)
        #expect(w.socket(s)?.sendQueue == 0)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        #expect(w.socket(s)?.peer?.nextReceiveError == "WSAECONNRESET")
        #expect(w.socket(s)?.peer?.received == 0)
        let later = w.advance(seconds: 600)
        #expect(!later.events.contains(.stateChanged(s1, .timeWait)))
        #expect(later.events == [])
    }

    @Test func r10HardCloseOnANonblockingSocketNeverWouldBlock() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 3000), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
        #expect(o.rules.contains(.r10))
    }

    @Test func r14GracefulCloseAfterShutdownSendSendsNoSecondFin() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let sd = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(sd.events == [.finSent(s1), .stateChanged(s1, .finWait1), .stateChanged(s1, .finWait2)])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r14))
        #expect(w.socket(s)?.state == .finWait2)
    }

    @Test func r14FinOwedByShutdownIsNotDoubledByTheClose() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).events == [])
        #expect(w.call(.close(h)).events == [.handleReturned(h1)])
        let drained = w.advance(ms: 5)
        #expect(drained.events.filter { $0 == .finSent(s1) }.count == 1)
    }

    @Test func r15ClosingANeverConnectedStreamReleasesAtOnce() {
        var w = World()
        let h = w.openSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(o.rules.contains(.r15))
        #expect(w.socket(s1)?.isReleased == true)
    }

    @Test func r15ClosingADatagramSocketReleasesAtOnce() {
        var w = World()
        let h = w.openSocket(.dgram)
        #expect(w.call(.connect(h)).result == ok)
        #expect(w.call(.send(h, bytes: 100, overlapped: false)).result == count(100))
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(o.rules.contains(.r15))
    }

    @Test func r15ClosingAResetSocketReleasesAtOnce() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let rst = w.fromPeer(s, .reset)
        #expect(rst.events == [.peerResetReceived(s1), .stateChanged(s1, .closed)])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.handleReturned(h1), .socketReleased(s1)])
        #expect(o.rules.contains(.r15))
        #expect(w.thread(T1)?.state == .running)
    }

    @Test func r16LingerTimeoutIsAnUnsigned16BitCountOfSeconds() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(10, on: h)
        w.setLinger(h, 1, 65_535)
        #expect(w.call(.getSockOpt(h, .linger)).result == .value(.linger(Linger(onoff: 1, seconds: 65_535))))
        #expect(w.socket(s)?.linger.description == "on 65535s")
        #expect(w.call(.close(h)).result == .blocked)
        #expect(!w.advance(seconds: 65_534).events.contains(.lingerTimedOut(s1)))
        let o = w.advance(seconds: 1)
        #expect(o.events.first == .lingerTimedOut(s1))
        #expect(o.eventTimes.first?.milliseconds == 65_535_000)
    }

    @Test func r17TheClosingSideGetsNoCloseNotification() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(100, on: h)
        let o = w.call(.close(h))
        #expect(o.rules.contains(.r17))
        let after = w.advance(seconds: 1)
        // No event of any kind is addressed to the closing application's descriptor (and `Event` has
        // no FD_CLOSE at all).
        #expect(!(o.events + after.events).contains { $0.isWake || $0.isCompletion })
    }
}
