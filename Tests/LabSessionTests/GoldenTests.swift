import Foundation
@testable import LabSession
import Testing

/// Golden transcripts: each example and scenario script, run with `--echo` in plain format at
/// width 120, must print exactly what its recorded transcript says. `RECORD=1 swift test`
/// rewrites them and fails the run, so a new baseline is always a reviewed change.
@Suite("Golden transcripts")
struct GoldenTests {
    static let cases: [String] = scripts(in: "Examples").map { "Examples/\($0)" } + scripts(in: "Scenarios").map { "Scenarios/\($0)" }

    @Test(arguments: cases)
    func transcript(_ path: String) throws {
        let parts = path.split(separator: "/").map(String.init)
        let run = try runScript(parts[0], parts[1], echo: true)
        try compare(run, golden: parts[1].replacingOccurrences(of: ".lab", with: ".txt"))
    }

    /// Each lesson as `closelab --lesson NAME` prints it: narration, commands, rules.
    @Test(arguments: lessons.map(\.name))
    func lessonTranscript(_ name: String) throws {
        let run = runScript("lesson \(name)\n", file: "--lesson")
        try compare(run, golden: "lesson-\(name).txt")
    }

    func compare(_ run: ScriptRun, golden name: String) throws {
        try checkGolden(run.out + (run.err.isEmpty ? "" : "--- stderr\n" + run.err), name)
    }
}
