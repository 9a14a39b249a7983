import Foundation
import LabScript
@testable import LabSession
import Testing
import WinsockModel

/// A small seeded generator (SplitMix64): the same seed gives the same run on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random but plausible commands: names mostly of objects that exist, sizes around the buffers.
struct CommandGenerator {
    var rng: SeededGenerator

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func number(_ upTo: Int) -> Int { Int(rng.next() % UInt64(upTo + 1)) }

    mutating func command(in world: World) -> String {
        let h = "h\(1 + number(max(1, world.handles.count)))"
        let s = "s\(1 + number(max(1, world.sockets.count)))"
        let p = "P\(1 + number(max(1, world.processes.count)))"
        let t = "T\(1 + number(max(1, world.threads.count)))"
        let pi = "pi\(1 + number(max(1, world.protocolInfos.count)))"
        let size = pick([0, 1, 100, 1000, 4000, 30_000, 65_536, 100_000, 1 << 40])
        let call: String = pick([
            "socket", "socket", "socket nonblocking", "socket dgram", "connect \(h)", "connect \(h)",
            "setsockopt \(h) SO_LINGER \(pick([0, 1])) \(pick([0, 1, 5]))", "setsockopt \(h) SO_DONTLINGER \(pick([0, 1]))",
            "getsockopt \(h) SO_LINGER", "ioctl \(h) FIONBIO \(pick([0, 1]))",
            "send \(h) \(size)", "send \(h) \(size) overlapped", "recv \(h) \(pick([1, 100, 5000]))",
            "recv \(h) 100 overlapped", "shutdown \(h) \(pick(["send", "receive", "both", "7"]))",
            "close \(h)", "close \(h)", "close \(h)", "duplicate \(h) \(p)", "socket from \(pi)",
            "startup", "cleanup", "cancel", "cancel \(t)",
        ])
        return pick([
            call, call, call, call, call, "on \(t) \(call)", "on \(t) \(call)",
            "advance \(pick([0, 1, 5, 50, 1000, 130_000]))ms", "advance \(pick([1, 10, 100]))ms",
            "peer \(s) read", "peer \(s) read 100", "peer \(s) send \(pick([1, 500, 5000]))", "peer \(s) close",
            "peer \(s) reset", "peer \(s) window \(pick([0, 1000, 65536]))",
            "process new", "process exit \(p)", "thread new", "thread new \(p)", "use \(p)", "use \(t)",
            "set network \(pick(["up", "down", "up"]))", "set net latency \(pick([0, 2, 10]))ms",
            "set reuse \(pick(["on", "off"]))", "set sndbuf \(pick([1000, 65536]))", "set window \(pick([2000, 65536]))",
            "set profile \(pick(["docs", "docs", "windows", "reactos"]))", "set graceful-timeout \(pick([1, 120]))s",
            // The extremes of the arithmetic: rate 1, odd rates, 2^40-byte buffers, long waits.
            "set net rate \(pick([1, 3, 7, 3000, 999_983, 1_000_000, 1_000_000_007]))",
            "set sndbuf \(pick([1, 1000, 1 << 40]))", "set window \(pick([1, 1 << 40]))",
            "peer \(s) window \(pick([1, 1 << 40]))", "advance \(pick([1, 100, 52_560_000]))m",
        ])
    }
}

@Suite("Property: random command sequences keep the invariants")
struct PropertyTests {
    /// Steps per seed: 50 seeds × 2,000 = 10^5 random steps in `make test`; `make fuzz` sets
    /// PROPERTY_STEPS=20000 for 10^6.
    static let steps = Int(ProcessInfo.processInfo.environment["PROPERTY_STEPS"] ?? "") ?? 2_000

    /// Runs `steps` random commands from `seed`; returns the transcript and every broken invariant
    /// (the model's invariants include exact byte conservation — accepted = delivered + discarded
    /// + queued — and no negative count).
    func run(seed: UInt64, steps: Int, format: OutputFormat = .plain) -> (transcript: String, problems: [String]) {
        var generator = CommandGenerator(rng: SeededGenerator(seed: seed))
        var session = Session(format: format, display: .init(width: 120, usesColor: false))
        var transcript = ""
        var problems: [String] = []
        var lastTime = session.world.now
        for step in 1...steps {
            let line = generator.command(in: session.world)
            let reply = session.run(line: line, file: "seed\(seed)", line: step)
            transcript += "> \(line)\n" + reply.out + reply.err
            for v in session.world.invariantViolations() { problems.append("seed \(seed) step \(step) `\(line)`: \(v)") }
            if session.world.now < lastTime { problems.append("seed \(seed) step \(step): time went back") }
            lastTime = session.world.now
            if reply.err.contains("unknown command") || reply.err.contains("expected ") && !reply.err.contains("there is no") {
                // Generated lines are valid syntax; only session refusals (no such object) are expected.
                if reply.err.contains("unknown command") { problems.append("seed \(seed) step \(step): \(reply.err)") }
            }
            if problems.count > 5 { break }
        }
        return (transcript, problems)
    }

    @Test("invariants hold after every step", arguments: 1...50)
    func invariantsHold(seed: Int) {
        let (_, problems) = run(seed: UInt64(seed), steps: PropertyTests.steps, format: seed % 5 == 0 ? .plain : .off)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("the same seed gives the same output")
    func sameSeedSameOutput() {
        let a = run(seed: 7, steps: 300).transcript
        let b = run(seed: 7, steps: 300).transcript
        let c = run(seed: 8, steps: 300).transcript
        #expect(a == b)
        #expect(a != c)
        #expect(a.count > 1000)
    }
}
