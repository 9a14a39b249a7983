import Testing

/// The shared example scripts and every scenario of docs/rules.md run green: exit status 0.
@Suite("Scripts run green")
struct ScriptTests {
    @Test("example scripts", arguments: scripts(in: "Examples"))
    func example(_ name: String) throws {
        let run = try runScript("Examples", name)
        #expect(run.status == 0, "\(name) failed:\n\(run.err)")
        #expect(run.err.isEmpty)
    }

    @Test("docs/rules.md scenarios", arguments: scripts(in: "Scenarios"))
    func scenario(_ name: String) throws {
        let run = try runScript("Scenarios", name)
        #expect(run.status == 0, "\(name) failed:\n\(run.err)")
        #expect(run.err.isEmpty)
    }

    @Test("every docs/rules.md scenario has a script")
    func everyScenarioHasAScript() {
        let names = scripts(in: "Scenarios")
        for n in 1...28 {
            let prefix = "scenario-" + (n < 10 ? "0\(n)" : "\(n)") + "-"
            #expect(names.contains { $0.hasPrefix(prefix) }, "no script for scenario \(n)")
        }
    }
}
