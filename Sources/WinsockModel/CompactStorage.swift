/// An array kept in chunks of about 8 KB (a power of two of elements: 256 wire records, 128
/// handles, 16 sockets), for the world's tables that only grow (sockets, handles, operations,
/// the wire log).
///
/// The session keeps copies of the world (checkpoints, so that `undo` and `explain` replay a
/// few commands instead of the whole session). A copy of a plain array is free until either side
/// changes it, and then the whole array is copied; here a copy shares every chunk, and a change
/// copies only the outer list of chunks (one pointer per chunk) and the chunk it touches. Tables
/// change mostly at their end, so checkpoints cost a few chunks each instead of a world each.
///
/// Reads and writes cost a shift and a mask more than an array's.
public struct ChunkedArray<Element>: RandomAccessCollection, MutableCollection {
    /// log2 of the elements in a chunk: 8 KB of them, at least 16. A checkpoint keeps its own
    /// copy of every chunk changed after it was taken (an old socket released at its timeout, the
    /// last chunk appended to), so small chunks of large elements keep checkpoints small; a
    /// chunk is never more than full, unlike an array grown by doubling.
    @usableFromInline static var shift: Int {
        // floor(log2(8192 / stride)) in closed form: a constant once specialized (a loop here
        // was not folded, and every access paid for it).
        let perChunk = 8192 / Swift.max(1, MemoryLayout<Element>.stride)
        return Swift.max(4, Int.bitWidth - 1 - Swift.max(1, perChunk).leadingZeroBitCount)
    }
    @usableFromInline static var mask: Int { (1 << shift) - 1 }

    @usableFromInline var chunks: [[Element]] = []
    public private(set) var count = 0

    public init() {}

    public init<S: Sequence>(_ elements: S) where S.Element == Element {
        for e in elements { append(e) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public func index(after i: Int) -> Int { i + 1 }
    public func index(before i: Int) -> Int { i - 1 }

    @inlinable public subscript(i: Int) -> Element {
        // A borrow, not a copy: reading one field of a socket must not copy the socket.
        _read {
            precondition(i >= 0 && i < count, "index out of range")
            yield chunks[i &>> Self.shift][i & Self.mask]
        }
        _modify {
            precondition(i >= 0 && i < count, "index out of range")
            yield &chunks[i &>> Self.shift][i & Self.mask]
        }
    }

    public mutating func append(_ element: Element) {
        if count & Self.mask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(1 << Self.shift)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    /// Appends `elements` a chunk's room at a time.
    mutating func append(contentsOf elements: [Element]) {
        var k = 0
        while k < elements.count {
            if count & Self.mask == 0 {
                var chunk: [Element] = []
                chunk.reserveCapacity(1 << Self.shift)
                chunks.append(chunk)
            }
            let n = Swift.min((1 << Self.shift) - (count & Self.mask), elements.count - k)
            chunks[chunks.count - 1].append(contentsOf: elements[k..<(k + n)])
            count += n
            k += n
        }
    }
}

extension ChunkedArray: Equatable where Element: Equatable {
    public static func == (a: ChunkedArray, b: ChunkedArray) -> Bool {
        a.count == b.count && a.chunks == b.chunks
    }
}

extension ChunkedArray: Hashable where Element: Hashable {
    public func hash(into h: inout Hasher) {
        h.combine(count)
        for chunk in chunks { h.combine(chunk) }
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}

extension ChunkedArray: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Element...) { self.init(elements) }
}

/// The descriptors that ever referred to a socket, in order, without duplicates. Almost every
/// socket has exactly one, kept inline: no heap block per socket (8 MB after a million commands).
public struct HandleList: Hashable, Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The first one's value, 0 for none.
    private var firstValue = 0
    private var rest: [HandleID] = []

    public init() {}
    public init(arrayLiteral elements: HandleID...) { for h in elements { insert(h) } }

    public var startIndex: Int { 0 }
    public var endIndex: Int { firstValue == 0 ? 0 : 1 + rest.count }
    public subscript(i: Int) -> HandleID { i == 0 ? HandleID(rawValue: firstValue) : rest[i - 1] }

    /// Adds `h` at the end unless it is there already.
    mutating func insert(_ h: HandleID) {
        if firstValue == 0 { firstValue = h.rawValue; return }
        if firstValue != h.rawValue && !rest.contains(h) { rest.append(h) }
    }
}
