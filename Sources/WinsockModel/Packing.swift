/// Rows kept as bytes: a released socket (final, and read only by `show`, `trace` and `sN.…`
/// paths) needs no buffers, waiter arrays or padding, so the socket table keeps it packed
/// (`SocketStore`). A million commands leave 200,000 released sockets: about 40 bytes each
/// packed, against 288 unpacked.
///
/// Every field is written, in declaration order, as a variable-length integer: small values
/// (most are 0) take one byte. `Socket.init(unpacking:)` reads them back in the same order, so
/// the two must change together; `PackingTests` unpacks every socket of random sessions and
/// requires it equal to the original.

/// Writes integers in LEB128 with zigzag signs (0, -1, 1, -2 … as 0, 1, 2, 3 …).
struct ByteWriter {
    var bytes: [UInt8]

    init() {
        bytes = []
        bytes.reserveCapacity(64)   // a socket takes about 40: one allocation
    }

    @inline(__always) mutating func put(_ v: Int) { put(Int64(v)) }

    @inline(__always) mutating func put(_ v: Int64) {
        if v >= 0 && v < 64 { bytes.append(UInt8(v &<< 1)); return }
        putLong(v)
    }

    mutating func putLong(_ v: Int64) {
        var z = UInt64(bitPattern: (v &<< 1) ^ (v >> 63))
        while z >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: z) | 0x80)
            z >>= 7
        }
        bytes.append(UInt8(z))
    }

    mutating func put(_ b: Bool) { bytes.append(b ? 1 : 0) }
    mutating func put(_ t: Instant) { put(t.nanoseconds) }
    mutating func put<ID: ObjectID>(_ id: ID) { put(id.rawValue) }
}

/// Reads what a `ByteWriter` wrote, from a packed store.
struct ByteReader {
    let store: ChunkedArray<UInt8>
    var offset: Int

    mutating func byte() -> UInt8 {
        defer { offset += 1 }
        return store[offset]
    }

    mutating func int64() -> Int64 {
        var z: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = byte()
            z |= UInt64(b & 0x7f) << shift
            if b < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    }

    mutating func int() -> Int { Int(int64()) }
    mutating func bool() -> Bool { byte() != 0 }
    mutating func instant() -> Instant { Instant(nanoseconds: int64()) }
    mutating func id<ID: ObjectID>(_: ID.Type = ID.self) -> ID { ID(rawValue: int()) }
    /// A case of an enum, written as its position.
    mutating func member<E: PackedCases>(_: E.Type = E.self) -> E { E.order[int()] }
}

extension ByteWriter {
    mutating func put<E: PackedCases>(member e: E) { put(E.order.firstIndex(of: e)!) }
}

/// An enum without payloads, packed as its position among its cases (`allCases` makes a new
/// array at every call: these keep one).
protocol PackedCases: Equatable {
    static var order: [Self] { get }
}

extension TCPState: PackedCases { static let order = allCases }
extension FinProgress: PackedCases { static let order = allCases }
extension ResetCause: PackedCases { static let order = allCases }
extension PeerClosing: PackedCases { static let order = allCases }
extension WinsockError: PackedCases { static let order = allCases }

extension Socket {
    /// The socket as bytes (its `id` is not written: the table's index is it).
    func pack(into w: inout ByteWriter) {
        w.put(Int64(truncatingIfNeeded: transmitCredit))
        w.put(Int64(truncatingIfNeeded: transmitCredit >> 64))
        w.put(refcount)
        w.put(linger.onoff)
        w.put(linger.seconds)
        w.put(sendBufferSize)
        w.put(sendBufferReadBack)
        w.put(sendQueue)
        w.put(receiveBuffer)
        Self.put(sendWaiters, into: &w)
        Self.put(receiveWaiters, into: &w)
        w.put(discarded)
        w.put(accepted)
        w.put(delivered)
        w.put(handleIDs.count)
        for h in handleIDs { w.put(h) }
        w.put(lostReferences)
        w.put(transmitAnchor)
        w.put(stretch)
        w.put(stretchStart)
        w.put(lingerGeneration)
        endpoint.pack(into: &w)
        lifecycle.pack(into: &w)
        w.put(lingeringClose != nil)
        if let lc = lingeringClose {
            w.put(lc.thread)
            w.put(lc.handle)
            w.put(lc.generation)
        }
        w.put(isNonblocking)
        w.put(isSendShutdown)
        w.put(isReceiveShutdown)
        w.put(isTransmitting)
    }

    init(unpacking r: inout ByteReader, id: SocketID) {
        let low = UInt64(bitPattern: r.int64())
        let high = r.int64()
        let credit = Int128(high) << 64 | Int128(low)
        let refcount = r.int()
        let linger = Linger(onoff: r.int(), seconds: r.int())
        let size = r.int()
        self.init(id: id, type: .stream, nonblocking: false, sendBufferSize: size, readBack: r.int())
        transmitCredit = credit
        self.refcount = refcount
        self.linger = linger
        sendQueue = r.int()
        receiveBuffer = r.int()
        sendWaiters = Self.waiters(from: &r)
        receiveWaiters = Self.waiters(from: &r)
        discarded = r.int()
        accepted = r.int()
        delivered = r.int()
        for _ in 0..<r.int() { handleIDs.insert(r.id()) }
        lostReferences = r.int()
        transmitAnchor = r.instant()
        stretch = r.int()
        stretchStart = r.instant()
        lingerGeneration = r.int()
        endpoint = Endpoint(unpacking: &r)
        lifecycle = SocketLifecycle(unpacking: &r)
        if r.bool() { lingeringClose = LingeringClose(thread: r.id(), handle: r.id(), generation: r.int()) }
        isNonblocking = r.bool()
        isSendShutdown = r.bool()
        isReceiveShutdown = r.bool()
        isTransmitting = r.bool()
    }

    private static func put(_ waiters: [Waiter], into w: inout ByteWriter) {
        w.put(waiters.count)
        for waiter in waiters {
            switch waiter {
            case .thread(let t): w.put(0); w.put(t)
            case .operation(let op): w.put(1); w.put(op)
            }
        }
    }

    private static func waiters(from r: inout ByteReader) -> [Waiter] {
        let n = r.int()
        if n == 0 { return [] }
        return (0..<n).map { _ in r.int() == 0 ? .thread(r.id()) : .operation(r.id()) }
    }
}

extension Endpoint {
    func pack(into w: inout ByteWriter) {
        switch self {
        case .stream(.unconnected): w.put(0)
        case .stream(.connected(let c)):
            w.put(1)
            w.put(member: c.state)
            w.put(member: c.fin)
            w.put(c.hasPeerFinArrived)
            c.peer.pack(into: &w)
        case .stream(.finished(let p)): w.put(2); p.pack(into: &w)
        case .stream(.reset(let cause, let p)): w.put(3); w.put(member: cause); p.pack(into: &w)
        case .stream(.closed): w.put(4)
        case .datagram(.unaddressed): w.put(5)
        case .datagram(.addressed): w.put(6)
        case .datagram(.closed): w.put(7)
        }
    }

    init(unpacking r: inout ByteReader) {
        self = switch r.int() {
        case 0: .stream(.unconnected)
        case 1:
            .stream(.connected(Connection(state: r.member(), fin: r.member(), hasPeerFinArrived: r.bool(),
                                          peer: Peer(unpacking: &r))))
        case 2: .stream(.finished(Peer(unpacking: &r)))
        case 3: .stream(.reset(r.member(), Peer(unpacking: &r)))
        case 4: .stream(.closed)
        case 5: .datagram(.unaddressed)
        case 6: .datagram(.addressed)
        default: .datagram(.closed)
        }
    }
}

extension Connection {
    init(state: TCPState, fin: FinProgress, hasPeerFinArrived: Bool, peer: Peer) {
        self.init(peer: peer)
        self.state = state
        self.fin = fin
        self.hasPeerFinArrived = hasPeerFinArrived
    }
}

extension Peer {
    func pack(into w: inout ByteWriter) {
        w.put(window)
        w.put(received)
        w.put(read)
        w.put(hasReceivedFin)
        w.put(hasReceivedReset)
        w.put(resetError != nil)
        if let e = resetError { w.put(member: e) }
        w.put(member: closing)
        w.put(sent)
        w.put(nextDeparture)
    }

    init(unpacking r: inout ByteReader) {
        self.init(window: r.int())
        received = r.int()
        read = r.int()
        hasReceivedFin = r.bool()
        hasReceivedReset = r.bool()
        if r.bool() { resetError = r.member() }
        closing = r.member()
        sent = r.int()
        nextDeparture = r.instant()
    }
}

extension SocketLifecycle {
    func pack(into w: inout ByteWriter) {
        switch self {
        case .referenced: w.put(0)
        case .orphaned(let since): w.put(1); w.put(since)
        case .leaked(let p): w.put(2); w.put(p)
        case .held: w.put(3)
        case .released(let at): w.put(4); w.put(at)
        }
    }

    init(unpacking r: inout ByteReader) {
        self = switch r.int() {
        case 0: .referenced
        case 1: .orphaned(since: r.instant())
        case 2: .leaked(by: r.id())
        case 3: .held
        default: .released(at: r.instant())
        }
    }
}
