import Foundation
import Testing

/// The repository's root: two folders above the tests directory (Tests/LabSessionTests).
let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

/// Runs `python3 <script> --check` from the repository root: its exit status and what it printed.
func runGeneratorCheck(_ script: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, "--check"]
    process.currentDirectoryURL = repositoryRoot
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The generated Swift files match their sources (docs/rules.md, Lessons/*.lab): a change to a
/// source without `make generate`, or a hand edit of a generated file, fails here.
@Suite("generated files")
struct GeneratedFilesTests {
    @Test(arguments: ["scripts/gen-rules.py", "scripts/gen-lessons.py"])
    func generatedFileIsUpToDate(script: String) throws {
        let (status, output) = try runGeneratorCheck(script)
        #expect(status == 0, "\(script) --check exited with \(status):\n\(output)")
    }
}
