import Foundation
import LabRendering
import Testing
import WinsockModel

// MARK: The capture, read back in Swift

/// One frame of a capture, decoded.
private struct Frame {
    var seconds: UInt32, microseconds: UInt32
    var fromUs: Bool
    var ourPort: UInt16
    var seq: UInt32, ack: UInt32
    var flags: UInt8
    var payload: Int
    var ipChecksumValid: Bool
    var tcpChecksumValid: Bool

    var flagText: String {
        [(0x02, "S"), (0x01, "F"), (0x04, "R"), (0x08, "P"), (0x10, ".")]
            .filter { flags & UInt8($0.0) != 0 }.map(\.1).joined()
    }
}

private func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
private func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
private func be32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(be16(b, i)) << 16 | UInt32(be16(b, i + 2)) }

private func checksumIsValid(_ words: [UInt8]) -> Bool {
    var sum: UInt32 = 0
    var i = 0
    while i + 1 < words.count { sum += UInt32(words[i]) << 8 | UInt32(words[i + 1]); i += 2 }
    if i < words.count { sum += UInt32(words[i]) << 8 }
    while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
    return sum == 0xffff
}

/// Decodes a capture, recording an issue for anything out of shape.
private func decode(_ bytes: [UInt8]) -> [Frame] {
    guard bytes.count >= 24 else { Issue.record("no global header"); return [] }
    #expect(Array(bytes[0..<4]) == [0xd4, 0xc3, 0xb2, 0xa1], "little-endian magic")
    #expect(bytes[4] == 2 && bytes[5] == 0 && bytes[6] == 4 && bytes[7] == 0, "version 2.4")
    #expect(le32(bytes, 16) == 65535, "snaplen")
    #expect(le32(bytes, 20) == 1, "linktype Ethernet")
    var frames: [Frame] = []
    var at = 24
    while at < bytes.count {
        guard at + 16 <= bytes.count else { Issue.record("truncated record header"); break }
        let length = Int(le32(bytes, at + 8))
        #expect(le32(bytes, at + 12) == UInt32(length), "whole frames")
        let f = Array(bytes[(at + 16)..<(at + 16 + length)])
        #expect(be16(f, 12) == 0x0800)
        let ip = Array(f[14..<34])
        #expect(ip[0] == 0x45 && ip[9] == 6)
        #expect(Int(be16(ip, 2)) == length - 14, "IP total length")
        let fromUs = Array(ip[12..<16]) == [127, 0, 0, 1]
        #expect(Array(ip[fromUs ? 16..<20 : 12..<16]) == [127, 0, 0, 2])
        let tcp = Array(f[34...])
        let headerLength = Int(tcp[12] >> 4) * 4
        let pseudo = Array(ip[12..<20]) + [0, 6, UInt8(tcp.count >> 8), UInt8(tcp.count & 0xff)]
        frames.append(Frame(
            seconds: le32(bytes, at), microseconds: le32(bytes, at + 4),
            fromUs: fromUs, ourPort: fromUs ? be16(tcp, 0) : be16(tcp, 2),
            seq: be32(tcp, 4), ack: be32(tcp, 8), flags: tcp[13],
            payload: tcp.count - headerLength,
            ipChecksumValid: checksumIsValid(ip), tcpChecksumValid: checksumIsValid(pseudo + tcp)))
        at += 16 + length
    }
    return frames
}

/// `S 1000/0 0` style lines: direction, flags, seq/ack, payload, per frame.
private func summary(_ frames: [Frame]) -> [String] {
    frames.map { "\($0.fromUs ? ">" : "<") \($0.flagText) \($0.seq)/\($0.ack) \($0.payload)" }
}

@Suite struct PcapCaptureTests {
    @Test func emptyCaptureIsJustTheHeader() {
        let bytes = pcapCapture([])
        #expect(bytes.count == 24)
        #expect(decode(bytes).isEmpty)
    }

    @Test func gracefulCloseFrames() throws {
        let w = try gracefulWorld()
        let frames = decode(pcapCapture(w.wire))
        #expect(summary(frames) == [
            "> S 1000/0 0", "< S. 5000/1001 0", "> . 1001/5001 0",
            "> . 1001/5001 1460", "< . 5001/2461 0",
            "> . 2461/5001 1460", "< . 5001/3921 0",
            "> P. 3921/5001 1080", "< . 5001/5001 0",
            "> F. 5001/5001 0", "< . 5001/5002 0",
        ])
        #expect(frames.allSatisfy { $0.ipChecksumValid && $0.tcpChecksumValid })
        #expect(frames.allSatisfy { $0.ourPort == 49153 })
        // Segments spread over the 4ms stretch, each stamped when its last byte left.
        #expect(frames.map(\.microseconds) == [0, 0, 0, 1460, 1460, 2920, 2920, 4000, 4000, 4000, 4000])
        #expect(frames.allSatisfy { $0.seconds == 0 })
    }

    @Test func twoConnectionsStructure() throws {
        let w = try twoSocketWorld()
        let frames = decode(pcapCapture(w.wire))
        #expect(frames.allSatisfy { $0.ipChecksumValid && $0.tcpChecksumValid })
        let times = frames.map { UInt64($0.seconds) * 1_000_000 + UInt64($0.microseconds) }
        #expect(times == times.sorted(), "frames in timestamp order")

        let one = frames.filter { $0.ourPort == 49153 }
        let two = frames.filter { $0.ourPort == 49154 }
        #expect(one.count + two.count == frames.count)
        // s1: handshake 3; our 4000 bytes in 3 segments + 3 ACKs; the peer's 3000 in 3 + 3 ACKs;
        // the peer's FIN and our ACK; our FIN and the peer's ACK.
        #expect(one.count == 3 + 6 + 6 + 2 + 2)
        #expect(one.filter { $0.fromUs && $0.payload > 0 }.map(\.payload) == [1460, 1460, 1080])
        #expect(one.filter { !$0.fromUs && $0.payload > 0 }.map(\.payload) == [1460, 1460, 80])
        #expect(one.filter { $0.flags & 0x01 != 0 }.map(\.fromUs) == [false, true], "one FIN each way, the peer's first")
        let ourFin = try #require(one.first { $0.fromUs && $0.flags & 0x01 != 0 })
        #expect(ourFin.seq == 1001 + 4000 && ourFin.ack == 5001 + 3000 + 1)
        #expect(summary(Array(one.suffix(1))) == ["< . 8002/5002 0"])
        // s2: handshake 3; 13000 bytes in two stretches (10000, then 3000): 7 + 3 segments,
        // each ACKed; then RST with ACK and nothing more.
        #expect(two.filter { $0.fromUs && $0.payload > 0 }.map(\.payload)
                == [1460, 1460, 1460, 1460, 1460, 1460, 1240, 1460, 1460, 80])
        #expect(two.count == 3 + 20 + 1)
        #expect(summary(Array(two.suffix(1))) == ["> R. 14001/5001 0"])
        // Sequence numbers progress without gaps in each direction.
        for conn in [one, two] {
            for fromUs in [true, false] {
                var next: UInt32? = nil
                for f in conn where f.fromUs == fromUs {
                    if let n = next { #expect(f.seq == n, "seq gap at \(summary([f]))") }
                    next = f.seq &+ UInt32(f.payload) &+ (f.flags & 0x03 != 0 ? 1 : 0)
                }
            }
        }
    }

    /// The capture sorts records by send time (stably) however they were logged: moving the only
    /// record sent at 100ms to the front of the log changes nothing.
    @Test func logOrderDoesNotMatter() throws {
        let w = try twoSocketWorld()
        let at100 = try #require(w.wire.firstIndex { $0.sent == Instant(nanoseconds: 100_000_000) })
        #expect(w.wire.filter { $0.sent == w.wire[at100].sent }.count == 1)
        var moved = Array(w.wire)
        moved.insert(moved.remove(at: at100), at: 0)
        #expect(pcapCapture(moved) == pcapCapture(w.wire))
    }
}

// MARK: The capture, read by tshark

@Suite struct PcapTsharkTests {
    /// Runs tshark with the arguments; nil (and an issue) when it is not installed.
    private func tshark(_ arguments: [String]) throws -> String? {
        let candidates = ["/usr/bin/tshark", "/usr/local/bin/tshark"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("tshark is not installed: `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tshark`")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.environment = ["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"]
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "tshark failed: \(String(decoding: errors, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func tsharkReadsTheCapture() throws {
        let w = try twoSocketWorld()
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("closelab-trace-\(ProcessInfo.processInfo.processIdentifier).pcap")
        try Data(pcapCapture(w.wire)).write(to: url)
        if let keep = ProcessInfo.processInfo.environment["CLOSELAB_KEEP_PCAP"] { // for a look in Wireshark
            try Data(pcapCapture(w.wire)).write(to: URL(fileURLWithPath: keep))
        }
        defer { try? FileManager.default.removeItem(at: url) }

        let checks = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
        guard let fields = try tshark(["-r", url.path, "-n"] + checks + [
            "-T", "fields", "-E", "separator=,",
            "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.flags",
            "-e", "tcp.len", "-e", "tcp.seq", "-e", "tcp.ack",
            "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
        ]) else { return }
        let rows = fields.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.allSatisfy { $0.count == 9 }, "\(fields)")

        // What the model did, from its wire log: our data stretches and RSTs, the peer's segments.
        var dataSegments: [Int: Int] = [:], peerSegments: [Int: Int] = [:]
        var ourFins: [Int: Int] = [:], peerFins: [Int: Int] = [:], ourResets: [Int: Int] = [:]
        for r in w.wire {
            let n = r.socket.rawValue
            switch (r.direction, r.kind) {
            case (.toPeer, .data(let bytes)): dataSegments[n, default: 0] += (bytes + 1459) / 1460
            case (.fromPeer, .data(let bytes)): peerSegments[n, default: 0] += (bytes + 1459) / 1460
            case (.toPeer, .fin): ourFins[n, default: 0] += 1
            case (.fromPeer, .fin): peerFins[n, default: 0] += 1
            case (.toPeer, .rst): ourResets[n, default: 0] += 1
            default: break
            }
        }
        #expect(ourResets == [2: 1] && ourFins == [1: 1] && peerFins == [1: 1])

        for socket in [1, 2] {
            let port = String(49152 + socket)
            let stream = rows.filter { $0.count == 9 && $0[1] == String(socket - 1) }
            let ours = stream.filter { $0[2] == port }, theirs = stream.filter { $0[2] == "80" }
            func count(_ rows: [[String]], _ test: (Int, Int) -> Bool) -> Int {
                rows.filter { test(Int($0[3].dropFirst(2), radix: 16) ?? -1, Int($0[4]) ?? -1) }.count
            }
            #expect(count(ours) { _, len in len > 0 } == dataSegments[socket, default: 0], "s\(socket) data segments")
            #expect(count(theirs) { _, len in len > 0 } == peerSegments[socket, default: 0], "s\(socket) peer segments")
            #expect(count(ours) { f, _ in f == 0x02 } == 1 && count(theirs) { f, _ in f == 0x12 } == 1, "one handshake")
            #expect(count(ours) { f, _ in f & 0x01 != 0 } == ourFins[socket, default: 0], "s\(socket) our FINs")
            #expect(count(theirs) { f, _ in f & 0x01 != 0 } == peerFins[socket, default: 0], "s\(socket) peer FINs")
            #expect(count(ours) { f, _ in f == 0x14 } == ourResets[socket, default: 0], "s\(socket) RST with ACK")
            // Every data segment is acknowledged by a pure ACK.
            #expect(count(theirs) { f, len in f == 0x10 && len == 0 } >= dataSegments[socket, default: 0])
        }
        // tshark's own checksum verdicts: 1 is "good" (0 bad, 2 unverified).
        #expect(rows.allSatisfy { $0.count == 9 && $0[7] == "1" && $0[8] == "1" }, "\(fields)")
        // Relative sequence numbers: s1's data starts at 1 and its FIN follows the 4000 bytes.
        #expect(rows.contains { $0.count == 9 && $0[1] == "0" && $0[2] == "49153" && $0[3] == "0x0011" && $0[5] == "4001" })

        guard let expert = try tshark(["-r", url.path, "-n", "-q", "-z", "expert"] + checks) else { return }
        for bad in ["Malformed", "alformed", "Bad checksum", "checksum", "Previous segment not captured",
                    "ACKed segment that wasn't captured", "Dup ACK", "Retransmission", "Out-Of-Order"] {
            #expect(!expert.contains(bad), "tshark expert info mentions \(bad):\n\(expert)")
        }
        #expect(!expert.contains("Errors ("), "tshark reports errors:\n\(expert)")
    }
}
