import Foundation
import LabScript
@testable import LabSession
import Testing

/// Where the test scripts live: beside this file, found through #filePath (tests read nothing
/// outside the repository).
let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

/// The `.lab` scripts of one folder under the tests directory, sorted by name.
func scripts(in folder: String) -> [String] {
    let dir = testsDirectory.appendingPathComponent(folder)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".lab") }.sorted()
}

struct ScriptRun {
    var status: Int32
    var out: String
    var err: String
}

/// Runs a script in-process, as `closelab --format plain FILE` would (width 120, no colour).
func runScript(_ folder: String, _ name: String, format: OutputFormat = .plain, echo: Bool = false) throws -> ScriptRun {
    let url = testsDirectory.appendingPathComponent(folder).appendingPathComponent(name)
    let bytes = [UInt8](try Data(contentsOf: url))
    return runScript(bytes: bytes, file: "\(folder)/\(name)", format: format, echo: echo)
}

func runScript(_ text: String, file: String = "<test>", format: OutputFormat = .plain, echo: Bool = false) -> ScriptRun {
    runScript(bytes: Array(text.utf8), file: file, format: format, echo: echo)
}

func runScript(bytes: [UInt8], file: String, format: OutputFormat = .plain, echo: Bool = false) -> ScriptRun {
    let base = testsDirectory
    var session = Session(format: format, display: .init(width: 120, usesColor: false),
                          environment: Session.Environment { path in
                              let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
                              guard let data = try? Data(contentsOf: url) else { return .failure(TextError("no such file")) }
                              return .success(BufferLines([UInt8](data)))
                          })
    session.echoes = echo
    var out = "", err = ""
    session.runScript(BufferLines(bytes), file: file) { reply in
        let (o, e) = reply.rendered()
        out += o
        err += e
        return true
    }
    return ScriptRun(status: session.exitStatus, out: out, err: err)
}

/// Compares `text` with the golden file `Golden/<name>`; `RECORD=1` rewrites it and fails the
/// run, so a new baseline is always a reviewed change.
func checkGolden(_ text: String, _ name: String) throws {
    let golden = testsDirectory.appendingPathComponent("Golden").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["RECORD"] == "1" {
        try text.write(to: golden, atomically: true, encoding: .utf8)
        Issue.record("recorded \(name); run again without RECORD=1 to compare")
        return
    }
    guard let expected = try? String(contentsOf: golden, encoding: .utf8) else {
        Issue.record("no golden transcript \(name): record it with RECORD=1 swift test")
        return
    }
    guard text != expected else { return }
    Issue.record("\(name) differs from its golden transcript (RECORD=1 swift test records the new one):\n\(unifiedDiff(expected, text, name: name))")
}

/// A unified diff (`diff -u`) of the golden transcript and what the run printed, so a failure
/// shows every changed line in context; the first differing line alone if `diff` is missing.
func unifiedDiff(_ expected: String, _ actual: String, name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("closelab-golden-\(getpid())-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let want = dir.appendingPathComponent("want"), got = dir.appendingPathComponent("got")
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try expected.write(to: want, atomically: true, encoding: .utf8)
        try actual.write(to: got, atomically: true, encoding: .utf8)
        let diff = Process()
        diff.executableURL = URL(fileURLWithPath: "/usr/bin/diff")
        diff.arguments = ["-u", "--label", "Golden/\(name)", "--label", "this run", want.path, got.path]
        let pipe = Pipe()
        diff.standardOutput = pipe
        try diff.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        diff.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    } catch {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let gotLine = line < a.count ? String(a[line]) : "<end>"
        let wantLine = line < b.count ? String(b[line]) : "<end>"
        return "at line \(line + 1):\n  got:  \(gotLine)\n  want: \(wantLine)"
    }
}
