import Foundation
import Testing

/// The built binary, end to end: exit statuses, formats, the ways of giving it a script, and
/// bad input of every kind.
@Suite("closelab binary", .serialized)
struct BinaryTests {
    @Test func issueExampleFromStdin() throws {
        let run = try runBinary([], stdin: Data("socket\nclose h1\nclose h1\n".utf8))
        #expect(run.status == 0)
        #expect(run.out.contains("WSPSocket(stream) = h1"))
        #expect(run.out.contains("WSPCloseSocket(h1) = 0"))
        #expect(run.out.contains("WSPCloseSocket(h1) = SOCKET_ERROR (WSAENOTSOCK)"))
        // A table after each command, no prompt, no colour.
        #expect(run.out.components(separatedBy: "HANDLE  PROC  SOCKET").count - 1 == 3)
        #expect(!run.out.contains("P1/T1>"))
        #expect(!run.out.contains("\u{1B}["))
    }

    @Test func falseExpectationExitsOneWithFileAndLine() throws {
        let file = try temporaryFile("socket\nexpect h1.refcount == 2\nclose h1 => WSAEWOULDBLOCK\n")
        let run = try runBinary([file.path])
        #expect(run.status == 1)
        #expect(run.err.contains("\(file.path):2: expected h1.refcount == 2, got 1"))
        #expect(run.err.contains("\(file.path):3: expected WSPCloseSocket(h1) => WSAEWOULDBLOCK, got 0"))
    }

    @Test func unknownWordExitsTwoNamingIt() throws {
        let file = try temporaryFile("socket\nclsoe h1\nclose h1\n")
        let run = try runBinary([file.path])
        #expect(run.status == 2)
        #expect(run.err.contains("\(file.path):2:1: unknown command 'clsoe'"))
        // The script went on after the bad line.
        #expect(run.out.contains("WSPCloseSocket(h1) = 0"))
    }

    @Test func invalidBeatsFailedExpectation() throws {
        let run = try runBinary(["-c", "socket; expect h1.refcount == 9; frob"])
        #expect(run.status == 2)
        #expect(run.err.contains("-c:2: expected h1.refcount == 9, got 1"))
        #expect(run.err.contains("-c:3:2: unknown command 'frob'"))
    }

    @Test func jsonIsOneObjectPerCommand() throws {
        let run = try runBinary(["--format", "json", "-c", "socket; connect h1; send h1 100; close h1; advance 5ms; expect s1.peer.fin == true"])
        #expect(run.status == 0, "\(run.err)")
        let lines = run.out.split(separator: "\n")
        #expect(lines.count == 6)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let keys = Set(object?.keys.map { $0 } ?? [])
            #expect(keys.isSuperset(of: ["line", "input", "call", "result", "events", "time_ms", "handles", "sockets", "ops"]), "\(keys)")
        }
        let close = try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as! [String: Any]
        #expect(close["call"] as? String == "WSPCloseSocket")
        #expect((close["result"] as? [String: Any])?["return"] as? String == "0")
        let advance = try JSONSerialization.jsonObject(with: Data(lines[4].utf8)) as! [String: Any]
        #expect(advance["call"] is NSNull)
        #expect((advance["events"] as? [String])?.contains("FIN s1") == true)
        #expect(advance["time_ms"] as? Int == 5)
    }

    @Test func filesEachGetAFreshSession() throws {
        let a = try temporaryFile("socket => h1\n", name: "a.lab")
        let b = try temporaryFile("socket => h1\nexpect h1.process == P1\n", name: "b.lab")
        let run = try runBinary([a.path, b.path])
        #expect(run.status == 0, "\(run.err)")
    }

    @Test func unreadableFileExitsTwo() throws {
        let run = try runBinary(["/nonexistent/closelab-script.lab"])
        #expect(run.status == 2)
        #expect(run.err.contains("/nonexistent/closelab-script.lab"))
    }

    @Test func echoAndBail() throws {
        let run = try runBinary(["--echo", "--bail", "-c", "socket; expect h1.refcount == 5; close h1"])
        #expect(run.status == 1)
        #expect(run.out.contains("[t=0ms] P1/T1> socket"))
        #expect(!run.out.contains("WSPCloseSocket"), "--bail stops at the failed expectation")
    }

    @Test func formatOffPrintsOnlyErrors() throws {
        let run = try runBinary(["--format", "off", "-c", "socket; connect h1; expect h1.state == CLOSED"])
        #expect(run.out.isEmpty)
        #expect(run.err.contains("expected h1.state == CLOSED, got ESTABLISHED"))
    }

    @Test func helpAndVersion() throws {
        let help = try runBinary(["--help"])
        #expect(help.status == 0)
        #expect(help.out.contains("usage: closelab"))
        let version = try runBinary(["--version"])
        #expect(version.status == 0)
        #expect(version.out.hasPrefix("closelab "))
        let bad = try runBinary(["--frobnicate"])
        #expect(bad.status == 2)
        #expect(bad.err.contains("--frobnicate"))
    }

    @Test func badInputNeverCrashes() throws {
        var junk = Data("socket\n".utf8)
        junk.append(contentsOf: [0xFF, 0xFE, 0x0A])                    // invalid UTF-8
        junk.append(contentsOf: Array("close h\u{1}\u{7F}\n".utf8))     // control characters
        junk.append(contentsOf: Array("send h1 99999999999999999999999\n".utf8)) // a huge number
        junk.append(contentsOf: Array("\n\n   \n".utf8))                // empty lines
        junk.append(contentsOf: [UInt8](repeating: 0x61, count: (1 << 20) + 10) + [0x0A]) // a 1 MiB line
        junk.append(contentsOf: Array("close h1\n".utf8))
        let run = try runBinary([], stdin: junk)
        #expect(run.status == 2)
        #expect(run.err.contains("<stdin>:2:1: invalid UTF-8 (byte 0xFF at column 1)"))
        #expect(run.err.contains("<stdin>:3:7: "))
        #expect(run.err.contains("<stdin>:4:9: '99999999999999999999999': number too large"))
        #expect(run.err.contains("<stdin>:8:1: line too long"))
        #expect(run.err.count < 2000, "the long line is not echoed")
        #expect(!run.err.contains("Fatal error") && !run.err.contains("Stack"))
        #expect(run.out.contains("WSPCloseSocket(h1) = 0"), "the script goes on")
        for line in run.err.split(separator: "\n") { #expect(line.hasPrefix("<stdin>:"), "\(line)") }
    }

    @Test func tenMegabyteLineIsRejectedCleanly() throws {
        var input = Data("socket\n".utf8)
        input.append(Data(repeating: 0x62, count: 10 << 20))
        input.append(Data("\nclose h1\n".utf8))
        let run = try runBinary([], stdin: input)
        #expect(run.status == 2)
        #expect(run.err.contains("<stdin>:2:1: line too long"))
        #expect(run.out.contains("WSPCloseSocket(h1) = 0"))
    }

    @Test func closedPipeEndsQuietly() throws {
        let script = String(repeating: "socket\n", count: 20_000)
        let file = try temporaryFile(script)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "'\(closelabBinary)' '\(file.path)' | head -1; echo \"status=${PIPESTATUS:-x}\""]
        let out = Pipe(), err = Pipe()
        shell.standardOutput = out
        shell.standardError = err
        try shell.run()
        shell.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stdout.hasPrefix("WSPSocket(stream) = h1\n"))
        #expect(stderr.isEmpty, "no message when the reader goes away: \(stderr)")
    }

    @Test func sharedExamplesRunGreenThroughTheBinary() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("LabSessionTests/Examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".lab") }
        #expect(!files.isEmpty)
        for f in files {
            let run = try runBinary([dir.appendingPathComponent(f).path])
            #expect(run.status == 0, "\(f): \(run.err)")
        }
    }
}
