import LabScript
@testable import LabSession
import Testing
@testable import WinsockModel

/// The socket store packs idle sockets (orphans, released and leaked sockets with nothing
/// queued or waiting) and unpacks them when something reaches them again. Packing must change
/// nothing anybody can see.
@Suite("Packing idle sockets changes nothing")
struct PackingTests {
    func session(seed: UInt64, steps: Int, packs: Bool, profile: String = "docs")
        -> (transcript: String, session: Session, packed: Int) {
        var generator = CommandGenerator(rng: SeededGenerator(seed: seed))
        var session = Session(format: .plain, display: .init(width: 120, usesColor: false))
        _ = session.run(line: "set profile \(profile)", file: "seed\(seed)", line: 0)
        session.world.packsIdleSockets = packs
        var transcript = ""
        var packed = 0
        for step in 1...steps {
            let line = generator.command(in: session.world)
            let reply = session.run(line: line, file: "seed\(seed)", line: step)
            transcript += "> \(line)\n" + reply.out + reply.err
            packed = max(packed, session.world.sockets.indices.filter { session.world.sockets.isPacked($0) }.count)
        }
        return (transcript, session, packed)
    }

    @Test("a random session prints the same with and without packing",
          arguments: [("docs", 1), ("docs", 2), ("docs", 3), ("docs", 4), ("docs", 5), ("docs", 6), ("windows", 7),
                      ("reactos", 8), ("linux", 9), ("linux", 10), ("linux", 11), ("linux", 12)])
    func sameTranscript(profile: String, seed: Int) {
        let packing = session(seed: UInt64(seed), steps: 600, packs: true, profile: profile)
        let plain = session(seed: UInt64(seed), steps: 600, packs: false, profile: profile)
        #expect(packing.transcript == plain.transcript)
        var packed = packing.session.world
        packed.packsIdleSockets = false
        #expect(packed == plain.session.world, "\(packing.transcript.count) \(plain.transcript.count) \(packing.session.world.now) \(plain.session.world.now)")
        #expect(plain.packed == 0)
    }

    @Test("random sessions do pack sockets")
    func packingHappens() {
        let total = (1...12).map { session(seed: UInt64($0), steps: 600, packs: true).packed }.reduce(0, +)
        #expect(total > 20, "only \(total) sockets were ever packed: the equality above proves little")
    }

    @Test("every socket of random sessions unpacks equal to itself", arguments: 1...12)
    func roundTrip(seed: Int) {
        var generator = CommandGenerator(rng: SeededGenerator(seed: UInt64(seed) + 100))
        var session = Session(format: .off, display: .init(width: 120, usesColor: false))
        for step in 1...400 {
            _ = session.run(line: generator.command(in: session.world), file: "seed", line: step)
            for s in session.world.sockets {
                var w = ByteWriter()
                s.pack(into: &w)
                var bytes = ChunkedArray<UInt8>()
                bytes.append(contentsOf: w.bytes)
                var r = ByteReader(store: bytes, offset: 0)
                let back = Socket(unpacking: &r, id: s.id)
                #expect(back == s, "seed \(seed) step \(step): \(s.id) came back different")
                #expect(r.offset == w.bytes.count)
                if back != s { return }
            }
        }
    }

    @Test("values at the edges of each field come back", arguments: [0, 1, 63, 64, -1, -64, -65, Int.max, Int.min, 1 << 40])
    func edges(value: Int) {
        var w = ByteWriter()
        w.put(value)
        w.put(Int64(value))
        var bytes = ChunkedArray<UInt8>()
        bytes.append(contentsOf: w.bytes)
        var r = ByteReader(store: bytes, offset: 0)
        #expect(r.int() == value)
        #expect(r.int64() == Int64(value))
    }

    @Test("a packed orphan is unpacked when its peer acts, and packed again")
    func peerReachesPackedSocket() {
        var session = Session(format: .plain, display: .init(width: 120, usesColor: false))
        for line in ["socket", "connect h1", "send h1 100", "advance 1ms", "close h1", "advance 1s"] {
            _ = session.run(line: line, file: "t", line: 1)
        }
        #expect(session.world.sockets.isPacked(0))
        let reply = session.run(line: "peer s1 read", file: "t", line: 2)
        #expect(reply.out.contains("100"), "\(reply.out)")
        #expect(session.world.sockets.isPacked(0))
        _ = session.run(line: "peer s1 close", file: "t", line: 3)
        _ = session.run(line: "advance 1s", file: "t", line: 4)
        #expect(session.world.sockets[0].state == .timeWait)
        #expect(session.world.sockets[0].peer?.read == 100)
    }

    @Test("bytes appended in runs across chunk boundaries read back in order")
    func bulkAppend() {
        var chunked = ChunkedArray<UInt8>()
        var flat: [UInt8] = []
        for run in 0..<2_000 {
            let bytes = (0..<(run % 41)).map { UInt8(truncatingIfNeeded: run &* 31 &+ $0) }
            chunked.append(contentsOf: bytes)
            flat += bytes
        }
        #expect(flat.count > 3 * 8192)
        #expect(chunked.count == flat.count)
        #expect(Array(chunked) == flat)
    }
}
