import Testing
@testable import WinsockModel

/// docs/language.md, "The model", "Timing": TX stretches, FIN/ACK latency, arrivals deferred while the
/// network is down, and the order of events at one instant.
@Suite struct ClockTests {
    // MARK: TX stretches

    @Test func bytesLeaveOnlyDuringAdvanceAtNetRate() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let send = w.call(.send(h, bytes: 5000, overlapped: false))
        #expect(send.events == [])
        #expect(w.socket(s)?.peer?.received == 0)
        let part = w.advance(ms: 2)
        // A stretch also ends at the end of the command.
        #expect(part.events == [.transmitted(s1, 2000)])
        #expect(w.socket(s)?.sendQueue == 3000)
        #expect(w.now.milliseconds == 2)
        let rest = w.advance(ms: 10)
        // It ends when the queue empties, where it is printed.
        #expect(rest.events == [.transmitted(s1, 3000)])
        #expect(rest.eventTimes.map(\.milliseconds) == [5])
        #expect(w.now.milliseconds == 12)
    }

    @Test func netRateSetsTheSpeed() {
        var w = World()
        w.configure(.netRate(250_000))
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        let o = w.advance(ms: 10)
        #expect(o.events == [.transmitted(s1, 1000)])
        #expect(o.eventTimes.map(\.milliseconds) == [4])
    }

    @Test func eventsOnOtherSocketsDoNotEndAStretch() {
        var w = World()
        let (a, _) = w.connectedSocket()
        let (b, _) = w.connectedSocket()
        w.queue(5000, on: a)
        w.queue(1000, on: b)
        let o = w.advance(ms: 10)
        #expect(o.events == [.transmitted(s2, 1000), .transmitted(s1, 5000)])
        #expect(o.eventTimes.map(\.milliseconds) == [1, 5])
    }

    @Test func aStretchEndsWhenThePeerWindowFills() {
        var w = World()
        w.configure(.window(1500))
        let (h, s) = w.connectedSocket()
        w.queue(4000, on: h)
        let fill = w.advance(ms: 3)
        #expect(fill.events == [.transmitted(s1, 1500)])
        #expect(fill.eventTimes.map(\.nanoseconds) == [1_500_000])
        w.fromPeer(s, .read(nil))
        let more = w.advance(ms: 3)
        #expect(more.events == [.transmitted(s1, 1500)])
        #expect(more.eventTimes.map(\.nanoseconds) == [4_500_000])
    }

    /// docs/language.md, "Timing": at one instant, transmitted bytes are reported first; a reset
    /// ends the stretch.
    @Test func aStretchEndsWhenTheSocketIsResetAndIsReportedFirst() {
        var w = World()
        w.configure(.netLatency(.milliseconds(1)))
        let (h, s) = w.connectedSocket()
        w.queue(5000, on: h)
        #expect(w.advance(ms: 1).events == [.transmitted(s1, 1000)])
        w.fromPeer(s, .reset)
        let reset = w.advance(ms: 5)
        #expect(Set(reset.events) == [.discarded(s1, 3000), .peerResetReceived(s1), .stateChanged(s1, .closed),
                                      .transmitted(s1, 1000)])
        // docs/language.md, "Timing": "At one instant, things happen in this order: transmitted bytes
        // are reported (a TX stretch ends when … it is reset) …; the due arrivals and timers fire".
        // The peer's RST, like ours, reports the stretch before its own PEER-RST.
        #expect(reset.events == [.transmitted(s1, 1000), .peerResetReceived(s1), .discarded(s1, 3000),
                                 .stateChanged(s1, .closed)])
        #expect(reset.eventTimes.map(\.milliseconds) == [2, 2, 2, 2])
        #expect(w.socket(s)?.peer?.received == 2000)
    }

    /// Our own RST in the middle of a stretch: the stretch ends first.
    @Test func aStretchEndsWhenWeResetAndIsReportedBeforeTheReset() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(5000, on: h)
        w.setLinger(h, 1, 3)
        #expect(w.call(.close(h)).result == .blocked)
        w.fromPeer(s, .window(2000))   // 2000 bytes can go, then the window is full
        _ = w.advance(seconds: 2)
        w.fromPeer(s, .read(nil))
        w.fromPeer(s, .window(1_000_000))
        w.configure(.netRate(1))          // one byte a second: the stretch is open at the timeout
        let o = w.advance(seconds: 1)
        #expect(Array(o.events.suffix(6)) == [.resetSent(s1), .discarded(s1, 2999), .stateChanged(s1, .closed),
                                              .handleReturned(h1), .socketReleased(s1),
                                              .threadWoke(T1, .closeSocket, ok)])
        #expect(Set(o.events.prefix(2)) == [.transmitted(s1, 1), .lingerTimedOut(s1)])
        // docs/language.md, "Timing": transmitted bytes are reported first at an instant, so the TX
        // stretch comes before R11's sequence for the timeout (`LINGER-TIMEOUT`, `RST`, `DISCARD`).
        #expect(o.events == [.transmitted(s1, 1), .lingerTimedOut(s1), .resetSent(s1), .discarded(s1, 2999),
                             .stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1),
                             .threadWoke(T1, .closeSocket, ok)])
    }

    // MARK: FIN, RST and ACK latency

    @Test func finArrivesAfterLatencyAndItsAckAfterTwice() {
        var w = World()
        w.configure(.netLatency(.milliseconds(30)))
        let (h, s) = w.connectedSocket()
        let fin = w.call(.shutdown(h, how: ShutdownHow.send))
        // Sent at the instant its rule fires, outside `advance`.
        #expect(fin.events == [.finSent(s1), .stateChanged(s1, .finWait1)])
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 29)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.state == .finWait1)
        let ack = w.advance(ms: 40)
        #expect(ack.events == [.stateChanged(s1, .finWait2)])
        #expect(ack.eventTimes.map(\.milliseconds) == [60])
    }

    @Test func rstArrivesAfterLatency() {
        var w = World()
        w.configure(.netLatency(.milliseconds(30)))
        let (h, s) = w.connectedSocket()
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.events.first == .resetSent(s1))
        #expect(w.socket(s)?.peer?.resetError == nil)
        w.advance(ms: 29)
        #expect(w.socket(s)?.peer?.resetError == nil)
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test func withZeroLatencyArrivalsHappenWithinTheSameCommand() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(o.events == [.finSent(s1), .stateChanged(s1, .finWait1), .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.now == .zero)
    }

    @Test func peerSegmentsLeaveInOrderAndArriveBytesOverRateLater() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 5000, overlapped: true)).result == .pending(op1))
        #expect(w.call(.recv(h, bytes: 5000, overlapped: true)).result == .pending(op2))
        w.fromPeer(s, .send(1000))
        w.fromPeer(s, .send(500))
        let o = w.advance(ms: 2)
        #expect(o.events == [.operationCompleted(op1, 1000), .operationCompleted(op2, 500)])
        #expect(o.eventTimes.map(\.nanoseconds) == [1_000_000, 1_500_000])
    }

    @Test func thePeersFinLeavesAfterItsEarlierSegments() {
        var w = World()
        w.configure(.netLatency(.milliseconds(5)))
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .send(3000))
        w.fromPeer(s, .close)
        let o = w.advance(ms: 10)
        #expect(o.events == [.peerFinReceived(s1), .stateChanged(s1, .closeWait)])
        #expect(o.eventTimes.map(\.milliseconds) == [8, 8])
        #expect(w.call(.recv(h, bytes: 5000, overlapped: false)).result == count(3000))
        #expect(w.call(.recv(h, bytes: 5000, overlapped: false)).result == count(0))
    }

    // MARK: The network down

    @Test func whileTheNetworkIsDownNothingIsTransmittedAndNothingArrives() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        w.queue(1000, on: h)
        w.configure(.network(up: false))
        w.fromPeer(s, .send(40))
        #expect(w.advance(seconds: 1).events == [])
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.operation(op1)?.status == .pending)
        // The deferred arrival fires when the network comes back up, in that command.
        let up = w.configure(.network(up: true))
        #expect(up.events == [.operationCompleted(op1, 40)])
        #expect(up.eventTimes.map(\.milliseconds) == [1000])
        let tx = w.advance(ms: 1)
        #expect(tx.events == [.transmitted(s1, 1000)])
    }

    @Test func timersRunWhileTheNetworkIsDown() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(100, on: h)
        w.configure(.network(up: false))
        _ = w.call(.close(h))
        let limit = w.advance(seconds: 120)
        #expect(limit.events == [.resetSent(s1), .discarded(s1, 100), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(w.socket(s)?.peer?.resetError == nil)
    }

    // MARK: The order of events at one instant

    @Test func atOneInstantTxThenWaitingSendsThenFinsThenArrivals() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.send(h, bytes: 1000, overlapped: true)).result == .pending(op1))
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).events == [])
        let o = w.advance(ms: 5)
        #expect(o.events == [.transmitted(s1, 1000), .operationCompleted(op1, 1000), .transmitted(s1, 1000),
                             .finSent(s1), .stateChanged(s1, .finWait1), .stateChanged(s1, .finWait2)])
        #expect(o.eventTimes.map(\.milliseconds) == [1, 1, 2, 2, 2, 2])
    }

    @Test func atOneInstantFinThenLingeringCloseThenArrivals() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        w.setLinger(h, 1, 60)
        #expect(w.call(.close(h)).result == .blocked)
        let o = w.advance(ms: 1)
        #expect(o.events == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1),
                             .threadWoke(T1, .closeSocket, ok), .stateChanged(s1, .finWait2)])
    }

    @Test func dueTimersFireInSchedulingOrder() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (b, t) = w.connectedSocket()
        w.stall(s)
        w.stall(t)
        w.queue(10, on: a)
        w.queue(20, on: b)
        _ = w.call(.close(b))   // s2's give-up timer is scheduled first
        _ = w.call(.close(a))
        let o = w.advance(seconds: 120)
        #expect(o.events == [.resetSent(s2), .discarded(s2, 20), .stateChanged(s2, .closed), .socketReleased(s2),
                             .resetSent(s1), .discarded(s1, 10), .stateChanged(s1, .closed), .socketReleased(s1)])
    }

    @Test func theClockReadsWholeMillisecondsBetweenCommands() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.configure(.netRate(3000))
        w.queue(1, on: h)
        let o = w.advance(ms: 1)
        #expect(o.events == [.transmitted(s1, 1)])
        #expect(o.eventTimes.first?.nanoseconds == 333_334)
        #expect(w.now.nanoseconds == 1_000_000)
    }
}

/// docs/language.md, "Timing" as amended, and exact transmission arithmetic.
extension ClockTests {
    @Test func thePeerAcknowledgesOurFinWhenItArrives() {
        var w = World()
        w.configure(.netLatency(.milliseconds(10)))
        let (h, s) = w.connectedSocket()
        w.call(.shutdown(h, how: ShutdownHow.send))
        let o = w.advance(ms: 30)
        #expect(o.events == [.stateChanged(s1, .finWait2)])
        #expect(o.eventMilliseconds == [20], "the ACK leaves at 10 ms and arrives at 20 ms")
        #expect(w.socket(s)?.state == .finWait2)
    }

    @Test func withTheNetworkDownThePeersFinComesFirstAndTheStatePassesThroughClosing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.configure(.network(up: false))
        w.call(.shutdown(h, how: ShutdownHow.send))
        w.fromPeer(s, .close)
        let o = w.configure(.network(up: true))
        #expect(o.events == [.peerFinReceived(s1), .stateChanged(s1, .closing), .stateChanged(s1, .timeWait)])
    }

    @Test func noByteIsLostWhenAWaitingSendMovesInAsTheQueueEmpties() {
        var w = World()
        w.configure(.netRate(3000))
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.send(h, bytes: 1000, overlapped: true)).result == .pending(op1))
        w.advance(ms: 334)
        #expect(w.socket(s)?.peer?.received == 1002, "334 ms at 3000 B/s is exactly 1002 bytes")
    }

    /// Long runs at odd rates deliver exactly rate × time, whatever the instants in between.
    @Test(arguments: [(1, 7_000), (3, 2_000), (7, 9_999), (999_983, 1_234), (1_000_000_007, 3)])
    func deliveryIsExactAtOddRates(rate: Int64, ms: Int64) {
        var w = World()
        w.configure(.netRate(rate))
        w.configure(.sendBuffer(1 << 40))
        w.configure(.window(1 << 40))
        let (h, s) = w.connectedSocket()
        w.queue(1 << 40, on: h)
        var elapsed: Int64 = 0
        for step in [ms / 3, 1, ms / 7, ms - ms / 3 - 1 - ms / 7] where step > 0 {
            w.advance(ms: step)
            elapsed += step
        }
        let exact = Int(Int128(rate) * Int128(elapsed) / 1000)
        #expect(w.socket(s)?.peer?.received == exact)
        w.expectSound()
    }

    @Test func twoToTheFortyBytesAtRateOneTakeTheirTime() {
        var w = World()
        w.configure(.netRate(1))
        w.configure(.sendBuffer(1 << 40))
        let (h, s) = w.connectedSocket()
        w.queue(1 << 40, on: h)
        w.advance(ms: Span.maximumMilliseconds)
        let expected = Int(Span.maximumMilliseconds / 1000)   // one byte per second for 100 years
        #expect(w.socket(s)?.peer?.received == min(expected, 65_536))
        #expect(w.socket(s)?.sendQueue == (1 << 40) - 65_536, "the default window holds the rest back")
        w.expectSound()
    }
}
