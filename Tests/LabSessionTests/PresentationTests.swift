import Foundation
import LabRendering
import LabScript
@testable import LabSession
import Testing
import WinsockModel

/// What the user sees (issue 14): tables that fit the terminal, prose wrapped to it, json that is
/// always json, output in order, colour with meaning.
@Suite("Presentation")
struct PresentationTests {
    /// A session as on a terminal of `width` columns, colour off (so the change marker is `*`).
    static func terminal(_ format: OutputFormat, width: Int, color: Bool = false) -> Session {
        Session(format: format, display: .init(width: width, usesColor: color, isTerminal: true),
                marksChanges: format == .box || format == .plain)
    }

    static func printed(_ session: inout Session, _ script: String) -> (out: String, err: String) {
        let reply = session.runScript(script, file: "t")
        return reply.rendered()
    }

    static let sessions: [(name: String, script: String)] = [
        ("hard-close", "socket; connect h1; send h1 4000; close h1\nsocket; connect h2; send h2 3000; setsockopt h2 SO_LINGER 1 0; close h2"),
        ("orphan-and-linger", "socket nonblocking; connect h1; peer s1 window 1000; send h1 65536; setsockopt h1 SO_LINGER 1 65535\nclose h1; setsockopt h1 SO_LINGER 0 0; close h1; advance 2ms"),
        ("shared", "process new; socket; connect h1; duplicate h1 P2; on T2 socket from pi1; close h1; show all"),
    ]

    /// The same sessions at 60, 80, 100 and 120 columns, box and plain.
    @Test(arguments: sessions.indices)
    func tablesAtEveryWidth(_ i: Int) throws {
        let (name, script) = PresentationTests.sessions[i]
        var transcript = ""
        for format in [OutputFormat.box, .plain] {
            for width in [60, 80, 100, 120] {
                var s = PresentationTests.terminal(format, width: width)
                s.echoes = true
                let out = PresentationTests.printed(&s, script).out
                transcript += "==== \(format) at \(width) columns\n" + out
                for line in out.split(separator: "\n") {
                    #expect(line.count <= width, "\(name) \(format) \(width): \(line.count) columns: \(line)")
                }
            }
        }
        try checkGolden(transcript, "width-\(name).txt")
    }

    /// Up to 99 handles with ordinary values: the handle table is a table at 80 columns.
    @Test(arguments: [OutputFormat.box, .plain])
    func ninetyNineHandlesFitEightyColumns(_ format: OutputFormat) {
        var s = PresentationTests.terminal(format, width: 80)
        _ = s.runScript("set rows 200\n" + String(repeating: "socket nonblocking\nconnect h1\n", count: 1) +
                        (2...99).map { "socket; connect h\($0); send h\($0) 65536" }.joined(separator: "\n"), file: "t")
        let out = PresentationTests.printed(&s, "setsockopt h99 SO_LINGER 1 300; close h98; show handles").out
        #expect(!out.contains("RECORD"), "the handle table fell back to records:\n\(out.suffix(800))")
        #expect(out.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(out.contains("h99"))
    }

    /// Off a terminal (a file or a pipe, width 120) the tables keep the full names.
    @Test func pipesKeepTheFullNames() {
        var s = Session(format: .plain, display: .init(width: 120))
        let out = PresentationTests.printed(&s, "socket; connect h1; close h1").out
        #expect(out.contains("HANDLE  PROC  SOCKET  REFCNT  PENDING  SENDQ  RECVQ  LINGER  MODE"))
        #expect(!out.contains("HND"))
    }

    /// Every help page, rule and lesson, at 60, 80 and 120 columns: no line wider than the width,
    /// and the words are the same words, none split.
    @Test(arguments: [60, 80, 120])
    func proseFitsTheWidth(_ width: Int) {
        let topics: [String?] = [nil, "SO_LINGER"] + Session.helpTopics + commandCatalog.map(\.name) + RuleID.all.map(\.name)
        let s = PresentationTests.terminal(.plain, width: width)
        for topic in topics {
            guard case .success(let prose) = s.help(topic) else { Issue.record("help \(topic ?? "")"); continue }
            let text = prose.render(s.style)
            // Only a single word longer than the width (an address) may pass it, alone on its line.
            for line in text.split(separator: "\n") where line.count > width && line.contains(" ") {
                Issue.record("help \(topic ?? ""): \(line.count) columns at \(width): \(line)")
            }
            #expect(words(text) == words(prose.plainText), "help \(topic ?? ""): a word was split or lost at \(width)")
        }
        for l in lessons {
            var session = PresentationTests.terminal(.plain, width: width)
            let out = PresentationTests.printed(&session, "lesson \(l.name)").out
            for line in out.split(separator: "\n") where line.count > width {
                Issue.record("lesson \(l.name): \(line.count) columns at \(width): \(line)")
            }
            for step in l.steps {
                for word in step.narration.split(separator: " ") {
                    #expect(out.contains(word), "lesson \(l.name): the word \(String(word)) is not printed whole at \(width)")
                }
            }
        }
    }

    func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "|" || $0 == "\t" }).map(String.init).sorted()
    }

    /// `help R7` draws its table; rule texts print emphasis without asterisks.
    @Test func markdownIsRendered() {
        let s = PresentationTests.terminal(.box, width: 80)
        guard case .success(let r7) = s.help("R7"), case .success(let r11) = s.help("R11") else { Issue.record("help"); return }
        let text = r7.render(s.style)
        #expect(text.contains("┌") && text.contains("l_onoff") && !text.contains("|---|"), "\(text)")
        #expect(!r11.render(s.style).contains("*"), "emphasis without asterisks")
    }

    /// Every line of json output is one JSON object with a kind, lessons included.
    @Test func jsonIsAlwaysJSON() throws {
        var s = Session(format: .json, display: .init(width: 120))
        s.echoes = true
        let out = PresentationTests.printed(&s, """
            socket; connect h1; send h1 100 => 100
            expect h1.sendq == 100
            expect h1.sendq == 7
            whatif close h1
            help close; explain; show all; undo
            lesson linger-table
            """).out
        var kinds = Set<String>()
        for line in out.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let kind = try #require(object?["kind"] as? String, "no kind: \(line)")
            kinds.insert(kind)
            if kind == "command", object?["input"] as? String == "whatif close h1" {
                #expect(object?["whatif"] as? Bool == true)
            }
        }
        #expect(kinds == ["command", "echo", "lesson", "step", "rule", "note"], "\(kinds)")
        #expect(out.contains("\"whatif\":true"))
        #expect(out.contains("\"expectation\":{\"passed\":false"))
    }

    /// A failed expectation follows its command's output; `--echo` works with every format.
    @Test func orderAndEcho() {
        var s = Session(format: .plain)
        let reply = s.runScript("socket => h5", file: "t")
        let kinds = reply.items.map { item -> String in
            switch item {
            case .command: "command"
            case .failedExpectation: "failed"
            case .echo, .lesson, .invalidLine: "other"
            }
        }
        #expect(kinds == ["command", "failed"])
        for format in OutputFormat.allCases {
            var e = Session(format: format)
            e.echoes = true
            #expect(PresentationTests.printed(&e, "socket").out.contains("socket"), "\(format) echoes")
        }
    }

    /// Under `format off` nothing is laid out: a world command makes no report at all.
    @Test func formatOffBuildsNothing() {
        var s = Session(format: .off)
        let reply = s.runScript("socket; connect h1; send h1 10; advance 1ms; peer s1 read", file: "t")
        #expect(reply.items.isEmpty)
    }

    /// Colour only on a terminal and with meaning: error results, resets, discards, linger
    /// timeouts, changed cells.
    @Test func colourHasMeaning() {
        var c = PresentationTests.terminal(.plain, width: 120, color: true)
        let out = PresentationTests.printed(&c, """
            socket; connect h1; peer s1 window 0; send h1 100; setsockopt h1 SO_LINGER 1 1; close h1; advance 1s
            close h1
            """).out
        #expect(out.contains("\u{1B}[31mWSPCloseSocket(h1) = SOCKET_ERROR (WSAENOTSOCK)"))
        #expect(out.contains("\u{1B}[31m  [t=1000ms] RST s1"))
        #expect(out.contains("\u{1B}[31m  [t=1000ms] DISCARD s1 100"))
        #expect(out.contains("\u{1B}[33m  [t=1000ms] LINGER-TIMEOUT s1"))
        #expect(out.contains(";1;4m"), "changed cells are marked")
        var plain = PresentationTests.terminal(.plain, width: 120)
        #expect(!PresentationTests.printed(&plain, "socket; close h1; close h1").out.contains("\u{1B}["))
    }
}
