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
///   the same instant (data has no latency, docs/language.md, "Timing").
/// - FIN (with ACK) and RST (with ACK) are stamped when sent. Each side's ACK of the other's FIN
///   is its `ack` record, stamped when sent (ours as the peer's FIN arrives).
/// - Records that have not arrived (`arrived` nil) are stamped at `sent` and not acknowledged.
///   The peer's ACK of our FIN is left out while that FIN is still in flight (its record is
///   logged ahead, with the instant it will leave).
/// - Acknowledgement numbers cover what the receiver has received by the frame's instant;
///   a side that sent or received an RST acknowledges nothing more.
/// - Frames are in timestamp order (stable); timestamps are virtual time in seconds and
///   microseconds (nanoseconds are truncated, order is kept).
///
/// Header: magic 0xa1b2c3d4 written little-endian, version 2.4, snaplen 65535, linktype 1.
public func pcapCapture(_ records: some Collection<WireRecord>) -> [UInt8] {
    let records = Array(records)   // the world's log is chunked; the plan indexes an array
    let plan = PcapPlan(records)
    var writer = PcapWriter(capacity: plan.byteBound)
    writer.writeGlobalHeader()
    var connections = plan.sockets.map { TCPConnection(socket: $0) }
    // The sequence number just past each frame-making step, by position (for its arrival).
    var ends = [UInt32?](repeating: nil, count: plan.steps.count)
    for index in plan.steps.indices {
        let step = plan.steps[index]
        // Mutated in place: no copy of the connection per step.
        connections[step.connection].perform(step, at: index, plan: plan, ends: &ends, writer: &writer)
    }
    return writer.bytes
}

/// The largest TCP payload per segment (an Ethernet MTU of 1500 less IPv4 and TCP headers).
let pcapMaximumSegment = 1460

// MARK: Planning: records → timed steps

/// What happens at one instant of the capture.
struct PcapStep {
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
    /// The connection's position in `PcapPlan.sockets`.
    var connection: Int
    /// Whether we send the frame; for an arrival, whether we are the receiver.
    var fromUs: Bool
    var action: Action
}

/// The steps of a capture, in timestamp order (stable).
struct PcapPlan {
    var steps: [PcapStep] = []
    /// The connections, in the order of their first record; steps name them by position.
    var sockets: [SocketID] = []
    /// At least as many bytes as the capture will have (for reserving them at once).
    var byteBound = PcapWriter.globalHeaderSize

    init(_ records: [WireRecord]) {
        let ordered = sendOrder(records)
        let connection = connectionNumbers(records, ordered)
        sockets = connection.sockets
        // The peer's ACK of our FIN is logged when the FIN leaves; it exists only once the FIN arrived.
        var finArrived = [Bool](repeating: false, count: sockets.count)
        for (n, i) in ordered.enumerated() {
            let r = records[i]
            if r.direction == .toPeer && r.kind == .fin && r.arrived != nil { finArrived[connection.ofRecord[n]] = true }
        }
        // Each connection may get a synthesized handshake.
        byteBound += sockets.count * PcapWriter.handshakeBound
        var planned: [PcapStep] = []
        planned.reserveCapacity(records.count * 3)
        for (n, i) in ordered.enumerated() {
            let r = records[i], c = connection.ofRecord[n]
            let fromUs = r.direction == .toPeer, sent = r.sent.nanoseconds
            func add(_ time: Int64, _ fromUs: Bool, _ action: PcapStep.Action) {
                planned.append(PcapStep(time: time, connection: c, fromUs: fromUs, action: action))
                byteBound += PcapWriter.bound(of: action)
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
                }
            case .rst:
                add(sent, fromUs, .rst)
                if let arrived = r.arrived?.nanoseconds { add(arrived, !fromUs, .arrival(of: planned.count - 1)) }
            case .ack:
                // Ours (of the peer's FIN) is sent as the FIN arrives; the peer's (of our FIN)
                // once our FIN reached it.
                guard fromUs || r.arrived != nil || finArrived[c] else { continue }
                add(sent, fromUs, .ack(synthesized: false))
            }
        }
        steps = inTimeOrder(planned)
    }
}

/// The positions of the records by send time, stably. A log is mostly in that order already, so
/// one pass checks before anything is sorted.
func sendOrder(_ records: [WireRecord]) -> [Int] {
    var keys = records.indices.map { TimeKey(time: records[$0].sent.nanoseconds, position: $0) }
    if !keys.isSortedAscending { keys.sort() }
    return keys.map(\.position)
}

/// Each connection numbered by its first record in `ordered` (positions in `records`): `sockets`
/// by number, and `ofRecord[n]` the number of the nth record of `ordered`.
func connectionNumbers(_ records: [WireRecord], _ ordered: [Int]) -> (sockets: [SocketID], ofRecord: [Int]) {
    var sockets: [SocketID] = [], ofRecord: [Int] = [], numbers: [SocketID: Int] = [:]
    ofRecord.reserveCapacity(ordered.count)
    var last: (socket: SocketID, number: Int)? = nil
    for i in ordered {
        let s = records[i].socket
        // Records of one connection mostly come together: the dictionary only when it changes.
        if let last, last.socket == s { ofRecord.append(last.number); continue }
        let number: Int
        if let known = numbers[s] {
            number = known
        } else {
            number = sockets.count
            numbers[s] = number
            sockets.append(s)
        }
        ofRecord.append(number)
        last = (s, number)
    }
    return (sockets, ofRecord)
}

/// The steps by time, stably (ties keep the planned order: a segment, then its arrival, then
/// its ACK), arrivals renumbered to the new positions. Planned steps are mostly in time order
/// already: then they are returned as they are.
func inTimeOrder(_ planned: [PcapStep]) -> [PcapStep] {
    var keys = planned.indices.map { TimeKey(time: planned[$0].time, position: $0) }
    guard !keys.isSortedAscending else { return planned }
    keys.sort()
    var position = [Int](repeating: 0, count: planned.count)
    for (at, key) in keys.enumerated() { position[key.position] = at }
    return keys.map { key in
        var step = planned[key.position]
        // Arrivals name planned indices; renumber them to positions in the result.
        if case .arrival(let original) = step.action { step.action = .arrival(of: position[original]) }
        return step
    }
}

/// An instant and a position that breaks ties, for stable sorting.
struct TimeKey: Comparable {
    var time: Int64
    var position: Int

    static func < (a: TimeKey, b: TimeKey) -> Bool { (a.time, a.position) < (b.time, b.position) }
}

// MARK: TCP state per connection

/// One socket's connection as the capture sees it: each side's next sequence number, how far
/// it has received the other side's stream, and whether a reset ended it.
struct TCPConnection {
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
