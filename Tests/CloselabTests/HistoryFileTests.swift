@preconcurrency import CEditLine
import Foundation
import Synchronization
import Testing
@testable import closelab

/// The prompt's history file: concurrent prompts append under a lock and merge, never overwrite
/// each other; the file is trimmed to its limit and replaced whole.
@Suite("History file")
struct HistoryFileTests {
    @Test("Two prompts saving in turn keep both sessions' entries, in the order typed")
    func twoSessionsInTurn() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let first = HistoryFile(path: path, limit: 100, report: { Issue.record("unexpected: \($0)") })
        let second = HistoryFile(path: path, limit: 100, report: { Issue.record("unexpected: \($0)") })
        #expect(first.append("socket"))
        #expect(second.append("process-new"))
        #expect(first.append("close-h1"))
        #expect(second.append("advance-1ms"))
        #expect(try entries(of: path) == ["socket", "process-new", "close-h1", "advance-1ms"])
        #expect(try directory.names() == ["history", "history.lock"], "no temporary file is left")
    }

    @Test("Prompts appending at the same time lose nothing")
    func concurrentAppends() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let sessions = 4, perSession = 25
        let problems = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: sessions) { session in
            let file = HistoryFile(path: path, limit: 1000, report: { message in
                problems.withLock { $0.append("session \(session): \(message)") }
            })
            for n in 1...perSession where !file.append("s\(session)-e\(n)") {
                problems.withLock { $0.append("session \(session): entry \(n) not saved at once") }
            }
        }
        #expect(problems.withLock { $0 } == [])
        let saved = try entries(of: path)
        #expect(saved.count == sessions * perSession)
        for session in 0..<sessions {
            // Each session's entries are all there, in the order it typed them.
            let own = saved.filter { $0.hasPrefix("s\(session)-") }
            #expect(own == (1...perSession).map { "s\(session)-e\($0)" })
        }
        #expect(try directory.names() == ["history", "history.lock"])
    }

    @Test("The file keeps the newest entries up to its limit")
    func trimmedToLimit() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let other = HistoryFile(path: path, limit: 5, report: { _ in })
        for n in 1...3 { other.append("other\(n)") }
        let file = HistoryFile(path: path, limit: 5, report: { _ in })
        for n in 1...4 { file.append("mine\(n)") }
        #expect(try entries(of: path) == ["other3", "mine1", "mine2", "mine3", "mine4"])
    }

    @Test("A file that is not a history file is never overwritten; the entry stays pending")
    func unreadableFileIsKept() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        try "echo this is a shell's history\n".write(toFile: path, atomically: false, encoding: .utf8)
        var reports: [String] = []
        let file = HistoryFile(path: path, limit: 100, report: { reports.append($0) })
        #expect(!file.append("socket"))
        #expect(!file.append("close-h1"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "echo this is a shell's history\n")
        #expect(reports.count == 1, "one report per prompt: \(reports)")
        #expect(reports.first?.contains("cannot read the history file") == true)
        #expect(file.pending == ["socket", "close-h1"])
    }

    @Test("The file keeps its permissions when it is replaced")
    func permissionsKept() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let file = HistoryFile(path: path, limit: 100, report: { _ in })
        file.append("socket")
        #expect(chmod(path, 0o640) == 0)
        file.append("close-h1")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
    }

    @Test("Entries with blanks and backslashes come back as typed")
    func encodedEntries() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let file = HistoryFile(path: path, limit: 100, report: { _ in })
        file.append("on T2 send h1 100")
        file.append(#"record a\b"#)
        // A new prompt loads them through libedit, as typed.
        let loaded = try #require(history_init())
        defer { history_end(loaded) }
        var event = HistEvent()
        _ = closelab_history_int(loaded, &event, H_SETSIZE, 100)   // a new History keeps none
        HistoryFile(path: path, limit: 100, report: { _ in }).load(into: loaded)
        var texts: [String] = []
        var status = closelab_history_int(loaded, &event, H_LAST, 0)
        while status != -1, let text = event.str {
            texts.append(String(cString: text))
            status = closelab_history_int(loaded, &event, H_PREV, 0)
        }
        #expect(texts == ["on T2 send h1 100", #"record a\b"#])
    }

    /// The entries of a libedit history file (entries without blanks or backslashes, which
    /// libedit would encode).
    private func entries(of path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "_HiStOrY_V2_")
        lines.removeFirst()
        return lines
    }
}

/// A fresh directory, removed with everything in it when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "closelab-history-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}
