// Issue 16's teaching precision: lessons in sessions of their own, blocked threads, the kept
// l_linger, help topics, completion, errors that point at the word.

import Foundation
import LabRendering
import LabScript
@testable import LabSession
import Testing
import WinsockModel

/// Issue 16: a lesson in a session of its own, a step that fits a screen, a visible blocked
/// thread, the kept l_linger.
@Suite("Teaching precision")
struct TeachingPrecisionTests {
    @Test func aLessonRunsInASessionOfItsOwnAndGivesTheLearnersBack() {
        var s = Session(format: .plain)
        let reply = s.runScript("socket\nsetsockopt h1 SO_LINGER 1 9\nlesson linger-table\nexpect h1.linger == on 9s\nexpect s1.state == CREATED", file: "t")
        #expect(s.exitStatus == 0, "\(reply.err)")
        #expect(s.world.handles.count == 1, "the learner's session is back, with its one socket")
    }

    @Test func atThePromptAStepPrintsOneTableAndALessonNoticesChanges() throws {
        var s = Session(format: .plain)
        s.isInteractive = true
        _ = s.runScript("socket\nlesson linger-table", file: "t")
        #expect(s.world.handles.isEmpty, "the lesson starts in a fresh session")
        _ = s.continueLesson()
        let step = s.continueLesson()
        let tables = step.items.filter { item in
            if case .command(let r, _) = item, case .afterCommand = r.tables { true } else { false }
        }
        #expect(tables.count == 1, "one table per step at the prompt")
        #expect(step.out.filter { $0 == "\n" }.count <= 24, "a step fits a screen:\n\(step.out)")
        _ = s.runScript("socket", file: "t")
        let warned = s.continueLesson().out
        #expect(warned.contains("You changed the lesson's session"))
        _ = s.runScript("lesson stop", file: "t")
        #expect(s.world.handles.count == 1, "lesson stop gives the learner's session back")
    }

    @Test func aBlockedThreadShowsInThePromptAndWSAEINPROGRESSHasAHint() {
        var s = Session(format: .plain)
        let out = s.runScript("socket; connect h1; peer s1 window 0; send h1 70000; send h1 1", file: "t").out
        #expect(s.prompt.contains("P1/T1 blocked in WSPSend(h1)>"), "\(s.prompt)")
        let flat = Session.normalized(out.replacingOccurrences(of: "\n", with: " "))
        #expect(flat.contains("hint: t1 is blocked in wspsend(h1)") && flat.contains("`cancel`") && flat.contains("`thread new` then `use t2`"))
    }

    @Test func getsockoptShowsTheKeptLLinger() {
        var s = Session(format: .plain)
        let out = s.runScript("socket; setsockopt h1 SO_LINGER 1 7; setsockopt h1 SO_DONTLINGER 1; getsockopt h1 SO_LINGER => off", file: "t")
        #expect(out.out.contains("WSPGetSockOpt(h1, SO_LINGER) = off (l_onoff 0, l_linger 7)"))
        #expect(s.exitStatus == 0, "last still reads off")
        let explained = Session.normalized(s.runScript("explain", file: "t").out.replacingOccurrences(of: "\n", with: " "))
        #expect(explained.contains("r27: l_linger 7 is kept while linger is off: so_dontlinger false reinstates it"), "\(explained)")
    }
}

extension TeachingPrecisionTests {
    @Test func setTablesChangedPrintsOneLineWhenNoRowChanged() {
        var s = Session(format: .plain)
        let out = s.runScript("socket\nset tables changed\ngetsockopt h1 SO_LINGER\nsetsockopt h1 SO_LINGER 1 5", file: "t").out
        let parts = out.components(separatedBy: "WSPSetSockOpt")
        #expect(parts[0].contains("WSPGetSockOpt(h1, SO_LINGER) = off") && parts[0].hasSuffix("(no row changed)\n\n"))
        #expect(parts[1].contains("HANDLE"), "a command that changed a row still prints its table")
        var always = Session(format: .plain)
        #expect(!always.runScript("socket\ngetsockopt h1 SO_LINGER", file: "t").out.contains("no row changed"))
    }

    @Test func showPiListsTheProtocolInfoBlocks() {
        var s = Session(format: .plain)
        let out = s.runScript("process new\nsocket\nduplicate h1 P2\nduplicate h1 P2\non T2 socket from pi1\nshow pi", file: "t").out
        #expect(out.contains("protocol-info blocks\nBLOCK  SOCKET  FROM  FOR  USED\npi1    s1      h1    P2   yes\npi2    s1      h1    P2   no (socket from pi2)"), "\(out)")
        #expect(s.runScript("show all", file: "t").out.contains("protocol-info blocks"))
    }

    @Test func lessonRestartStartsOverInAFreshSession() {
        var s = Session(format: .plain)
        s.isInteractive = true
        _ = s.runScript("lesson linger-table", file: "t")
        _ = s.continueLesson()
        _ = s.continueLesson()
        #expect(s.world.handles.count == 1)
        let out = s.runScript("lesson restart", file: "t").out
        #expect(out.contains("starts over in a fresh session"))
        #expect(s.world.handles.isEmpty)
        #expect(s.prompt.contains("lesson linger-table 1/6"))
    }
}

extension TeachingPrecisionTests {
    /// Help for what is on screen, and a suggestion for a misspelt topic or option.
    @Test func helpTopicsAndSuggestions() {
        let s = Session(format: .plain)
        for (topic, phrase) in [("columns", "RECVQ [RCVQ]"), ("linger", "SO_DONTLINGER 0"), ("SO_LINGER", "l_onoff"),
                                ("states", "CLOSE_WAIT"), ("profiles", "reactos"), ("sources", "closing-sockets-2")] {
            guard case .success(let prose) = s.help(topic) else { Issue.record("help \(topic)"); continue }
            #expect(prose.plainText.contains(phrase), "help \(topic)")
        }
        var t = Session(format: .plain)
        let err = t.runScript("help clsoe\nsocket\nsetsockopt h1 SO_LINGR 1 0", file: "t").err
        #expect(err.contains("t:1:6: help: no command, rule or topic named 'clsoe' (did you mean `help close`?)"), "\(err)")
        #expect(err.contains("t:3:15: setsockopt: expected SO_LINGER or SO_DONTLINGER, got 'SO_LINGR' (did you mean SO_LINGER?)"), "\(err)")
    }
}

extension TeachingPrecisionTests {
    /// TAB completes lesson names, snapshot names and file paths (through the environment).
    @Test func completionOfLessonsAndFiles() {
        let files = Session.Environment(openScript: { _ in .failure(TextError("none")) },
                                        listFiles: { partial in ["Lessons/", "LICENSE-notes.lab"].filter { $0.hasPrefix(partial) } })
        var s = Session(format: .plain, environment: files)
        #expect(s.completions(for: "lesson linger-t") == ["linger-table", "linger-timeout"])
        #expect(s.completions(for: "source L") == ["Lessons/", "LICENSE-notes.lab"])
        #expect(s.completions(for: "record LI") == ["LICENSE-notes.lab"])
        #expect(s.completions(for: "trace --pcap Le") == ["Lessons/"])
        _ = s.runScript("snapshot before", file: "t")
        #expect(s.completions(for: "restore be") == ["before"])
    }
}

/// Issue 16: a lesson footer names its rule and the clause the step illustrates, and that rule
/// fired in that step.
@Suite("Lesson footers")
struct LessonFooterTests {
    @Test(arguments: lessons.map(\.name))
    func everyFooterCitesAClauseOfARuleThatFired(_ name: String) throws {
        let found = LabSession.lesson(named: name)
        let lesson = try #require(found)
        var session = Session(format: .plain)
        _ = session.runScript("lesson \(name)", file: "t")
        #expect(session.lessonFootprints.count == lesson.steps.count)
        for (step, footprint) in zip(lesson.steps, session.lessonFootprints) {
            guard let rule = step.rule else { continue }
            let fired = footprint.fired.map(\.name).joined(separator: " ")
            #expect(footprint.fired.contains(rule), "\(name) step \(footprint.step): \(rule) did not fire (fired: \(fired))")
            if rule != .r7 {
                let clause = step.clause ?? ""
                #expect(!clause.isEmpty, "\(name) step \(footprint.step): \(rule) names no clause")
                #expect(rule.text.replacingLineEnds().contains(clause), "\(name) step \(footprint.step): \"\(clause)\" is not in \(rule)")
            }
        }
    }

    @Test func theFooterPrintsTheSentenceHoldingTheClause() {
        let text = "First sentence here. Second one, with a clause in it; still second. Third."
        #expect(Lesson.sentence(of: text, holding: "a clause") == "Second one, with a clause in it; still second.")
        #expect(Lesson.sentence(of: text, holding: "Third") == "Third.")
        #expect(Lesson.firstSentence(text) == "First sentence here.")
        #expect(Lesson.sentence(of: text, holding: "sentence here.") == "First sentence here.")
        // A sentence may end inside a parenthesis that opened before it: it ends at `.)`, without the `)`.
        let aside = "Rule. [decided] (The page is wrong. [ReactOS] leaks the socket.) With nothing queued it succeeds."
        #expect(Lesson.sentence(of: aside, holding: "leaks") == "[ReactOS] leaks the socket.")
        #expect(Lesson.sentence(of: aside, holding: "nothing queued") == "With nothing queued it succeeds.")
        #expect(Lesson.sentence(of: "One (with a note.) Two.", holding: "note") == "One (with a note.)")
    }
}

extension TeachingPrecisionTests {
    /// A refused command points at the word naming the missing object, not at the command.
    @Test func refusalsPointAtTheWordThatNamesTheMissingObject() {
        var s = Session(format: .off)
        let cases: [(String, String)] = [
            ("use P9", "t:1:5: there is no process P9"),
            ("  use   T7", "t:1:9: there is no thread T7"),
            ("socket; connect h1; peer s4 close", "t:1:26: there is no socket s4"),
            ("process exit P3", "t:1:14: there is no process P3"),
        ]
        for (line, message) in cases {
            let err = s.runScript(line, file: "t").err
            #expect(err.contains(message), "\(line): \(err)")
        }
    }
}
