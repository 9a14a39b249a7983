// `trace --pcap`: the bytes of the capture (see Pcap.swift for the plan and the TCP state).

import WinsockModel

// MARK: Frames

struct TCPFlags: OptionSet {
    let rawValue: UInt8
    static let fin = TCPFlags(rawValue: 0x01)
    static let syn = TCPFlags(rawValue: 0x02)
    static let rst = TCPFlags(rawValue: 0x04)
    static let psh = TCPFlags(rawValue: 0x08)
    static let ack = TCPFlags(rawValue: 0x10)
}

struct TCPSegment {
    var fromUs: Bool
    var ourPort: UInt16
    var seq: UInt32
    var ack: UInt32
    var flags: TCPFlags
    var payload: Int
    var ipID: UInt16
}

/// Appends pcap records to a byte buffer.
///
/// A long session makes some 100,000 frames: each record is appended at once, zero-filled (the
/// payload stays zeros), and its fields are then stored in place, rather than appended a few
/// bytes at a time from temporary arrays.
struct PcapWriter {
    private(set) var bytes: [UInt8] = []

    static let ourMAC: UInt64 = 0x02_00_00_00_00_01
    static let peerMAC: UInt64 = 0x02_00_00_00_00_02
    static let ourIP: UInt32 = 0x7f_00_00_01 // 127.0.0.1
    static let peerIP: UInt32 = 0x7f_00_00_02 // 127.0.0.2
    static let peerPort: UInt16 = 80

    /// The pcap file header.
    static let globalHeaderSize = 24
    /// A record header, Ethernet, IPv4 and TCP with the MSS option: the most a frame adds to its payload.
    static let frameBound = 16 + 14 + 20 + 24
    static let handshakeBound = 3 * frameBound
    /// Zeros for the largest record (copied in one go).
    static let zeros = [UInt8](repeating: 0, count: frameBound + pcapMaximumSegment)

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// At least the bytes a step's frames take.
    static func bound(of action: PcapStep.Action) -> Int {
        switch action {
        case .handshake: handshakeBound
        case .segment(let payload, _): frameBound + payload
        case .fin, .rst, .ack: frameBound
        case .arrival: 0
        }
    }

    mutating func writeGlobalHeader() {
        let start = bytes.count
        bytes += PcapWriter.zeros[..<PcapWriter.globalHeaderSize]
        bytes.withUnsafeMutableBufferPointer { buffer in
            var out = ByteCursor(buffer, at: start)
            out.le32(0xa1b2_c3d4)
            out.le16(2)
            out.le16(4)
            out.le32(0) // thiszone
            out.le32(0) // sigfigs
            out.le32(65535) // snaplen
            out.le32(1) // LINKTYPE_ETHERNET
        }
    }

    mutating func writeFrame(_ s: TCPSegment, at nanoseconds: Int64) {
        let hasMSS = s.flags.contains(.syn)
        let tcpHeader = hasMSS ? 24 : 20
        let ipLength = 20 + tcpHeader + s.payload
        let frameLength = 14 + ipLength
        let start = bytes.count
        bytes += PcapWriter.zeros[..<(16 + frameLength)]
        bytes.withUnsafeMutableBufferPointer { buffer in
            var out = ByteCursor(buffer, at: start)
            let seconds = nanoseconds / 1_000_000_000
            out.le32(UInt32(clamping: seconds))
            out.le32(UInt32((nanoseconds % 1_000_000_000) / 1000))
            out.le32(UInt32(frameLength))
            out.le32(UInt32(frameLength))

            // Ethernet II
            out.be48(s.fromUs ? PcapWriter.peerMAC : PcapWriter.ourMAC)
            out.be48(s.fromUs ? PcapWriter.ourMAC : PcapWriter.peerMAC)
            out.be16(0x0800)

            // IPv4, no options, don't fragment, TTL 64, TCP
            let (src, dst) = s.fromUs ? (PcapWriter.ourIP, PcapWriter.peerIP) : (PcapWriter.peerIP, PcapWriter.ourIP)
            let ipStart = out.at
            out.wordSum = 0
            out.be16(0x4500)
            out.be16(UInt16(ipLength))
            out.be16(s.ipID)
            out.be16(0x4000)
            out.be16(0x4006) // TTL 64, protocol 6
            out.be16(0) // checksum, filled below
            out.be32(src)
            out.be32(dst)
            out.put16(internetChecksum(out.wordSum), at: ipStart + 10)

            // TCP. The checksum covers the pseudo-header (addresses, protocol, TCP length), the
            // header and the payload; the payload is all zeros, which add nothing to the sum.
            let (sport, dport) = s.fromUs ? (s.ourPort, PcapWriter.peerPort) : (PcapWriter.peerPort, s.ourPort)
            let tcpStart = out.at
            out.wordSum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + UInt32(tcpHeader + s.payload)
            out.be16(sport)
            out.be16(dport)
            out.be32(s.seq)
            out.be32(s.ack)
            out.be16(UInt16(tcpHeader / 4) << 12 | UInt16(s.flags.rawValue))
            out.be16(65535) // window
            out.be16(0) // checksum, filled below
            out.be16(0) // urgent pointer
            if hasMSS { out.be16(0x0204); out.be16(UInt16(pcapMaximumSegment)) }
            out.put16(internetChecksum(out.wordSum), at: tcpStart + 16)
        }
    }
}

/// Stores integers into a buffer at a moving position (the bytes are there already, as zeros).
///
/// It also adds up the big-endian 16-bit words it stores: every field of the IPv4 and TCP
/// headers is one or two whole words, so their checksums need no second pass over the bytes.
struct ByteCursor {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var at: Int
    /// The sum of the big-endian words stored since it was last set, not yet folded (a header
    /// has a few dozen words; 32 bits hold 65,537 of them).
    var wordSum: UInt32 = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        self.buffer = buffer
        at = start
    }

    mutating func le16(_ v: UInt16) {
        buffer[at] = UInt8(truncatingIfNeeded: v)
        buffer[at + 1] = UInt8(v >> 8)
        at += 2
    }

    mutating func le32(_ v: UInt32) {
        le16(UInt16(truncatingIfNeeded: v))
        le16(UInt16(v >> 16))
    }

    mutating func be16(_ v: UInt16) {
        put16(v, at: at)
        at += 2
        wordSum += UInt32(v)
    }

    mutating func be32(_ v: UInt32) {
        be16(UInt16(v >> 16))
        be16(UInt16(truncatingIfNeeded: v))
    }

    mutating func be48(_ v: UInt64) {
        be16(UInt16(truncatingIfNeeded: v >> 32))
        be32(UInt32(truncatingIfNeeded: v))
    }

    /// A big-endian word at `index`, leaving the position and the sum as they are.
    func put16(_ v: UInt16, at index: Int) {
        buffer[index] = UInt8(v >> 8)
        buffer[index + 1] = UInt8(truncatingIfNeeded: v)
    }
}

/// RFC 1071: the ones' complement of the ones' complement sum of 16-bit words, given their plain
/// sum (the carries are folded back in here).
func internetChecksum(_ wordSum: UInt32) -> UInt16 {
    var sum = wordSum
    while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
    return ~UInt16(sum)
}
