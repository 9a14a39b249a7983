import Testing
@testable import WinsockModel

/// The storage the session's checkpoints share: chunked tables and the mostly-ordered queues.
@Suite struct StorageTests {
    /// A deterministic stream of numbers (an LCG): the same on every machine.
    struct Numbers {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("OrderedQueue pops in order, whether items come in order or not", arguments: [0, 1, 2, 3])
    func orderedQueueMatchesASortedList(seed: Int) {
        var numbers = Numbers(state: UInt64(seed))
        var queue = OrderedQueue<Int>()
        var reference: [Int] = []
        var clock = 0
        for step in 0..<5_000 {
            if numbers.next(3) > 0 {
                // Mostly later than anything yet (a timer at now + a span), sometimes earlier.
                clock += numbers.next(4)
                let value = seed % 2 == 0 || numbers.next(5) > 0 ? clock + 100 : clock + numbers.next(100)
                queue.insert(value)
                reference.append(value)
            } else {
                reference.sort()
                let expected = reference.isEmpty ? nil : reference.removeFirst()
                #expect(queue.popMin() == expected, "step \(step)")
            }
            #expect(queue.count == reference.count)
            #expect(queue.min == reference.min())
        }
        reference.sort()
        var drained: [Int] = []
        while let x = queue.popMin() { drained.append(x) }
        #expect(drained == reference)
        #expect(queue.isEmpty)
    }

    @Test("a copy of a ChunkedArray is independent of the original")
    func chunkedArrayCopiesAreValues() {
        var a = ChunkedArray<Int>()
        for i in 0..<2_000 { a.append(i) }
        var b = a
        b[3] = -1
        b.append(2_000)
        a[1_500] = -2
        #expect(a.count == 2_000 && b.count == 2_001)
        #expect(a[3] == 3 && b[3] == -1)
        #expect(a[1_500] == -2 && b[1_500] == 1_500)
        #expect(Array(b.suffix(2)) == [1_999, 2_000])
        #expect(a != b)
        var c = ChunkedArray(0..<2_000)
        c[1_500] = -2
        #expect(c == a)
        #expect(c.hashValue == a.hashValue)
    }
}
