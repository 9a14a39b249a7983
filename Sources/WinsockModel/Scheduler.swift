/// Something due at an instant: an arrival on the wire or a timer (docs/language.md, "Timing").
enum Due: Hashable, Sendable {
    // Arrivals: they wait while the network is down (R22, R50).
    case finArrivesAtPeer(SocketID)
    case resetArrivesAtPeer(SocketID, WinsockError)
    case ackArrivesAtUs(SocketID)
    /// Our ACK of the peer's FIN reaches the peer: only its wire record changes (it arrived).
    case ackArrivesAtPeer(SocketID)
    case peerDataArrives(SocketID, Int)
    case peerFinArrives(SocketID)
    case peerResetArrives(SocketID)
    // Timers: they run whatever the network does.
    case lingerTimeout(SocketID, generation: Int)
    case gracefulTimeout(SocketID)
    case timeWaitEnds(SocketID)
    /// J/linux: an orphan's time in FIN_WAIT_2 ends (`tcp_fin_timeout`).
    case finWait2Ends(SocketID)

    /// The socket it is about.
    var socket: SocketID {
        switch self {
        case .finArrivesAtPeer(let s), .resetArrivesAtPeer(let s, _), .ackArrivesAtUs(let s), .ackArrivesAtPeer(let s),
             .peerDataArrives(let s, _), .peerFinArrives(let s), .peerResetArrives(let s), .lingerTimeout(let s, _),
             .gracefulTimeout(let s), .timeWaitEnds(let s), .finWait2Ends(let s):
            s
        }
    }

    var isArrival: Bool {
        switch self {
        case .finArrivesAtPeer, .resetArrivesAtPeer, .ackArrivesAtUs, .ackArrivesAtPeer, .peerDataArrives,
             .peerFinArrives, .peerResetArrives:
            true
        case .lingerTimeout, .gracefulTimeout, .timeWaitEnds, .finWait2Ends:
            false
        }
    }
}

/// A scheduled item: fired in (time, scheduling order).
struct Scheduled: Hashable, Sendable, Comparable {
    var time: Instant
    var sequence: Int
    var item: Due
    /// The wire record this arrival completes (its index in `World.wire`), or -1.
    var wireRecord: Int
    static func < (a: Scheduled, b: Scheduled) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }
}

/// A binary min-heap: the clock pops only what is due, so idle sockets cost nothing per step.
struct MinHeap<Element: Comparable & Sendable & Hashable>: Sendable, Hashable {
    private(set) var elements: [Element] = []

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var min: Element? { elements.first }

    mutating func insert(_ e: Element) {
        elements.append(e)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let top = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < elements.count && elements[left] < elements[smallest] { smallest = left }
            if right < elements.count && elements[right] < elements[smallest] { smallest = right }
            if smallest == parent { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// A priority queue for items that mostly arrive in order: timers set a constant span after a
/// clock that only moves forward, handle values released in the order they were made.
///
/// Items that come in order (not less than the last one queued that way) go to a FIFO of
/// 512-item chunks; taking one only moves an index, and a chunk taken whole is dropped. The rest
/// go to a binary heap. So the session's checkpoints, which copy the world, share the FIFO's
/// chunks instead of copying a heap of every pending timer each (tens of megabytes after a
/// million commands, when every closed socket waits on its graceful timeout).
struct OrderedQueue<Element: Comparable & Sendable & Hashable>: Sendable, Hashable {
    private static var chunkSize: Int { 512 }
    /// Nondecreasing, oldest first; the first chunk's items before `head` are taken.
    private var inOrder: [[Element]] = []
    private var head = 0
    private var others = MinHeap<Element>()

    var isEmpty: Bool { inOrder.isEmpty && others.isEmpty }
    var count: Int { inOrder.reduce(0) { $0 + $1.count } - head + others.count }

    /// The least item, if any.
    var min: Element? {
        let first = inOrder.first.map { $0[head] }
        guard let other = others.min else { return first }
        guard let first else { return other }
        return other < first ? other : first
    }

    mutating func insert(_ e: Element) {
        if let last = inOrder.last?.last, e < last {
            others.insert(e)
            return
        }
        if inOrder.isEmpty || inOrder[inOrder.count - 1].count == Self.chunkSize {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            inOrder.append(chunk)
        }
        inOrder[inOrder.count - 1].append(e)
    }

    @discardableResult
    mutating func popMin() -> Element? {
        guard let first = inOrder.first.map({ $0[head] }) else { return others.popMin() }
        if let other = others.min, other < first { return others.popMin() }
        head += 1
        if head == inOrder[0].count {
            inOrder.removeFirst()
            head = 0
        }
        return first
    }
}
