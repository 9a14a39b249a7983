/// Every socket ever made, indexed by `SocketID.index`: the ones in use as `Socket` values, the
/// idle ones packed as bytes (`Packing.swift`). A million churn commands leave 200,000 sockets
/// nobody will touch again (orphans in FIN_WAIT_2 whose peer never closes, or released ones):
/// 288 bytes each unpacked, about 40 packed.
///
/// Two ways in:
/// - `sockets[i]` reads a copy of any socket, unpacking it if need be (views, rows, invariants,
///   walks over every socket).
/// - `sockets[live: i]` borrows or changes a socket in place, as the model's rules do many times
///   a command; the socket must be unpacked. What reaches a socket from something stored
///   unpacks it first (`perform`: the call's descriptor; `socketFromProtocolInfo`: the block's
///   socket; `fireDueItems`: a due timer or arrival; `peer`; `resetLeakedSockets`: a process's
///   exit), and a request packs, as it ends, those of its sockets that went idle
///   (`World.packIdleSockets`). An unpacked row is a plain
///   read: one accessor with one `yield` is inlined, one with two is not (measured: 2.6 × the
///   instructions per command, from a coroutine frame allocated per read).
///
/// A value like the world's other tables: copies share chunks, and two stores are equal when
/// they hold equal sockets, however each keeps them.
public struct SocketStore: RandomAccessCollection, Sendable {
    /// Per socket: ≥ 0, its slot in `unpacked`; < 0, the complement of where its bytes start.
    private var rows = ChunkedArray<Int32>()
    private var unpacked = ChunkedArray<Socket>()
    /// Slots of `unpacked` whose sockets were packed, for the next sockets made.
    private var freeSlots: [Int32] = []
    private var packed = ChunkedArray<UInt8>()

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { rows.count }

    /// A copy of the socket at `i`, packed or not.
    public subscript(i: Int) -> Socket {
        let r = Int(rows[i])
        return r >= 0 ? unpacked[r] : unpack(i, at: ~r)
    }

    /// The unpacked socket at `i`, in place.
    subscript(live i: Int) -> Socket {
        _read {
            let r = Int(rows[i])
            precondition(r >= 0, "socket s\(i + 1) is packed: unpack it first")
            yield unpacked[r]
        }
        _modify {
            let r = Int(rows[i])
            precondition(r >= 0, "socket s\(i + 1) is packed: unpack it first")
            yield &unpacked[r]
        }
    }

    /// Whether the socket at `i` is kept as bytes.
    func isPacked(_ i: Int) -> Bool { rows[i] < 0 }

    mutating func append(_ socket: Socket) {
        rows.append(place(socket))
    }

    /// Keeps the socket at `i` as bytes from now on (while the bytes stay under 2 GB of
    /// offsets: past that it simply stays unpacked).
    mutating func pack(_ i: Int) {
        let slot = rows[i]
        guard slot >= 0 else { return }
        var w = ByteWriter()
        unpacked[Int(slot)].pack(into: &w)
        guard packed.count + w.bytes.count <= Int(Int32.max) else { return }
        rows[i] = ~Int32(packed.count)
        packed.append(contentsOf: w.bytes)
        // Drop what the old value holds (arrays); the slot goes to the next socket.
        unpacked[Int(slot)] = Socket(id: unpacked[Int(slot)].id, type: .stream, nonblocking: false, sendBufferSize: 0)
        freeSlots.append(slot)
    }

    /// Makes the socket at `i` a plain value again, if it was packed. Its old bytes stay behind
    /// (a socket is unpacked again only if something reaches it after it went idle: rare).
    mutating func unpack(_ i: Int) {
        let r = Int(rows[i])
        guard r < 0 else { return }
        rows[i] = place(unpack(i, at: ~r))
    }

    private mutating func place(_ socket: Socket) -> Int32 {
        if let slot = freeSlots.popLast() {
            unpacked[Int(slot)] = socket
            return slot
        }
        unpacked.append(socket)
        return Int32(unpacked.count - 1)
    }

    private func unpack(_ i: Int, at offset: Int) -> Socket {
        var r = ByteReader(store: packed, offset: offset)
        return Socket(unpacking: &r, id: SocketID(rawValue: i + 1))
    }
}

extension SocketStore: Hashable {
    public static func == (a: SocketStore, b: SocketStore) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for s in self { h.combine(s) }
    }
}
