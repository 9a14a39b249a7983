import Foundation
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
        let text = run.out + (run.err.isEmpty ? "" : "--- stderr\n" + run.err)
        let golden = testsDirectory.appendingPathComponent("Golden")
            .appendingPathComponent(parts[1].replacingOccurrences(of: ".lab", with: ".txt"))
        if ProcessInfo.processInfo.environment["RECORD"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden.lastPathComponent); run again without RECORD=1 to compare")
            return
        }
        guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
            Issue.record("no golden transcript \(golden.lastPathComponent): record it with RECORD=1 swift test")
            return
        }
        if text != expected {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            let got = line < a.count ? String(a[line]) : "<end>"
            let want = line < b.count ? String(b[line]) : "<end>"
            Issue.record("\(parts[1]) differs from its golden transcript at line \(line + 1):\n  got:  \(got)\n  want: \(want)")
        }
    }
}
