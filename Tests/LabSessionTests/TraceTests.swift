import Foundation
import LabRendering
import Testing
import WinsockModel

// `trace` (the ladder) and `trace --pcap` (the capture), driven by the model: what the model
// logged on the wire must come out as a readable ladder and as a capture that tshark accepts.

private let th1 = HandleID(rawValue: 1), th2 = HandleID(rawValue: 2)
private let ts1 = SocketID(rawValue: 1), ts2 = SocketID(rawValue: 2)

/// s1: connect, send 4000, close (graceful), advance 100ms. At 1 MB/s the data leaves over
/// 0–4ms, then FIN; with latency 0 the FIN and its ACK arrive at once.
func gracefulWorld() throws -> World {
    var w = World()
    _ = try w.perform(.socket(.stream, nonblocking: false))
    _ = try w.perform(.connect(th1))
    _ = try w.perform(.send(th1, bytes: 4000, overlapped: false))
    _ = try w.perform(.close(th1))
    _ = try w.advance(by: .milliseconds(100))
    return w
}

/// s1 exchanges data both ways and closes gracefully from both ends; s2 is closed hard
/// (linger on, 0s) with data still queued, so it sends RST.
func twoSocketWorld() throws -> World {
    var w = World()
    _ = try w.perform(.socket(.stream, nonblocking: false))
    _ = try w.perform(.connect(th1))
    _ = try w.perform(.send(th1, bytes: 4000, overlapped: false))
    _ = try w.peer(ts1, .send(3000))
    _ = try w.perform(.socket(.stream, nonblocking: false))
    _ = try w.perform(.connect(th2))
    _ = try w.perform(.setLinger(th2, onoff: 1, seconds: 0))
    _ = try w.perform(.send(th2, bytes: 10000, overlapped: false))
    _ = try w.advance(by: .milliseconds(100)) // s1's data both ways; s2 sends 10000 bytes
    _ = try w.perform(.send(th2, bytes: 20000, overlapped: false))
    _ = try w.advance(by: .milliseconds(3)) // s2 sends 3000 of them
    _ = try w.peer(ts1, .close)
    _ = try w.perform(.recv(th1, bytes: 3000, overlapped: false)) // read first, or the close resets (R51)
    _ = try w.perform(.close(th1)) // CLOSE_WAIT → LAST_ACK: FIN at once
    _ = try w.perform(.close(th2)) // hard close: RST, 17000 bytes discarded
    _ = try w.advance(by: .milliseconds(100))
    return w
}

// MARK: The ladder

@Suite struct TraceLadderTests {
    @Test func connectLogsTheHandshake() throws {
        let w = try gracefulWorld()
        let first = try #require(w.wire.first)
        #expect(first.kind == .handshake && first.direction == .toPeer, "World.wire: connect logs the handshake")
        #expect(first.sent == .zero && first.arrived == .zero)
    }

    @Test func emptyTrace() {
        #expect(traceLadder([], socket: nil) == "nothing has crossed the wire yet")
        #expect(traceLadder([], socket: ts2) == "nothing has crossed the wire yet for s2")
    }

    @Test func gracefulCloseLadder() throws {
        let w = try gracefulWorld()
        let expected = """
            s1     us                                      peer
              0ms  |----------- SYN, SYN-ACK, ACK ----------->|
              0ms  |--------------- data 4000 --------------->|  4ms
              4ms  |------------------ FIN ------------------>|
              4ms  |<------------------ ACK ------------------|
            """
        let ladder = traceLadder(w.wire, socket: ts1)
        #expect(ladder == expected, "\n\(ladder)")
        #expect(traceLadder(w.wire, socket: nil) == expected)
        #expect(traceLadder(w.wire, socket: ts2) == "nothing has crossed the wire yet for s2")
    }

    @Test func latencyShowsArrivalsAndFlight() throws {
        var w = World()
        _ = try w.apply(.netLatency(.milliseconds(5)))
        _ = try w.perform(.socket(.stream, nonblocking: false))
        _ = try w.perform(.connect(th1))
        _ = try w.perform(.send(th1, bytes: 2500, overlapped: false))
        _ = try w.advance(by: .milliseconds(10))
        _ = try w.perform(.close(th1)) // FIN at 10ms, arrives at 15ms; its ACK leaves then, back at 20ms
        let inFlight = traceLadder(w.wire, socket: ts1)
        #expect(inFlight == """
            s1     us                                      peer
              0ms  |----------- SYN, SYN-ACK, ACK ----------->|
              0ms  |--------------- data 2500 --------------->|  2.5ms
             10ms  |------------------ FIN ------------------>|  (in flight)
            """, "\n\(inFlight)")
        _ = try w.advance(by: .milliseconds(5))
        let acking = traceLadder(w.wire, socket: ts1)
        #expect(acking.hasSuffix("""
                   10ms  |------------------ FIN ------------------>|  15ms
            (in flight)  |<------------------ ACK ------------------|  15ms
            """), "the peer acknowledges the FIN when it arrives (15 ms at the peer's side), still in flight to us:\n\(acking)")
        _ = try w.advance(by: .milliseconds(20))
        let arrived = traceLadder(w.wire, socket: ts1)
        #expect(arrived.hasSuffix("""
              0ms  |--------------- data 2500 --------------->|  2.5ms
             10ms  |------------------ FIN ------------------>|  15ms
             20ms  |<------------------ ACK ------------------|  15ms
            """), "an arrow of the peer's: sent at the right, arrived at the left:\n\(arrived)")
    }

    /// Issue 16: a peer RST sent at 200 ms that arrives at 250 ms shows 250 ms on our side.
    @Test func aPeersArrowShowsItsArrivalOnOurSide() throws {
        var w = World()
        _ = try w.apply(.netLatency(.milliseconds(50)))
        _ = try w.perform(.socket(.stream, nonblocking: false))
        _ = try w.perform(.connect(th1))
        _ = try w.advance(by: .milliseconds(200))
        _ = try w.peer(ts1, .reset)
        _ = try w.advance(by: .milliseconds(100))
        #expect(traceLadder(w.wire, socket: ts1).hasSuffix("250ms  |<------------------ RST ------------------|  200ms"))
    }

    @Test func everySocketGetsALadderWithinEightyColumns() throws {
        let w = try twoSocketWorld()
        let ladder = traceLadder(w.wire, socket: nil)
        let lines = ladder.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("s1 ") == true)
        #expect(lines.contains { $0.hasPrefix("s2 ") })
        #expect(lines.contains(""), "ladders are separated by a blank line")
        #expect(ladder.contains("RST"))
        #expect(ladder.contains("<") && ladder.contains("data 3000"))
        for width in [60, 72, 80] {
            for line in traceLadder(w.wire, socket: nil, width: width).split(separator: "\n") {
                #expect(line.count <= width, "too wide for \(width): \(line)")
                #expect(line.allSatisfy { $0.isASCII }, "not ASCII: \(line)")
            }
        }
        // Sorted by send time within each ladder: at the left for an arrow of ours, at the right for
        // one of the peer's (at the left when it arrived the instant it left).
        let times = lines.drop { !$0.hasPrefix("s1") }.dropFirst().prefix { !$0.isEmpty }.compactMap { line -> Double? in
            let words = line.split(separator: " ")
            let fromPeer = line.contains("|<"), right = words.last.map(String.init) ?? ""
            let sent = fromPeer && right.hasSuffix("ms") ? right : String(words.first!)
            return Double(sent.dropLast(2))
        }
        #expect(times == times.sorted() && !times.isEmpty)
    }
}

/// The ladder is built byte by byte, with its own sort and time formatting: these pin it to the
/// text the straightforward version (a String per piece, `millisecondText`) printed.
@Suite struct TraceLadderTextTests {
    /// Records of two sockets interleaved in the log: each socket gets its ladder, sorted by send
    /// time, stably.
    @Test func twoSocketsExactly() throws {
        let w = try twoSocketWorld()
        let sockets = w.wire.map(\.socket)
        #expect(sockets != sockets.sorted(), "the log interleaves the sockets, so the ladder sorts")
        let ladder = traceLadder(w.wire, socket: nil)
        #expect(ladder == """
            s1     us                                      peer
              0ms  |----------- SYN, SYN-ACK, ACK ----------->|
              3ms  |<--------------- data 3000 ---------------|  0ms
              0ms  |--------------- data 4000 --------------->|  4ms
            103ms  |<------------------ FIN ------------------|
            103ms  |------------------ ACK ------------------>|
            103ms  |------------------ FIN ------------------>|
            103ms  |<------------------ ACK ------------------|

            s2     us                                      peer
              0ms  |----------- SYN, SYN-ACK, ACK ----------->|
              0ms  |-------------- data 10000 --------------->|  10ms
            100ms  |--------------- data 3000 --------------->|  103ms
            103ms  |------------------ RST ------------------>|
            """, "\n\(ladder)")
        // Out of send order: the last record (s2's RST, the only one sent at 103ms) logged first.
        let rotated = [w.wire.last!] + w.wire.dropLast()
        #expect(traceLadder(rotated, socket: nil) == ladder)
        #expect(traceLadder(rotated, socket: ts2) == traceLadder(w.wire, socket: ts2))
    }

    /// Our ACK of the peer's FIN is an arrow of its own, leaving as the FIN arrives and reaching
    /// the peer `net latency` later; while it travels the ladder says so.
    @Test func ourAckOfThePeersFin() throws {
        var w = World()
        _ = try w.apply(.netLatency(.milliseconds(50)))
        _ = try w.perform(.socket(.stream, nonblocking: false))
        _ = try w.perform(.connect(th1))
        _ = try w.peer(ts1, .close)
        _ = try w.advance(by: .milliseconds(60))
        #expect(traceLadder(w.wire, socket: nil) == """
            s1     us                                      peer
              0ms  |----------- SYN, SYN-ACK, ACK ----------->|
             50ms  |<------------------ FIN ------------------|  0ms
             50ms  |------------------ ACK ------------------>|  (in flight)
            """)
        _ = try w.advance(by: .milliseconds(40))
        #expect(traceLadder(w.wire, socket: nil).hasSuffix("50ms  |------------------ ACK ------------------>|  100ms"))
        // The capture has the same ACK, once: the peer's FIN and our ACK after the handshake.
        #expect(w.wire.filter { $0.kind == .ack }.map(\.direction) == [.toPeer])
    }

    /// Times between milliseconds print as `millisecondText` does (six digits, trailing zeros
    /// dropped), and the time column widens for them.
    @Test func fractionalTimes() throws {
        var w = World()
        _ = try w.apply(.netRate(3))
        _ = try w.apply(.netLatency(.milliseconds(1)))
        _ = try w.perform(.socket(.stream, nonblocking: false))
        _ = try w.perform(.connect(th1))
        _ = try w.perform(.send(th1, bytes: 2, overlapped: false))
        _ = try w.peer(ts1, .send(1))
        _ = try w.advance(by: .milliseconds(1333))
        _ = try w.perform(.close(th1))
        _ = try w.advance(by: .milliseconds(1000))
        let ladder = traceLadder(w.wire, socket: nil)
        #expect(ladder == """
            s1            us                                      peer
                     0ms  |----------- SYN, SYN-ACK, ACK ----------->|
            333.333334ms  |<---------------- data 1 -----------------|  0ms
                     0ms  |---------------- data 2 ----------------->|  666.666667ms
                  1333ms  |------------------ RST ------------------>|  1334ms
            """, "\n\(ladder)")
        for record in w.wire {
            for instant in [record.sent] + (record.arrived.map { [$0] } ?? []) {
                #expect(ladder.contains(instant.millisecondText))
            }
        }
    }
}
