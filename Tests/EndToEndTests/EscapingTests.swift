import Foundation
import Testing

/// Every line closelab prints about what the user gave it shows control characters escaped: a file
/// name or a word with an ESC in it can never clear the screen or recolour the terminal.
@Suite("Control characters in echoed input")
struct EscapingTests {
    static let escape = "\u{1B}"

    @Test("Confirmations, echoes, diagnostics and file names escape control characters")
    func everyEchoIsEscaped() throws {
        let directory = temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let e = EscapingTests.escape
        let recorded = directory.appendingPathComponent("x\(e)[2Jy").path
        let capture = directory.appendingPathComponent("p\(e)[2Jq").path
        let script = try temporaryFile("""
            socket
            record \(recorded)
            trace --pcap \(capture)
            snapshot a\(e)b
            restore z\(e)c
            expect h1.state == A\(e)[2J
            expect event FIN\(e)x
            frob\(e)

            """, name: "s\(e)[31mcript.lab")
        let run = try runBinary(["--echo", "--format", "plain", script.path])
        #expect(run.status == 2)
        #expect(!run.out.contains(e), "stdout: \(run.out)")
        #expect(!run.err.contains(e), "stderr: \(run.err)")
        // The confirmations name the files as written, escaped.
        #expect(run.out.contains("recorded 1 command to '\(directory.path)/x\\x1B[2Jy'"))
        #expect(run.out.contains("as a pcap capture to '\(directory.path)/p\\x1B[2Jq'"))
        #expect(run.out.contains("(`restore a\\x1Bb` brings it back)"))
        // --echo shows the line as typed, escaped.
        #expect(run.out.contains("> snapshot a\\x1Bb\n"))
        // Diagnostics: the script's name and the words in them.
        let name = script.deletingLastPathComponent().path + "/s\\x1B[31mcript.lab"
        #expect(run.err.contains("\(name):6: expected h1.state == A\\x1B[2J, got CREATED"), "stderr: \(run.err)")
        #expect(run.err.contains("\(name):7: expected event FIN\\x1Bx, got no events"))
        #expect(run.err.contains("\(name):8:1: unknown command 'frob\\x1B'"))
        #expect(FileManager.default.fileExists(atPath: recorded), "the file itself keeps its name")
    }

    @Test("A file that cannot be opened is named with its control characters escaped")
    func unreadableFileName() throws {
        let run = try runBinary(["/nonexistent/a\(EscapingTests.escape)]0;title\u{7}b.lab"])
        #expect(run.status == 2)
        #expect(run.err == "closelab: /nonexistent/a\\x1B]0;title\\x07b.lab: No such file or directory\n")
    }
}
