import Testing
@testable import WinsockModel

/// RULES.md section B: the type of close of the last descriptor of a connected stream (R7–R17).
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
            #expect(o.lines == ["WPUCloseSocketHandle h1"])
            #expect(o.rules.contains(.r9))
            #expect(w.socket(s)?.isOrphan == true)
            #expect(w.socket(s)?.sendQueue == 2000)
        case "hard":
            #expect(o.result == ok)
            #expect(o.lines == ["RST s1", "DISCARD s1 2000", "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
            #expect(o.rules.contains(.r10))
        default:
            #expect(o.result == .blocked)
            #expect(o.lines == ["BLOCK T1 WSPCloseSocket"])
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
        #expect(!o.lines.contains("RST \(s)"))
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r9GracefulCloseReturnsAtOnceAndTheOrphanDrains() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["WPUCloseSocketHandle h1"])
        #expect(o.rules.contains(.r9))
        #expect(w.socket(s)?.refcount == 0)
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.socket(s)?.state == .established)   // SPEC: the orphan stays ESTABLISHED while it drains
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.hasUnreferencedSockets)

        let drained = w.advance(ms: 1)
        #expect(drained.lines == ["TX s1 1000", "FIN s1", "STATE s1 FIN_WAIT_1", "STATE s1 FIN_WAIT_2"])
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
        #expect(before.lines == [])
        #expect(w.socket(s)?.isOrphan == true)
        let limit = w.advance(ms: 1)
        #expect(limit.lines == ["RST s1", "DISCARD s1 700", "STATE s1 CLOSED", "RELEASE s1"])
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
        #expect(w.advance(ms: 119_999).lines == [])
        let limit = w.advance(ms: 1)
        #expect(limit.lines == ["STATE s1 CLOSED", "RELEASE s1"])
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
        #expect(limit.lines == ["RST s1", "DISCARD s1 10", "STATE s1 CLOSED", "RELEASE s1"])

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
        #expect(stuck.lines == ["RST s1", "STATE s1 CLOSED", "RELEASE s1"])
    }

    @Test func r9GiveUpResetsFinWait1AndClosing() {
        // FIN_WAIT_1: our FIN is not acknowledged before the limit.
        var w = World()
        w.configure(.netLatency(.seconds(200)))
        let (h, _) = w.connectedSocket()
        #expect(w.call(.close(h)).lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1"])
        #expect(w.advance(ms: 119_999).lines == [])
        let limit = w.advance(ms: 1)
        #expect(limit.lines == ["RST s1", "STATE s1 CLOSED", "RELEASE s1"])
        #expect(limit.rules.contains(.r9))

        // CLOSING: the peer's FIN crossed ours; our ACK has not come back by the limit.
        var v = World()
        v.configure(.netLatency(.seconds(200)))
        v.configure(.gracefulTimeout(.seconds(300)))
        let (g, t) = v.connectedSocket()
        _ = v.call(.close(g))
        v.fromPeer(t, .close)
        #expect(v.advance(seconds: 200).lines == ["PEER-FIN s1", "STATE s1 CLOSING"])
        let closing = v.advance(seconds: 100)
        #expect(closing.lines == ["RST s1", "STATE s1 CLOSED", "RELEASE s1"])
        #expect(closing.rules.contains(.r9))
    }

    @Test func r9TimeWaitKeepsItsOwnTimer() {
        var w = World()
        w.configure(.timeWait(.seconds(300)))
        let (h, s) = w.connectedSocket()
        #expect(w.call(.close(h)).result == ok)
        let fin = w.fromPeer(s, .close)
        #expect(fin.lines == ["PEER-FIN s1", "STATE s1 TIME_WAIT"])
        #expect(w.advance(seconds: 299).lines == [])   // graceful-timeout (120 s) passes by
        #expect(w.socket(s)?.state == .timeWait)
        let end = w.advance(seconds: 1)
        #expect(end.lines == ["STATE s1 CLOSED", "RELEASE s1"])
    }

    @Test func r10HardCloseResetsDiscardsAndHasNoTimeWait() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["RST s1", "DISCARD s1 3000", "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r10))
        #expect(w.socket(s)?.discarded == 3000)
        #expect(w.socket(s)?.sendQueue == 0)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        #expect(w.socket(s)?.peer?.nextReceiveError == "WSAECONNRESET")
        #expect(w.socket(s)?.peer?.received == 0)
        let later = w.advance(seconds: 600)
        #expect(!later.lines.contains("STATE s1 TIME_WAIT"))
        #expect(later.lines == [])
    }

    @Test func r10HardCloseOnANonblockingSocketNeverWouldBlock() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["RST s1", "DISCARD s1 3000", "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r10))
    }

    @Test func r11LingeringCloseBlocksUntilTheQueueDrains() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == .blocked)
        #expect(o.lines == ["BLOCK T1 WSPCloseSocket"])
        #expect(o.rules.contains(.r11))
        #expect(w.thread(T1)?.isBlocked == true)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.refcount == 1)

        let done = w.advance(ms: 3)
        #expect(done.lines == ["TX s1 3000", "FIN s1", "STATE s1 FIN_WAIT_1", "WAKE T1 WSPCloseSocket = 0",
                               "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
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
        #expect(w.advance(ms: 1999).lines == [])
        let o = w.advance(ms: 1)
        #expect(o.lines == ["LINGER-TIMEOUT s1", "RST s1", "DISCARD s1 3000", "STATE s1 CLOSED",
                            "WAKE T1 WSPCloseSocket = 0", "WPUCloseSocketHandle h1", "RELEASE s1"])
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
        #expect(o.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
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
        #expect(o.lines == [])
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
        #expect(more.lines.contains("COMPLETE op1 50"))
    }

    @Test func r12RetryAfterTheQueueDrainsSucceedsWithFin() {
        var w = World()
        let (h, _) = w.connectedSocket(nonblocking: true)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        #expect(w.advance(ms: 3).lines == ["TX s1 3000"])
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
        #expect(retry.rules.contains(.r12))
    }

    @Test func r12RetryAfterDontLingerTrueIsGraceful() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        #expect(w.call(.setDontLinger(h, true)).result == ok)
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.lines == ["WPUCloseSocketHandle h1"])
        #expect(retry.rules.contains(.r9))
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.socket(s)?.sendQueue == 3000)
    }

    @Test func r12RetryAfterZeroLingerIsHard() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.stall(s)
        w.queue(3000, on: h)
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == fails(.wouldBlock))
        w.setLinger(h, 1, 0)
        let retry = w.call(.close(h))
        #expect(retry.result == ok)
        #expect(retry.lines == ["RST s1", "DISCARD s1 3000", "STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(retry.rules.contains(.r10))
        #expect(w.socket(s)?.isReleased == true)
    }

    @Test func r12NonblockingLingerWithNothingQueuedSucceedsAtOnce() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines.prefix(3) == ["FIN s1", "STATE s1 FIN_WAIT_1", "WPUCloseSocketHandle h1"])
        #expect(o.rules.contains(.r12))
        #expect(w.socket(s)?.isFinSent == true)
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

    @Test func r14GracefulCloseAfterShutdownSendSendsNoSecondFin() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let sd = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(sd.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "STATE s1 FIN_WAIT_2"])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["WPUCloseSocketHandle h1"])
        #expect(o.rules.contains(.r14))
        #expect(w.socket(s)?.state == .finWait2)
    }

    @Test func r14FinOwedByShutdownIsNotDoubledByTheClose() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).lines == [])
        #expect(w.call(.close(h)).lines == ["WPUCloseSocketHandle h1"])
        let drained = w.advance(ms: 5)
        #expect(drained.lines.filter { $0 == "FIN s1" }.count == 1)
    }

    @Test func r15ClosingANeverConnectedStreamReleasesAtOnce() {
        var w = World()
        let h = w.openSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
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
        #expect(o.lines == ["STATE s1 CLOSED", "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(o.rules.contains(.r15))
    }

    @Test func r15ClosingAResetSocketReleasesAtOnce() {
        var w = World()
        let (h, s) = w.connectedSocket(nonblocking: true)
        w.setLinger(h, 1, 5)
        let rst = w.fromPeer(s, .reset)
        #expect(rst.lines == ["PEER-RST s1", "STATE s1 CLOSED"])
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.lines == ["WPUCloseSocketHandle h1", "RELEASE s1"])
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
        #expect(!w.advance(seconds: 65_534).lines.contains("LINGER-TIMEOUT s1"))
        let o = w.advance(seconds: 1)
        #expect(o.lines.first == "LINGER-TIMEOUT s1")
        #expect(o.eventTimes.first?.milliseconds == 65_535_000)
    }

    @Test func r17TheClosingSideGetsNoCloseNotification() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(100, on: h)
        let o = w.call(.close(h))
        #expect(o.rules.contains(.r17))
        let after = w.advance(seconds: 1)
        // No event of any kind is addressed to the closing application's descriptor.
        #expect(!(o.lines + after.lines).contains { $0.contains("FD_CLOSE") || $0.hasPrefix("WAKE") || $0.hasPrefix("COMPLETE") })
    }
}
