import Foundation
import LabRendering
import LabScript
@testable import LabSession
import Testing
import WinsockModel

/// An in-memory file system for `record` and `trace --pcap`.
final class MemoryFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [String: [UInt8]] = [:]
    subscript(path: String) -> [UInt8]? { lock.withLock { files[path] } }
    var environment: Session.Environment {
        Session.Environment(
            openScript: { [self] path in
                lock.withLock { files[path] }.map { .success(BufferLines($0)) } ?? .failure(TextError("no such file"))
            },
            writeFile: { [self] path, bytes in lock.withLock { files[path] = bytes }; return .success(()) })
    }
}

/// Runs lines in one session and returns it with everything it printed.
@discardableResult
func drive(_ session: inout Session, _ lines: [String]) -> (out: String, err: String) {
    var out = "", err = ""
    for (i, line) in lines.enumerated() {
        let r = session.run(line: line, file: "t", line: i + 1)
        out += r.out
        err += r.err
    }
    return (out, err)
}

/// The json `handles`, `sockets` and `ops` of a `show` right now.
func tables(_ session: inout Session) -> String {
    let saved = session.format
    _ = session.run(line: "format json", file: "t", line: 0)
    let out = session.run(line: "show all", file: "t", line: 0).out
    _ = session.run(line: "format \(saved.rawValue)", file: "t", line: 0)
    guard let data = out.data(using: .utf8),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "<no json: \(out)>" }
    let state: [String: Any] = ["handles": object["handles"] ?? [], "sockets": object["sockets"] ?? [],
                                "ops": object["ops"] ?? [], "time_ms": object["time_ms"] ?? -1]
    let bytes = try? JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])
    return bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
}

@Suite("Time travel")
struct TimeTravelTests {
    static let setup = ["socket", "connect h1", "peer s1 window 1000", "send h1 3000", "recv h1 10 overlapped",
                        "setsockopt h1 SO_LINGER 1 2", "thread new", "advance 1ms"]

    @Test func undoBringsBackExactlyTheEarlierTables() {
        var s = Session(format: .plain)
        drive(&s, TimeTravelTests.setup)
        let before = tables(&s)
        for command in ["close h1", "advance 3s", "peer s1 read", "process new", "set profile reactos"] {
            drive(&s, [command])
            if !["process new", "set profile reactos"].contains(command) {
                #expect(tables(&s) != before, "\(command) changed nothing?")
            }
            let out = drive(&s, ["undo"]).out
            #expect(out.hasPrefix("undone: \(command)"), "\(out)")
            #expect(tables(&s) == before, "after undoing \(command)")
        }
        #expect(s.world.settings.profile == .docs)
    }

    @Test func undoWithNothingToUndoSaysSo() {
        var s = Session(format: .plain)
        let out = drive(&s, ["undo"]).out
        #expect(out.contains("nothing to undo"))
        #expect(s.invalidLines == 0)
    }

    @Test func restoreBringsBackASnapshotAndItsHistory() {
        var s = Session(format: .plain)
        drive(&s, TimeTravelTests.setup + ["snapshot lingering"])
        let before = tables(&s)
        drive(&s, ["close h1", "advance 5s", "set profile windows"])
        #expect(tables(&s) != before)
        drive(&s, ["restore lingering"])
        #expect(tables(&s) == before)
        #expect(s.world.settings.profile == .docs)
        // The history came back too: undo now takes back the last command before the snapshot.
        drive(&s, ["undo"])
        #expect(s.world.now.milliseconds == 0)
        let (_, err) = drive(&s, ["restore nosuch"])
        #expect(err.contains("no snapshot named 'nosuch'"))
    }

    @Test func whatifChangesNothingAndShowsTheCall() {
        var s = Session(format: .plain)
        drive(&s, TimeTravelTests.setup)
        let before = tables(&s)
        let out = drive(&s, ["whatif close h1"]).out
        #expect(out.contains("T1 blocked in WSPCloseSocket(h1)"))
        #expect(out.contains("ABORT op1 WSA_OPERATION_ABORTED"))
        #expect(tables(&s) == before)
        let hard = drive(&s, ["whatif setsockopt h1 SO_LINGER 1 0"]).out
        #expect(hard.contains("= 0"))
        #expect(s.world.socket(SocketID(rawValue: 1))?.linger == Linger(onoff: 1, seconds: 2))
        let advance = drive(&s, ["whatif advance 3s"]).out
        #expect(advance.contains("LINGER-TIMEOUT") == false, "nothing lingers yet: \(advance)")
        #expect(s.world.now.milliseconds == 1)
    }

    @Test func recordWritesAScriptThatReplaysGreen() {
        let files = MemoryFiles()
        var s = Session(format: .plain, environment: files.environment, settings: { var x = Settings(); x.profile = .windows; return x }())
        drive(&s, TimeTravelTests.setup + ["close h1", "expect h1.pending == 0", "advance 3s", "close h1", "record /session.lab"])
        let text = String(decoding: files["/session.lab"] ?? [], as: UTF8.self)
        #expect(text.contains("set profile windows"))
        #expect(text.contains("close h1 => blocked"))
        #expect(text.contains("close h1 => WSAENOTSOCK"))
        #expect(!text.contains("expect"))
        let replay = runScript(text, file: "/session.lab")
        #expect(replay.status == 0, "\(replay.err)")
        // And it really checks itself: a changed result fails.
        let broken = runScript(text.replacingOccurrences(of: "close h1 => WSAENOTSOCK", with: "close h1 => 0"))
        #expect(broken.status == 1)
    }
}

@Suite("Profiles")
struct ProfileScriptTests {
    @Test("a script per difference of docs/rules.md section J", arguments: scripts(in: "Profiles").filter { !$0.hasPrefix("compare") })
    func differenceScript(_ name: String) throws {
        let run = try runScript("Profiles", name)
        #expect(run.status == 0, "\(name):\n\(run.err)")
    }

    @Test func compareShowsEachDifferenceAndNothingElse() throws {
        let url = testsDirectory.appendingPathComponent("Profiles/compare-all-differences.lab")
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            Session.ScriptLine(text: String($0.element), file: "compare-all-differences.lab", line: $0.offset + 1)
        }
        let (report, invalid) = Session.compare(lines, style: Style(frame: .plain, width: 120, usesColor: false))
        #expect(invalid == 0)
        try checkGolden(report, "compare-all-differences.txt")
        // Every difference of section J appears, linux's among them.
        for phrase in ["ERROR_CONNECTION_ABORTED", "WSAECONNABORTED", "setsockopt h4 SO_LINGER 1 5",
                       "setsockopt h4 SO_DONTLINGER 0", "leaked", "FIN s5", "cleanup",
                       "linux   BLOCK T2 WSPCloseSocket", "linux   LINGER-TIMEOUT s7, WAKE T3 WSPCloseSocket = 0",
                       "s8 HELD       orphan      orphan      orphan      held", ":62  recv h10 10",
                       "h10 RECVQ     0              0              0              10"] {
            #expect(report.contains(phrase), "\(phrase)")
        }
        // Commands that behave the same under every profile do not appear, nor do those whose
        // only difference is linux's missing WPU up-call (R6, R40).
        for quiet in [":4  socket", ":5  connect h1", ":10  connect h3", ":40  close h4", ":66  recv h7 10 overlapped"] {
            #expect(!report.contains(quiet), "\(quiet)")
        }
    }

    @Test func explainNamesTheProfileAndWhatTheOthersWouldDo() {
        var s = Session(format: .plain)
        drive(&s, ["socket nonblocking", "connect h1", "peer s1 window 0", "send h1 500", "setsockopt h1 SO_LINGER 1 5", "close h1"])
        let text = s.explanation().plainText
        #expect(text.contains("Profile: docs; windows would do the same"))
        #expect(text.contains("under reactos"))
        #expect(text.contains("s1 REFCNT 0 (here 1)"))
        var r = Session(format: .plain)
        drive(&r, ["set profile reactos", "socket", "close h1"])
        // linux makes no up-call (R40) and, that apart, closes an unconnected socket the same way.
        #expect(r.explanation().plainText.contains("Profile: reactos; docs, windows and linux would do the same."))
        #expect(r.prompt.contains("reactos"))
    }

    @Test func jsonNamesTheProfile() {
        var s = Session(format: .json)
        let out = drive(&s, ["set profile windows", "socket"]).out
        #expect(out.split(separator: "\n").allSatisfy { $0.contains("\"profile\":\"windows\"") })
    }
}

@Suite("Lessons")
struct LessonTests {
    @Test func atLeastTheLessonsTheIssueNames() {
        let names = Set(lessons.map(\.name))
        for name in ["linger-table", "orphaned-close", "wouldblock-escapes", "shared-sockets", "pending-operations",
                     "close-versus-cleanup", "ifs-versus-nonifs", "graceful-teardown", "windows-versus-linux"] {
            #expect(names.contains(name), "\(name)")
        }
    }

    @Test("each lesson runs green as a script", arguments: lessons.map(\.name))
    func lessonRunsGreen(_ name: String) throws {
        let l = try #require(lesson(named: name))
        let run = runScript(l.text, file: "lesson \(name)")
        #expect(run.status == 0, "\(run.err)")
        #expect(!l.title.isEmpty && !l.summary.isEmpty)
        #expect((3...8).contains(l.steps.count))
        for (i, step) in l.steps.enumerated() {
            #expect(!step.narration.isEmpty, "step \(i + 1)")
            #expect(!step.lines.isEmpty, "step \(i + 1)")
            #expect(step.rule != nil, "step \(i + 1) names no rule")
        }
    }

    @Test("the binary carries exactly the lesson files", arguments: lessons.map(\.name))
    func embeddedCopyMatchesTheFile(_ name: String) throws {
        let url = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Lessons/\(name).lab")
        let file = try String(contentsOf: url, encoding: .utf8)
        #expect(lesson(named: name)?.text == file.trimmingCharacters(in: .newlines),
                "Lessons/\(name).lab changed: run scripts/gen-lessons.py")
    }

    @Test func lessonsInTheFolderAreAllEmbedded() throws {
        let dir = testsDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Lessons")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".lab") }
        #expect(Set(files.map { String($0.dropLast(4)) }) == Set(lessons.map(\.name)))
    }

    @Test func atThePromptEnterRunsOneStepAtATime() throws {
        var s = Session(format: .plain)
        s.isInteractive = true
        let first = try #require(lessons.first)
        let start = drive(&s, ["lesson \(first.name)"]).out
        #expect(start.contains("Press Enter to run step 1 of \(first.steps.count)"))
        #expect(s.prompt.contains("lesson \(first.name) 1/\(first.steps.count)"))
        let step = s.continueLesson().out
        #expect(step.contains("Step 1 of \(first.steps.count)"))
        #expect(step.contains(first.steps[0].narration.split(separator: " ").prefix(3).joined(separator: " ")))
        #expect(step.contains("Rule \(first.steps[0].rule!)"))
        #expect(s.prompt.contains("2/\(first.steps.count)"))
        drive(&s, ["lesson stop"])
        #expect(!s.isInLesson)
        for _ in 0..<first.steps.count { _ = s.continueLesson() }
        #expect(s.failedExpectations == 0 && s.invalidLines == 0)
    }

    @Test func unknownLessonIsAnInvalidLine() {
        var s = Session(format: .plain)
        let err = drive(&s, ["lesson nosuch"]).err
        #expect(err.contains("no lesson named 'nosuch'"))
        #expect(s.exitStatus == 2)
    }
}

@Suite("What changed")
struct DiffTests {
    @Test func changedCellsAreMarkedInPlainOutputWhenDiffIsOn() {
        var s = Session(format: .plain)
        drive(&s, ["set diff on", "socket", "connect h1"])
        let send = drive(&s, ["send h1 100"]).out
        let row = send.split(separator: "\n").first { $0.hasPrefix("h1 ") } ?? ""
        #expect(row.contains("100*"), "\(send)")
        #expect(!row.contains("P1*"), "unchanged cells are not marked")
        let close = drive(&s, ["close h1"]).out
        #expect(close.contains("closed (just released)*"), "\(close)")
        let next = drive(&s, ["advance 1ms"]).out
        #expect(!next.contains("just released"))
    }

    @Test func diffIsOffByDefaultInPlainOutput() {
        var s = Session(format: .plain)
        let out = drive(&s, ["socket", "connect h1", "send h1 100"]).out
        #expect(!out.contains("*"))
    }
}

@Suite("Discoverable")
struct DiscoverabilityTests {
    @Test func helpListsEveryCommand() {
        let s = Session(format: .plain)
        guard case .success(let help) = s.help(nil) else { Issue.record("no help"); return }
        let text = help.plainText
        for spec in commandCatalog { #expect(text.contains("  \(spec.name)"), "\(spec.name)") }
        for rule in RuleID.all {
            guard case .success(let r) = s.help(rule.name) else { Issue.record("help \(rule)"); continue }
            #expect(r.plainText.hasPrefix("\(rule) ("), "\(rule)")
        }
    }

    @Test func theManPageCoversTheCommandsAndOptions() throws {
        let url = testsDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("closelab.1")
        let page = try String(contentsOf: url, encoding: .utf8)
        for word in ["lesson", "trace", "undo", "snapshot", "restore", "whatif", "record", "compare", "\\-\\-lesson",
                     "\\-\\-list\\-lessons", "\\-\\-compare", "\\-\\-profile", "\\-\\-format", "\\-\\-echo", "\\-\\-bail",
                     "CLOSELAB_HISTORY", "NO_COLOR", "EXIT STATUS"] {
            #expect(page.contains(word), "\(word)")
        }
    }

    /// docs/language.md, the users' reference, names every command and every `set` setting.
    @Test func theLanguageReferenceCoversEveryCommandAndSetting() throws {
        let url = testsDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/language.md")
        let reference = try String(contentsOf: url, encoding: .utf8)
        for spec in commandCatalog {
            #expect(reference.contains("`\(spec.name)"), "docs/language.md does not name `\(spec.name)`")
        }
        var s = Session(format: .plain)
        let settings = s.runScript("help set", file: "t").out.split(separator: "\n")
            .filter { $0.hasPrefix("usage: set ") }
            .map { $0.dropFirst("usage: ".count).split(separator: " ").prefix { !$0.contains("|") && !$0.contains("<") }.joined(separator: " ") }
        #expect(settings.count >= 14, "\(settings)")
        for setting in settings {
            #expect(reference.contains("`\(setting)`"), "docs/language.md does not name `\(setting)`")
        }
    }
}

@Suite("Large sessions")
struct LargeSessionTests {
    @Test func tablesOverTheRowLimitShowTheChangedRowsAndASummary() {
        var s = Session(format: .plain)
        drive(&s, (1...50).map { _ in "socket" })
        let out = drive(&s, ["connect h7"]).out
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("h") }
        #expect(rows.count == 1 && rows[0].hasPrefix("h7 "), "\(out)")
        #expect(out.contains("… 49 other handles unchanged (`show handles` lists all)"))
        let all = drive(&s, ["show handles"]).out
        #expect(all.split(separator: "\n").filter { $0.hasPrefix("h") }.count == 50)
        drive(&s, ["set rows 60"])
        let small = drive(&s, ["connect h8"]).out
        #expect(small.split(separator: "\n").filter { $0.hasPrefix("h") }.count == 50)
    }

    @Test func jsonOverTheRowLimitSaysHowManyItLeftOut() throws {
        var s = Session(format: .json)
        drive(&s, (1...45).map { _ in "socket" })
        let out = drive(&s, ["connect h3"]).out
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect((object["handles"] as? [Any])?.count == 1)
        #expect(object["handles_omitted"] as? Int == 44)
    }
}
