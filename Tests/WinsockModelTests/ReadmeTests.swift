import Foundation
import Testing

/// README.md's "Using the model as a test oracle" shows ReadmeExampleTests.swift whole: the example
/// there is compiled and run, and this test fails when the two drift apart.
@Suite struct ReadmeTests {
    @Test func theReadmeShowsTheExampleThatRuns() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = tests.deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: tests.appendingPathComponent("ReadmeExampleTests.swift"), encoding: .utf8)
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + example + "```\n"), "README.md must show ReadmeExampleTests.swift verbatim")
    }
}
