import LabScript
@testable import LabSession
import Testing
import WinsockModel

/// `undo` and `explain` start from the nearest checkpoint of the history instead of replaying the
/// whole session: they must answer exactly as a full replay does. Each seed runs the same random
/// commands in two sessions, one with a checkpoint every 7 commands (so most answers come from a
/// checkpoint, thinned ones included) and one that never takes any (every answer a full replay).
@Suite("Checkpoints answer as a full replay")
struct CheckpointTests {
    /// Two sessions fed the same lines; `checked` never checkpoints.
    struct Pair {
        var checked: Session
        var full: Session
        var generator: CommandGenerator
        var step = 0

        init(seed: UInt64) {
            checked = Session(format: .plain, display: .init(width: 120, usesColor: false))
            checked.history.spacing = 7
            full = checked
            full.history.spacing = Int.max
            generator = CommandGenerator(rng: SeededGenerator(seed: seed))
        }

        /// Runs `line` in both; returns both outputs.
        mutating func run(_ line: String) -> (String, String) {
            step += 1
            let a = checked.run(line: line, file: "t", line: step)
            let b = full.run(line: line, file: "t", line: step)
            return (a.out + a.err, b.out + b.err)
        }

        mutating func randomLine() -> String { generator.command(in: full.world) }
    }

    @Test("every earlier state from a checkpoint equals the full replay", arguments: 1...6)
    func earlierStates(seed: Int) {
        var pair = Pair(seed: UInt64(seed))
        for _ in 0..<300 { _ = pair.run(pair.randomLine()) }
        let n = pair.checked.history.count
        #expect(n > 100, "most random commands change the world")
        #expect(pair.checked.history.checkpoints.count >= 3, "checkpoints were taken and thinned")
        #expect(pair.checked.history.checkpoints.count < n / 7, "old checkpoints were thinned")
        #expect(pair.full.history.checkpoints.isEmpty)
        for k in stride(from: 0, through: n, by: 5) {
            // Compared first, so a failure names the step instead of printing two whole worlds.
            let same = pair.checked.replayedWorld(upTo: k) == pair.full.replayedWorld(upTo: k)
            #expect(same, "state after \(k) commands")
        }
    }

    @Test("undo at any depth and explain answer the same", arguments: 1...6)
    func undoAndExplain(seed: Int) {
        var pair = Pair(seed: UInt64(seed) &+ 100)
        for _ in 0..<250 { _ = pair.run(pair.randomLine()) }
        var undone = 0
        // Undo far back, past several checkpoints (thinned ones too), explaining along the way
        // and branching off with new commands now and then.
        for round in 0..<60 {
            let (a, b) = pair.run("undo")
            #expect(a == b, "undo \(round)")
            if a.contains("undone:") { undone += 1 }
            let same = pair.checked.world == pair.full.world
            #expect(same, "world after undo \(round)")
            if round % 4 == 0 {
                let (ea, eb) = pair.run("explain")
                #expect(ea == eb, "explain after undo \(round)")
            }
            if round % 9 == 0 {
                let line = pair.randomLine()
                let (ca, cb) = pair.run(line)
                #expect(ca == cb, "\(line) after undo \(round)")
            }
        }
        #expect(undone > 40)
        for _ in 0..<30 { _ = pair.run(pair.randomLine()) }
        let (ea, eb) = pair.run("explain")
        #expect(ea == eb)
        #expect(pair.checked.world == pair.full.world)
    }

    @Test("a snapshot keeps its checkpoints: restore then undo answers as a full replay")
    func restoreKeepsCheckpoints() {
        var pair = Pair(seed: 42)
        for _ in 0..<120 { _ = pair.run(pair.randomLine()) }
        _ = pair.run("snapshot here")
        for _ in 0..<60 { _ = pair.run(pair.randomLine()) }
        _ = pair.run("restore here")
        #expect(pair.checked.history.checkpoints.count >= 2)
        for round in 0..<20 {
            let (a, b) = pair.run("undo")
            #expect(a == b, "undo \(round) after restore")
        }
        #expect(pair.checked.world == pair.full.world)
    }
}

@Suite("A jump in time prints what it changed")
struct JumpTablesTests {
    @Test("undo in a session over `set rows` lists the rows that differ from before it, then a summary")
    func undoListsTheRowsThatDiffer() throws {
        let script = "set rows 5\n" + String(repeating: "socket\n", count: 10) + "connect h3\nundo\n"
        let out = runScript(script).out
        let undo = String(out[try #require(out.range(of: "undone: connect h3")).lowerBound...])
        #expect(undo.contains("\nh3 "), "\(undo)")
        #expect(!undo.contains("\nh7 "), "\(undo)")
        #expect(undo.contains("9 other handles unchanged"), "\(undo)")
    }

    @Test("restore in a small session still lists every row")
    func restoreListsEveryRowWhileTheyFit() throws {
        let out = runScript("socket\nsocket\nsnapshot a\nconnect h1\nrestore a\n").out
        let restored = String(out[try #require(out.range(of: "restored 'a'")).lowerBound...])
        #expect(restored.contains("\nh1 ") && restored.contains("\nh2 "), "\(restored)")
    }
}

@Suite("The history keeps commands as text")
struct HistoryTextTests {
    @Test("commands typed with an inline expectation or odd spacing record once, canonically, with their results")
    func recordsCanonically() {
        var session = Session(format: .off)
        for (i, line) in ["socket   => h1", "on T1   connect h1", "send h1 100 => 100", "advance 1ms", "close h1"].enumerated() {
            _ = session.run(line: line, file: "t", line: i + 1)
        }
        let lines = session.recordedScript().split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == ["socket => h1", "on T1 connect h1 => 0", "send h1 100 => 100", "advance 1ms", "close h1 => 0"])
        #expect(session.history.count == 5)
        #expect(session.history.last?.command.scriptText == "close h1")
        #expect(session.history.removeLast().result == "0")
        #expect(session.history.count == 4)
        #expect(session.history[2].result == "100")
    }
}
