import WinsockModel

/// `trace --pcap`: what crossed the wire as a classic pcap capture that Wireshark and tshark
/// open, made of synthetic Ethernet/IPv4/TCP frames.
///
/// - Each socket is one TCP connection between `127.0.0.1:(49152 + n mod 16384)` (us, socket
///   `sN`, MAC 02:00:00:00:00:01) and `127.0.0.2:80` (the peer, MAC 02:00:00:00:00:02). Initial
///   sequence numbers are fixed: 1000 for us, 5000 for the peer. SYN and FIN consume one
///   sequence number each; every segment but the SYN carries ACK. Window 65535, no scaling;
///   SYN and SYN-ACK carry MSS 1460.
/// - The handshake record is a SYN, SYN-ACK and ACK at its instant. A connection whose first
///   record is not a handshake gets one synthesized at that record's instant, so dissectors
///   see a whole conversation.
/// - A data record is split into segments of at most 1460 bytes (zero-filled), each stamped
///   when its last byte has left — spread evenly over [sent, arrived] by bytes, the last at
///   `arrived` — with PSH on the last one; the receiver acknowledges each with a pure ACK at
///   the same instant (data has no latency, SPEC.md "Timing").
/// - FIN (with ACK) and RST (with ACK) are stamped when sent. We acknowledge the peer's FIN
///   when it arrives; the peer's ACK of our FIN is its `ack` record, stamped when sent.
/// - Records that have not arrived (`arrived` nil) are stamped at `sent` and not acknowledged.
///   The peer's ACK of our FIN is left out while that FIN is still in flight (its record is
///   logged ahead, with the instant it will leave).
/// - Acknowledgement numbers cover what the receiver has received by the frame's instant;
///   a side that sent or received an RST acknowledges nothing more.
/// - Frames are in timestamp order (stable); timestamps are virtual time in seconds and
///   microseconds (nanoseconds are truncated, order is kept).
///
/// Header: magic 0xa1b2c3d4 written little-endian, version 2.4, snaplen 65535, linktype 1.
public func pcapCapture(_ records: [WireRecord]) -> [UInt8] {
    var writer = PcapWriter()
    writer.writeGlobalHeader()
    let plan = PcapPlan(records)
    var connections: [SocketID: TCPConnection] = [:]
    // The sequence number just past each frame-making step, by position (for its arrival).
    var ends = [UInt32?](repeating: nil, count: plan.steps.count)
    for (index, step) in plan.steps.enumerated() {
        // Mutated in place: no copy of the connection per step.
        connections[step.socket, default: TCPConnection(socket: step.socket)]
            .perform(step, at: index, plan: plan, ends: &ends, writer: &writer)
    }
    return writer.bytes
}

/// The largest TCP payload per segment (an Ethernet MTU of 1500 less IPv4 and TCP headers).
let pcapMaximumSegment = 1460

// MARK: Planning: records → timed steps

/// What happens at one instant of the capture.
private struct PcapStep {
    enum Action {
        /// SYN, SYN-ACK, ACK.
        case handshake
        /// A data segment (`push` on the last of its record).
        case segment(bytes: Int, push: Bool)
        case fin
        case rst
        /// A pure ACK; `synthesized` ones (not in the model's log) are dropped after a reset.
        case ack(synthesized: Bool)
        /// The step at this index reaches its receiver (no frame; moves the receiver's
        /// acknowledgement point or, for an RST, ends its side).
        case arrival(of: Int)
    }
    var time: Int64
    var socket: SocketID
    /// Whether we send the frame; for an arrival, whether we are the receiver.
    var fromUs: Bool
    var action: Action
}

/// The steps of a capture, in timestamp order (stable).
private struct PcapPlan {
    var steps: [PcapStep] = []

    init(_ records: [WireRecord]) {
        let ordered = records.enumerated()
            .sorted { ($0.element.sent, $0.offset) < ($1.element.sent, $1.offset) }
            .map(\.element)
        // The peer's ACK of our FIN is logged when the FIN leaves; it exists only once the FIN arrived.
        var finArrived: Set<SocketID> = []
        for r in ordered where r.direction == .toPeer && r.kind == .fin && r.arrived != nil {
            finArrived.insert(r.socket)
        }
        var planned: [PcapStep] = []
        planned.reserveCapacity(records.count * 3)
        for r in ordered {
            let s = r.socket, fromUs = r.direction == .toPeer, sent = r.sent.nanoseconds
            func add(_ time: Int64, _ fromUs: Bool, _ action: PcapStep.Action) {
                planned.append(PcapStep(time: time, socket: s, fromUs: fromUs, action: action))
            }
            switch r.kind {
            case .handshake:
                add(sent, true, .handshake)
            case .data(let n):
                guard n > 0 else { continue }
                let count = (n + pcapMaximumSegment - 1) / pcapMaximumSegment
                var done = 0
                for i in 0..<count {
                    let bytes = min(pcapMaximumSegment, n - done)
                    done += bytes
                    guard let arrived = r.arrived?.nanoseconds else {
                        add(sent, fromUs, .segment(bytes: bytes, push: i == count - 1))
                        continue
                    }
                    // Stamped when its last byte has left: an even share of the stretch by bytes.
                    let span = Int128(max(0, arrived - sent))
                    let time = sent + Int64(span * Int128(done) / Int128(n))
                    add(time, fromUs, .segment(bytes: bytes, push: i == count - 1))
                    add(time, !fromUs, .arrival(of: planned.count - 1))
                    add(time, !fromUs, .ack(synthesized: true))
                }
            case .fin:
                add(sent, fromUs, .fin)
                if let arrived = r.arrived?.nanoseconds {
                    add(arrived, !fromUs, .arrival(of: planned.count - 1))
                    if !fromUs { add(arrived, true, .ack(synthesized: true)) }
                }
            case .rst:
                add(sent, fromUs, .rst)
                if let arrived = r.arrived?.nanoseconds { add(arrived, !fromUs, .arrival(of: planned.count - 1)) }
            case .ack:
                guard r.arrived != nil || finArrived.contains(s) else { continue }
                add(sent, fromUs, .ack(synthesized: false))
            }
        }
        // Stable: ties keep the planned order (a segment, then its arrival, then its ACK).
        let order = planned.indices.sorted { (planned[$0].time, $0) < (planned[$1].time, $1) }
        var position = [Int](repeating: 0, count: planned.count)
        for (at, original) in order.enumerated() { position[original] = at }
        steps = order.map { i in
            var step = planned[i]
            // Arrivals name planned indices; renumber them to positions in `steps`.
            if case .arrival(let original) = step.action { step.action = .arrival(of: position[original]) }
            return step
        }
    }
}

// MARK: TCP state per connection

/// One socket's connection as the capture sees it: each side's next sequence number, how far
/// it has received the other side's stream, and whether a reset ended it.
private struct TCPConnection {
    struct Side {
        var next: UInt32
        var received: UInt32 = 0
        var isReset = false
        var ipID: UInt16 = 1
    }
    static let ourISN: UInt32 = 1000
    static let peerISN: UInt32 = 5000

    let socket: SocketID
    var us = Side(next: TCPConnection.ourISN)
    var peer = Side(next: TCPConnection.peerISN)
    var isStarted = false

    init(socket: SocketID) { self.socket = socket }

    var ourPort: UInt16 { UInt16(49152 + socket.rawValue % 16384) }

    /// Performs the step at position `index` of the plan.
    mutating func perform(_ step: PcapStep, at index: Int, plan: PcapPlan, ends: inout [UInt32?],
                          writer: inout PcapWriter) {
        if case .arrival(let sentAt) = step.action {
            arrive(plan.steps[sentAt], end: ends[sentAt], at: step.fromUs)
            return
        }
        if case .handshake = step.action {
            if !isStarted { handshake(at: step.time, writer: &writer) }
            return
        }
        if !isStarted { handshake(at: step.time, writer: &writer) }
        switch step.action {
        case .segment(let bytes, let push):
            let flags: TCPFlags = push ? [.ack, .psh] : [.ack]
            ends[index] = send(step.fromUs, flags, payload: bytes, at: step.time, writer: &writer)
        case .fin:
            ends[index] = send(step.fromUs, [.fin, .ack], at: step.time, writer: &writer)
        case .rst:
            send(step.fromUs, [.rst, .ack], at: step.time, writer: &writer)
            if step.fromUs { us.isReset = true } else { peer.isReset = true }
        case .ack(let synthesized):
            if synthesized && (step.fromUs ? us.isReset : peer.isReset) { return }
            send(step.fromUs, [.ack], at: step.time, writer: &writer)
        case .handshake, .arrival:
            return
        }
    }

    /// The step reaches the other side: it now acknowledges up to `end`; an RST ends it.
    mutating func arrive(_ sent: PcapStep, end: UInt32?, at receiverIsUs: Bool) {
        if case .rst = sent.action {
            if receiverIsUs { us.isReset = true } else { peer.isReset = true }
            return
        }
        guard let end else { return }
        if receiverIsUs {
            if Int32(bitPattern: end &- us.received) > 0 { us.received = end }
        } else {
            if Int32(bitPattern: end &- peer.received) > 0 { peer.received = end }
        }
    }

    mutating func handshake(at time: Int64, writer: inout PcapWriter) {
        isStarted = true
        send(true, [.syn], at: time, writer: &writer)
        peer.received = us.next
        send(false, [.syn, .ack], at: time, writer: &writer)
        us.received = peer.next
        send(true, [.ack], at: time, writer: &writer)
    }

    /// Emits one frame from a side and returns the sequence number just past it.
    @discardableResult
    mutating func send(_ fromUs: Bool, _ flags: TCPFlags, payload: Int = 0, at time: Int64,
                       writer: inout PcapWriter) -> UInt32 {
        var side = fromUs ? us : peer
        let seq = side.next
        let ack = flags.contains(.ack) ? side.received : 0
        let consumed = UInt32(payload) &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
        side.next = seq &+ consumed
        let id = side.ipID
        side.ipID &+= 1
        if fromUs { us = side } else { peer = side }
        let segment = TCPSegment(
            fromUs: fromUs, ourPort: ourPort, seq: seq, ack: ack, flags: flags,
            payload: payload, ipID: id
        )
        writer.writeFrame(segment, at: time)
        return side.next
    }
}

// MARK: Frames

private struct TCPFlags: OptionSet {
    let rawValue: UInt8
    static let fin = TCPFlags(rawValue: 0x01)
    static let syn = TCPFlags(rawValue: 0x02)
    static let rst = TCPFlags(rawValue: 0x04)
    static let psh = TCPFlags(rawValue: 0x08)
    static let ack = TCPFlags(rawValue: 0x10)
}

private struct TCPSegment {
    var fromUs: Bool
    var ourPort: UInt16
    var seq: UInt32
    var ack: UInt32
    var flags: TCPFlags
    var payload: Int
    var ipID: UInt16
}

/// Appends pcap records to a byte buffer.
private struct PcapWriter {
    var bytes: [UInt8] = []

    static let ourMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    static let peerMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    static let ourIP: [UInt8] = [127, 0, 0, 1]
    static let peerIP: [UInt8] = [127, 0, 0, 2]
    static let peerPort: UInt16 = 80
    /// One segment's payload (copied in one go: appending zeros one by one is slow unoptimized).
    static let zeros = [UInt8](repeating: 0, count: pcapMaximumSegment)

    mutating func writeGlobalHeader() {
        appendLE32(0xa1b2_c3d4)
        appendLE16(2)
        appendLE16(4)
        appendLE32(0) // thiszone
        appendLE32(0) // sigfigs
        appendLE32(65535) // snaplen
        appendLE32(1) // LINKTYPE_ETHERNET
    }

    mutating func writeFrame(_ s: TCPSegment, at nanoseconds: Int64) {
        let hasMSS = s.flags.contains(.syn)
        let tcpHeader = hasMSS ? 24 : 20
        let ipLength = 20 + tcpHeader + s.payload
        let frameLength = 14 + ipLength
        let seconds = nanoseconds / 1_000_000_000
        appendLE32(UInt32(clamping: seconds))
        appendLE32(UInt32((nanoseconds % 1_000_000_000) / 1000))
        appendLE32(UInt32(frameLength))
        appendLE32(UInt32(frameLength))

        // Ethernet II
        bytes += s.fromUs ? PcapWriter.peerMAC : PcapWriter.ourMAC
        bytes += s.fromUs ? PcapWriter.ourMAC : PcapWriter.peerMAC
        appendBE16(0x0800)

        // IPv4, no options, don't fragment, TTL 64, TCP
        let (src, dst) = s.fromUs ? (PcapWriter.ourIP, PcapWriter.peerIP) : (PcapWriter.peerIP, PcapWriter.ourIP)
        let ipStart = bytes.count
        bytes += [0x45, 0x00]
        appendBE16(UInt16(ipLength))
        appendBE16(s.ipID)
        appendBE16(0x4000)
        bytes += [64, 6, 0, 0]
        bytes += src
        bytes += dst
        let ipSum = internetChecksum(bytes[ipStart..<bytes.count])
        bytes[ipStart + 10] = UInt8(ipSum >> 8)
        bytes[ipStart + 11] = UInt8(ipSum & 0xff)

        // TCP
        let (sport, dport) = s.fromUs ? (s.ourPort, PcapWriter.peerPort) : (PcapWriter.peerPort, s.ourPort)
        let tcpStart = bytes.count
        appendBE16(sport)
        appendBE16(dport)
        appendBE32(s.seq)
        appendBE32(s.ack)
        bytes.append(UInt8(tcpHeader / 4) << 4)
        bytes.append(s.flags.rawValue)
        appendBE16(65535) // window
        appendBE16(0) // checksum, filled below
        appendBE16(0) // urgent pointer
        if hasMSS { bytes += [2, 4]; appendBE16(UInt16(pcapMaximumSegment)) }

        // The checksum covers the pseudo-header (addresses, protocol, TCP length), the header
        // and the payload; the payload is all zeros, which add nothing to a ones' complement sum.
        let tcpLength = tcpHeader + s.payload
        let pseudo: [UInt8] = src + dst + [0, 6, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xff)]
        let tcpSum = internetChecksum(bytes[tcpStart..<bytes.count], seed: onesComplementSum(pseudo[...]))
        bytes[tcpStart + 16] = UInt8(tcpSum >> 8)
        bytes[tcpStart + 17] = UInt8(tcpSum & 0xff)
        bytes.append(contentsOf: PcapWriter.zeros[0..<s.payload])
    }

    mutating func appendLE16(_ v: UInt16) { bytes += [UInt8(v & 0xff), UInt8(v >> 8)] }
    mutating func appendLE32(_ v: UInt32) {
        bytes += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
    }
    mutating func appendBE16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
    mutating func appendBE32(_ v: UInt32) {
        bytes += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
}

/// The 16-bit ones' complement sum of big-endian words (an odd last byte is padded with zero).
private func onesComplementSum(_ data: ArraySlice<UInt8>, seed: UInt32 = 0) -> UInt32 {
    var sum = seed
    var i = data.startIndex
    while i + 1 < data.endIndex {
        sum += UInt32(data[i]) << 8 | UInt32(data[i + 1])
        i += 2
    }
    if i < data.endIndex { sum += UInt32(data[i]) << 8 }
    while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
    return sum
}

/// RFC 1071: the ones' complement of the ones' complement sum.
private func internetChecksum(_ data: ArraySlice<UInt8>, seed: UInt32 = 0) -> UInt16 {
    ~UInt16(onesComplementSum(data, seed: seed))
}
