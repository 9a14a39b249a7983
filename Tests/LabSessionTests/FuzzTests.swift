import Foundation
import LabSystem
import LabScript
@testable import LabSession
import Testing

/// Random bytes and random mutations of valid commands, through a live session: no crash, no
/// broken invariant, and every invalid line answered by exactly one clear `file:line:col:` error.
/// A short run is part of `make test`; `make fuzz` sets FUZZ_ITERATIONS for a long one.
@Suite("Fuzz")
struct FuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"] ?? "") ?? 3_000

    static let seeds = [
        "socket", "socket dgram nonblocking", "connect h1", "send h1 4000", "send h1 100 overlapped",
        "recv h1 10", "recv h1 5 overlapped", "close h1 => 0", "setsockopt h1 SO_LINGER 1 5",
        "setsockopt h1 SO_DONTLINGER 0", "getsockopt h1 SO_SNDBUF", "ioctl h1 FIONBIO 1", "shutdown h1 both",
        "duplicate h1 P2", "socket from pi1", "process new", "process exit P2", "thread new P1", "use T2",
        "on T2 cancel", "cancel T1", "peer s1 send 10", "peer s1 read", "peer s1 window 0", "advance 250ms",
        "set network down", "set reuse on", "expect h1.refcount == 1", "expect event RST s1", "explain",
        "show all", "help R12", "format json", "format plain", "startup", "cleanup", "set net rate 5",
    ]

    /// Mutates a valid line: flips, deletes, duplicates or inserts bytes, splices words.
    static func mutate(_ line: String, _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(line.utf8)
        let junk: [UInt8] = [0, 0x1B, 0x7F, 0xFF, 0xC3, 0xE2, 0x80, 0x3B, 0x23, 0x3D, 0x3E, 0x20, 0x39]
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] = junk[Int(rng.next() % UInt64(junk.count))]
            case 1 where !bytes.isEmpty: bytes.remove(at: position)
            case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
            case 3: bytes.insert(contentsOf: Array(String(rng.next()).utf8), at: position)
            case 4: bytes += Array(" ".utf8) + Array(seeds[Int(rng.next() % UInt64(seeds.count))].utf8)
            default: bytes.insert(contentsOf: Array("99999999999999999999".utf8), at: position)
            }
        }
        return bytes
    }

    @Test(arguments: [1, 2, 3])
    func mutatedCommandsNeverBreakTheSession(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919)
        var session = Session(format: .plain)
        var problems: [String] = []
        for i in 1...FuzzTests.iterations {
            let base = FuzzTests.seeds[Int(rng.next() % UInt64(FuzzTests.seeds.count))]
            let bytes: [UInt8]
            switch rng.next() % 4 {
            case 0: bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: bytes = Array(base.utf8)
            default: bytes = FuzzTests.mutate(base, &rng)
            }
            let invalidBefore = session.invalidLines
            let reply = session.run(bytes: bytes[...], file: "fuzz", line: i)
            let newInvalid = session.invalidLines - invalidBefore
            let errorLines = reply.err.split(separator: "\n")
            let diagnostics = errorLines.filter { $0.hasPrefix("fuzz:\(i):") && $0.dropFirst("fuzz:\(i):".count).first?.isNumber == true }
            if diagnostics.count != newInvalid {
                problems.append("line \(i) \(Array(bytes)): \(newInvalid) invalid, \(diagnostics.count) diagnostics: \(reply.err)")
            }
            for e in errorLines where !e.hasPrefix("fuzz:\(i):") {
                problems.append("line \(i): an error line without its location: \(e)")
            }
            for e in errorLines where e.count > 400 { problems.append("line \(i): an overlong error line") }
            problems += session.world.invariantViolations().map { "line \(i): \($0)" }
            if reply.quits { session = Session(format: .plain) }
            if problems.count > 5 { break }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(session.invalidLines > 0, "the fuzzer produced invalid lines")
    }

    /// Files under fuzz (`make fuzz` runs it long): `source`, `record`, `trace --pcap` and `compare`
    /// with random paths inside a temporary directory, written with the program's own safe writer.
    /// Every file outside that directory stays exactly as it was.
    @Test(arguments: [11, 12])
    func filesStayInsideTheirDirectory(seed: Int) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("closelab-fuzz-\(getpid())-\(seed)")
        let inside = root.appendingPathComponent("inside"), outside = root.appendingPathComponent("outside")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        for name in ["a.lab", "b.pcap", "inside.lab.tmp"] {
            try "precious \(name)\n".write(to: outside.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        func snapshot() -> [String: Data] {
            var all: [String: Data] = [:]
            for name in (try? FileManager.default.contentsOfDirectory(atPath: outside.path)) ?? [] {
                all[name] = FileManager.default.contents(atPath: outside.appendingPathComponent(name).path)
            }
            all["<root entries>"] = Data(((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted().joined(separator: "/").utf8)
            return all
        }
        let before = snapshot()
        let environment = Session.Environment(
            openScript: { path in
                guard let data = FileManager.default.contents(atPath: path) else { return .failure(TextError("cannot read")) }
                return .success(BufferLines([UInt8](data)))
            },
            writeFile: { path, bytes in Files.write(bytes, to: path).mapError { TextError($0.reason) } })
        var session = Session(format: .off, environment: environment)
        var rng = SeededGenerator(seed: UInt64(seed) &* 104_729)
        let names = ["a.lab", "b.pcap", "x", "sub/y.lab", "sub", ".", "..", "a.lab/z", "ünï côdé.lab", "\u{1B}[2J", "inside.lab"]
        for i in 1...(FuzzTests.iterations / 10) {
            let path = inside.path + "/" + names[Int(rng.next() % UInt64(names.count))]
            if rng.next() % 13 == 0 { try? FileManager.default.createDirectory(at: inside.appendingPathComponent("sub"), withIntermediateDirectories: true) }
            let line: String
            switch rng.next() % 7 {
            case 0: line = "record \(path)"
            case 1: line = "trace --pcap \(path)"
            case 2: line = "source \(path)"
            case 3: line = "compare"
            default: line = FuzzTests.seeds[Int(rng.next() % UInt64(FuzzTests.seeds.count))]
            }
            let reply = session.run(line: line, file: "fuzz", line: i)
            // A fresh session now and then: `compare` replays the whole history each time.
            if reply.quits || i % 300 == 0 { session = Session(format: .off, environment: environment) }
        }
        #expect(snapshot() == before, "a file outside the fuzzed directory changed")
    }
}
