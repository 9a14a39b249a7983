import Foundation
import Testing

/// `closelab --crosscheck FILE` end to end: the model under `--profile docs` against the real
/// kernel (the default profile, `linux`, is checked once the model has it).
@Suite("closelab --crosscheck")
struct CrossCheckBinaryTests {
    /// Whether the model has the `linux` profile yet.
    static let hasLinuxProfile: Bool = (try? runBinary(["--profile", "linux", "-c", "socket"]).status) == 0

    @Test func agreementExitsZero() throws {
        let file = try temporaryFile("""
            socket
            connect h1
            setsockopt h1 SO_LINGER 1 0
            close h1 => 0
            advance 50ms
            expect s1.peer.reset == true
            """)
        let run = try runBinary(["--profile", "docs", "--crosscheck", file.path])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        // The heading, unwrapped.
        let heading = run.out.components(separatedBy: "\n\n").first?
            .split(separator: "\n").map { $0.drop { $0 == " " } }.joined(separator: " ") ?? ""
        #expect(heading.hasPrefix("crosscheck \(file.path): the model under profile docs against the linux kernel"))
        #expect(run.out.contains("\nscript.lab:4  close h1 => 0\n    model    0; as expected\n"))
        #expect(run.out.contains("    s1.peer.reset  true           true\n"))
        #expect(run.out.contains("crosscheck: the model (docs) and the linux kernel agree at all 7 points compared"))
        for line in run.out.split(separator: "\n") { #expect(line.unicodeScalars.count <= 80, "\(line)") }
    }

    @Test func aDifferenceExitsOne() throws {   // R29 against J: the kernel takes SO_LINGER on UDP
        let file = try temporaryFile("socket dgram\nsetsockopt h1 SO_LINGER 1 5\nset net rate 100\n")
        let run = try runBinary(["--profile", "docs", "--crosscheck", file.path])
        #expect(run.status == 1, "\(run.out)\(run.err)")
        #expect(run.out.contains("  ≠ model    WSAENOPROTOOPT\n  ≠ kernel   0\n"))
        #expect(run.out.contains("    kernel   n/a: set net rate has no counterpart under the linux backend"))
        #expect(run.out.contains("  differ: script.lab:2, the end\n"))
    }

    @Test func invalidLinesAndUnreadableFilesExitTwo() throws {
        let file = try temporaryFile("socket\nfrob\nclose h1\n")
        let run = try runBinary(["--profile", "docs", "--crosscheck", file.path])
        #expect(run.status == 2)
        #expect(run.err == "\(file.path):2:1: unknown command 'frob'; `help` lists the commands\n")
        #expect(run.out.contains("\nscript.lab:3  close h1"), "the script goes on")
        let missing = try runBinary(["--profile", "docs", "--crosscheck", "/nonexistent/x.lab"])
        #expect(missing.status == 2)
        #expect(missing.err == "closelab: --crosscheck: /nonexistent/x.lab: No such file or directory\n")
        let both = try runBinary(["--backend", "linux", "--crosscheck", file.path])
        #expect(both.status == 2)
        #expect(both.err.contains("leave out --backend"))
    }

    @Test func theDefaultProfileIsLinux() throws {
        let file = try temporaryFile("socket\nclose h1 => 0\n")
        let run = try runBinary(["--crosscheck", file.path])
        #expect(CrossCheckBinaryTests.hasLinuxProfile)
        #expect(run.status == 0, "\(run.err)")
        // The heading wraps at 80 columns, and the temporary path is long.
        let heading = run.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(heading.contains("the model under profile linux"))
    }

    @Test func jsonIsOneObjectPerCommandWithBothSides() throws {
        let file = try temporaryFile("socket dgram\nsetsockopt h1 SO_LINGER 1 5\nshow\n")
        let run = try runBinary(["--profile", "docs", "--format", "json", "--crosscheck", file.path])
        #expect(run.status == 1)
        let objects = try run.out.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 5)   // three commands, the end, the summary
        #expect(objects[1]["input"] as? String == "setsockopt h1 SO_LINGER 1 5")
        #expect(objects[1]["agrees"] as? Bool == false)
        #expect((objects[1]["model"] as? [String: Any])?["result"] as? String == "WSAENOPROTOOPT")
        #expect((objects[1]["kernel"] as? [String: Any])?["result"] as? String == "0")
        #expect(objects[2]["comparison"] as? String == "not run")
        #expect(objects[3]["input"] is NSNull)
        #expect(((objects[4]["summary"] as? [String: Any])?["differ"] as? [String]) == ["\(file.path):2", "the end"])
    }

    /// The report streams: a command's part is written before the next line is even written.
    @Test func theReportStreamsLineByLine() throws {
        let dir = temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("script.lab").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let child = try SpawnedBinary(["--profile", "docs", "--crosscheck", fifo])
        defer { _ = child.wait(until: .now() + 10) }
        // Opened without blocking, once closelab has opened its end (never waits past a deadline).
        var fd: Int32 = -1
        #expect(wait(seconds: 10) {
            fd = open(fifo, O_WRONLY | O_NONBLOCK)
            return fd >= 0
        }, "closelab never opened the fifo: \(child.err)")
        guard fd >= 0 else { return }
        let writer = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        writer.write(Data("socket\nconnect h1\n".utf8))
        #expect(wait(seconds: 10) { child.out.contains("\nscript.lab:2  connect h1\n    model    0") },
                "the first lines' report before the end of the script: \(child.out)")
        #expect(!child.out.contains("at the end of"))
        writer.write(Data("close h1\n".utf8))
        try writer.close()
        #expect(child.wait(until: .now() + 10) == 0, "\(child.err)")
        #expect(child.out.contains("agree at all 4 points compared"))
    }
}
