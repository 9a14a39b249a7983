/// Something due at an instant: an arrival on the wire or a timer (SPEC.md "Timing").
enum Due: Hashable, Sendable {
    // Arrivals: they wait while the network is down (R22, R50).
    case finArrivesAtPeer(SocketID)
    case resetArrivesAtPeer(SocketID, WinsockError)
    case ackArrivesAtUs(SocketID)
    case peerDataArrives(SocketID, Int)
    case peerFinArrives(SocketID)
    case peerResetArrives(SocketID)
    // Timers: they run whatever the network does.
    case lingerTimeout(SocketID, generation: Int)
    case gracefulTimeout(SocketID)
    case timeWaitEnds(SocketID)

    var isArrival: Bool {
        switch self {
        case .finArrivesAtPeer, .resetArrivesAtPeer, .ackArrivesAtUs, .peerDataArrives,
             .peerFinArrives, .peerResetArrives:
            true
        case .lingerTimeout, .gracefulTimeout, .timeWaitEnds:
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
