import Testing
@testable import WinsockModel

/// SPEC.md section 1, "Timing": TX stretches, FIN/ACK latency, arrivals deferred while the
/// network is down, and the order of events at one instant.
@Suite struct ClockTests {
    // MARK: TX stretches

    @Test func bytesLeaveOnlyDuringAdvanceAtNetRate() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let send = w.call(.send(h, bytes: 5000, overlapped: false))
        #expect(send.lines == [])
        #expect(w.socket(s)?.peer?.received == 0)
        let part = w.advance(ms: 2)
        // A stretch also ends at the end of the command.
        #expect(part.lines == ["TX s1 2000"])
        #expect(w.socket(s)?.sendQueue == 3000)
        #expect(w.now.milliseconds == 2)
        let rest = w.advance(ms: 10)
        // It ends when the queue empties, where it is printed.
        #expect(rest.lines == ["TX s1 3000"])
        #expect(rest.eventTimes.map(\.milliseconds) == [5])
        #expect(w.now.milliseconds == 12)
    }

    @Test func netRateSetsTheSpeed() {
        var w = World()
        w.configure(.netRate(250_000))
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        let o = w.advance(ms: 10)
        #expect(o.lines == ["TX s1 1000"])
        #expect(o.eventTimes.map(\.milliseconds) == [4])
    }

    @Test func eventsOnOtherSocketsDoNotEndAStretch() {
        var w = World()
        let (a, _) = w.connectedSocket()
        let (b, _) = w.connectedSocket()
        w.queue(5000, on: a)
        w.queue(1000, on: b)
        let o = w.advance(ms: 10)
        #expect(o.lines == ["TX s2 1000", "TX s1 5000"])
        #expect(o.eventTimes.map(\.milliseconds) == [1, 5])
    }

    @Test func aStretchEndsWhenThePeerWindowFills() {
        var w = World()
        w.configure(.window(1500))
        let (h, s) = w.connectedSocket()
        w.queue(4000, on: h)
        let fill = w.advance(ms: 3)
        #expect(fill.lines == ["TX s1 1500"])
        #expect(fill.eventTimes.map(\.nanoseconds) == [1_500_000])
        w.fromPeer(s, .read(nil))
        let more = w.advance(ms: 3)
        #expect(more.lines == ["TX s1 1500"])
        #expect(more.eventTimes.map(\.nanoseconds) == [4_500_000])
    }

    /// SPEC: at one instant, transmitted bytes are reported first; a reset ends the stretch.
    @Test func aStretchEndsWhenTheSocketIsResetAndIsReportedFirst() {
        var w = World()
        w.configure(.netLatency(.milliseconds(1)))
        let (h, s) = w.connectedSocket()
        w.queue(5000, on: h)
        #expect(w.advance(ms: 1).lines == ["TX s1 1000"])
        w.fromPeer(s, .reset)
        let reset = w.advance(ms: 5)
        #expect(reset.lines.sorted() == ["DISCARD s1 3000", "PEER-RST s1", "STATE s1 CLOSED", "TX s1 1000"])
        // SPEC "At one instant, in this order: report transmitted bytes (a TX stretch ends when ...
        // it is reset ...); ...; fire the due arrivals and timers". Our own RST (hard close, give-up,
        // R43a) reports the stretch first; the peer's RST prints it between PEER-RST and DISCARD.
        #expect(reset.lines == ["TX s1 1000", "PEER-RST s1", "DISCARD s1 3000", "STATE s1 CLOSED"])
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
        #expect(Array(o.lines.suffix(6)) == ["RST s1", "DISCARD s1 2999", "STATE s1 CLOSED",
                                             "WAKE T1 WSPCloseSocket = 0", "WPUCloseSocketHandle h1", "RELEASE s1"])
        #expect(Set(o.lines.prefix(2)) == ["TX s1 1", "LINGER-TIMEOUT s1"])
        // SPEC: transmitted bytes are reported first at an instant, and R11 names the timeout's
        // events as one sequence (`LINGER-TIMEOUT`, `RST`, `DISCARD`); the model prints the TX
        // stretch between LINGER-TIMEOUT and RST.
        #expect(o.lines == ["TX s1 1", "LINGER-TIMEOUT s1", "RST s1", "DISCARD s1 2999", "STATE s1 CLOSED",
                            "WAKE T1 WSPCloseSocket = 0", "WPUCloseSocketHandle h1", "RELEASE s1"])
    }

    // MARK: FIN, RST and ACK latency

    @Test func finArrivesAfterLatencyAndItsAckAfterTwice() {
        var w = World()
        w.configure(.netLatency(.milliseconds(30)))
        let (h, s) = w.connectedSocket()
        let fin = w.call(.shutdown(h, how: ShutdownHow.send))
        // Sent at the instant its rule fires, outside `advance`.
        #expect(fin.lines == ["FIN s1", "STATE s1 FIN_WAIT_1"])
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 29)
        #expect(w.socket(s)?.peer?.hasReceivedFin == false)
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.state == .finWait1)
        let ack = w.advance(ms: 40)
        #expect(ack.lines == ["STATE s1 FIN_WAIT_2"])
        #expect(ack.eventTimes.map(\.milliseconds) == [60])
    }

    @Test func rstArrivesAfterLatency() {
        var w = World()
        w.configure(.netLatency(.milliseconds(30)))
        let (h, s) = w.connectedSocket()
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.lines.first == "RST s1")
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
        #expect(o.lines == ["FIN s1", "STATE s1 FIN_WAIT_1", "STATE s1 FIN_WAIT_2"])
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
        #expect(o.lines == ["COMPLETE op1 1000", "COMPLETE op2 500"])
        #expect(o.eventTimes.map(\.nanoseconds) == [1_000_000, 1_500_000])
    }

    @Test func thePeersFinLeavesAfterItsEarlierSegments() {
        var w = World()
        w.configure(.netLatency(.milliseconds(5)))
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .send(3000))
        w.fromPeer(s, .close)
        let o = w.advance(ms: 10)
        #expect(o.lines == ["PEER-FIN s1", "STATE s1 CLOSE_WAIT"])
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
        #expect(w.advance(seconds: 1).lines == [])
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.operation(op1)?.status == .pending)
        // The deferred arrival fires when the network comes back up, in that command.
        let up = w.configure(.network(up: true))
        #expect(up.lines == ["COMPLETE op1 40"])
        #expect(up.eventTimes.map(\.milliseconds) == [1000])
        let tx = w.advance(ms: 1)
        #expect(tx.lines == ["TX s1 1000"])
    }

    @Test func timersRunWhileTheNetworkIsDown() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(100, on: h)
        w.configure(.network(up: false))
        _ = w.call(.close(h))
        let limit = w.advance(seconds: 120)
        #expect(limit.lines == ["RST s1", "DISCARD s1 100", "STATE s1 CLOSED", "RELEASE s1"])
        #expect(w.socket(s)?.peer?.resetError == nil)
    }

    // MARK: The order of events at one instant

    @Test func atOneInstantTxThenWaitingSendsThenFinsThenArrivals() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        #expect(w.call(.send(h, bytes: 1000, overlapped: true)).result == .pending(op1))
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).lines == [])
        let o = w.advance(ms: 5)
        #expect(o.lines == ["TX s1 1000", "COMPLETE op1 1000", "TX s1 1000", "FIN s1", "STATE s1 FIN_WAIT_1",
                            "STATE s1 FIN_WAIT_2"])
        #expect(o.eventTimes.map(\.milliseconds) == [1, 1, 2, 2, 2, 2])
    }

    @Test func atOneInstantFinThenLingeringCloseThenArrivals() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.queue(1000, on: h)
        w.setLinger(h, 1, 60)
        #expect(w.call(.close(h)).result == .blocked)
        let o = w.advance(ms: 1)
        #expect(o.lines == ["TX s1 1000", "FIN s1", "STATE s1 FIN_WAIT_1", "WAKE T1 WSPCloseSocket = 0",
                            "WPUCloseSocketHandle h1", "STATE s1 FIN_WAIT_2"])
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
        #expect(o.lines == ["RST s2", "DISCARD s2 20", "STATE s2 CLOSED", "RELEASE s2",
                            "RST s1", "DISCARD s1 10", "STATE s1 CLOSED", "RELEASE s1"])
    }

    @Test func theClockReadsWholeMillisecondsBetweenCommands() {
        var w = World()
        let (h, _) = w.connectedSocket()
        w.configure(.netRate(3000))
        w.queue(1, on: h)
        let o = w.advance(ms: 1)
        #expect(o.lines == ["TX s1 1"])
        #expect(o.eventTimes.first?.nanoseconds == 333_334)
        #expect(w.now.nanoseconds == 1_000_000)
    }
}
