// The interactive prompt, end to end: the real `closelab` binary runs in a pseudo-terminal that a
// private tmux server provides (TmuxSession.swift), and the tests type keys with `send-keys` and
// read the screen with `capture-pane`. Every wait is on a condition with a deadline.
//
// The binary is `closelab` beside the test bundle's executable (both are built into the same
// .build/<triple>/<configuration> directory); CLOSELAB_BINARY overrides it.

import Testing
@preconcurrency import Glibc

@Suite(
    "Interactive prompt in a pseudo-terminal",
    .serialized,
    .enabled(if: TmuxSession.tmuxPath != nil, "tmux is not installed: skipping the pseudo-terminal prompt tests"),
    // Only a hung test reaches it: each wait has its own deadline (TmuxSession.patience).
    .timeLimit(.minutes(5))
)
struct PromptTests {
    static let prompt = "[t=0ms] P1/T1> "

    @Test("TAB completes, Up recalls, Ctrl-C abandons the line, Ctrl-D quits, the history is saved")
    func completionHistoryAndQuit() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        try session.start(closelab: session.binary)

        let first = try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        #expect(first.contains(PromptTests.prompt))

        // (a) TAB completion: `soc` + TAB puts `socket` on the line; Enter runs it.
        try session.type("soc")
        try session.press("Tab")
        try session.waitForScreen("`soc` completed to `socket` on the prompt line") {
            TmuxSession.lastLine(of: $0).hasSuffix("> socket")
        }
        try session.press("Enter")
        try session.waitForPrompt("a new prompt after `socket`", showing: "WSPSocket(stream) = h1")

        // (b) Up recalls the previous command.
        try session.press("Up")
        try session.waitForScreen("Up arrow recalled `socket`") {
            TmuxSession.lastLine(of: $0).hasSuffix("> socket")
        }

        // Ctrl-C abandons the recalled line: ^C is shown and a fresh, empty prompt follows.
        try session.press("C-c")
        try session.waitForScreen("Ctrl-C abandoned the line") { screen in
            screen.contains("socket^C") && TmuxSession.lastLine(of: screen).hasSuffix(">")
        }
        #expect(try session.paneIsDead() == false, "Ctrl-C must not end closelab")

        // (c) Ctrl-D on the empty line quits with status 0.
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
        try session.waitUntil("the pane to be dead") { try session.paneIsDead() }

        // (b) The history file holds the command after exit.
        let history = try #require(TmuxSession.readFile(session.historyPath),
                                   "no history file at \(session.historyPath)")
        #expect(history.split(separator: "\n").contains("socket"),
                "history file: \(history)")
    }

    @Test("A new session recalls the history saved by the previous one")
    func historyPersistsAcrossRuns() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }

        try session.start(closelab: session.binary)
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        try session.type("socket")
        try session.press("Enter")
        try session.waitForPrompt("the output of `socket`", showing: "WSPSocket(stream) = h1")
        #expect(try session.quit("the first closelab to exit") == 0)

        try session.start(closelab: session.binary)
        try session.waitForScreen("the prompt of the second run") {
            TmuxSession.lastLine(of: $0) == TmuxSession.trimmed(PromptTests.prompt)
        }
        try session.press("Up")
        try session.waitForScreen("Up arrow recalled `socket` from the history file") {
            TmuxSession.lastLine(of: $0).hasSuffix("> socket")
        }
        // Ctrl-D only quits on an empty line: abandon the recalled one first.
        try session.press("C-c")
        try session.waitForScreen("Ctrl-C abandoned the recalled line") {
            TmuxSession.lastLine(of: $0).hasSuffix(">")
        }
        #expect(try session.quit("the second closelab to exit") == 0)
    }

    @Test("SIGTERM and SIGHUP at the prompt restore the terminal and exit with 128 + signal",
          arguments: [SIGTERM, SIGHUP])
    func signalAtPromptRestoresTerminal(signal: Int32) throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        // Then the shell shows the terminal modes closelab left behind, and waits (tmux 3.3 may
        // scroll the screen of a pane once its process is dead).
        try session.start(closelab: session.binary, then: "stty -a; echo stty-done; sleep 60")

        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        try session.type("half typed")
        try session.waitForScreen("the typed text") { TmuxSession.lastLine(of: $0).hasSuffix("half typed") }

        let closelab = try #require(session.closelabProcess(), "cannot find the closelab process")
        #expect(kill(closelab, signal) == 0)

        let screen = try session.waitForScreen("closelab's exit status and stty output") {
            $0.contains("stty-done")
        }
        #expect(TmuxSession.status(after: session.statusMarker, in: screen) == Int(128 + signal),
                "screen:\n\(screen)")
        let modes = screen.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" })
        #expect(modes.contains("icanon") && !modes.contains("-icanon"), "terminal left non-canonical:\n\(screen)")
        #expect(modes.contains("echo") && !modes.contains("-echo"), "terminal left without echo:\n\(screen)")
    }
}

extension PromptTests {
    @Test("Ctrl-C during a long command stops it at once and leaves the session as it was")
    func ctrlCStopsALongCommand() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        // 2000 sockets: `compare` then replays the session under every profile line by line, which
        // takes minutes (it grows with the square of the sockets); Ctrl-C must end it at once.
        let script = "\(session.directory)/many.lab"
        try TmuxSession.writeFile(script, "format off\n" + String(repeating: "socket\n", count: 2000) + "format plain\n")
        defer { unlink(script) }
        try session.start(closelab: session.binary)
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }

        try session.type("source \(script)")
        try session.press("Enter")
        try session.waitForScreen("the prompt after `source`") { screen in
            screen.contains("many.lab") && TmuxSession.lastLine(of: screen) == TmuxSession.trimmed(PromptTests.prompt)
        }

        // The line would make h2001 before the long part.
        try session.type("socket; compare")
        try session.waitForScreen("the typed line") { TmuxSession.lastLine(of: $0).hasSuffix("> socket; compare") }
        try session.press("Enter")
        // The editor has read the line (the cursor left it) and the command is running.
        try session.waitUntil("closelab to start the line") { try session.cursorColumn() == 0 }
        let pressed = TmuxSession.now()
        try session.press("C-c")
        let screen = try session.waitForScreen("the interruption and a new prompt") { screen in
            screen.contains("interrupted: the line was stopped; the session is as it was before it")
                && TmuxSession.lastLine(of: screen) == TmuxSession.trimmed(PromptTests.prompt)
        }
        #expect(TmuxSession.now() - pressed < 10, "Ctrl-C must stop the command promptly")
        #expect(!screen.contains("compare:"), "the unfinished comparison must not be printed:\n\(screen)")
        #expect(try session.paneIsDead() == false, "Ctrl-C must not end closelab")

        // The session is as it was before the line: its `socket` was taken back with it.
        try session.type("expect h2000.refcount == 1; socket")
        try session.press("Enter")
        let after = try session.waitForPrompt("the next socket", showing: "WSPSocket(stream) = h")
        #expect(after.contains("WSPSocket(stream) = h2001"), "screen:\n\(after)")
        #expect(!after.contains("expected h2000"), "screen:\n\(after)")
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
    }

    @Test("After a resize the next table is laid out for the new width")
    func resizeChangesTableWidth() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        try session.start(closelab: session.binary, arguments: ["--format", "plain"])
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        try session.type("socket")
        try session.press("Enter")
        // 100 columns: the handle table is a grid.
        try session.waitForPrompt("the handle table as a grid", showing: "HANDLE  PROC  SOCKET")

        try session.resize(width: 40)
        try session.type("show handles")
        try session.press("Enter")
        // 40 columns: too narrow for the grid, so one record per handle.
        try session.waitForPrompt("the handle table as records", showing: "-[ RECORD 1 ]")

        try session.resize(width: 100)
        try session.press("C-l")   // a clean screen, so the next grid is the one just drawn
        try session.waitForScreen("a clean screen") { !$0.contains("RECORD") && !$0.contains("HANDLE") }
        try session.type("show handles")
        try session.press("Enter")
        let wide = try session.waitForPrompt("the handle table as a grid again", showing: "HANDLE  PROC  SOCKET")
        #expect(!wide.contains("-[ RECORD"), "screen:\n\(wide)")
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
    }

    @Test("Two prompts sharing one history file keep both sessions' entries")
    func concurrentPromptsShareHistory() throws {
        let first = try TmuxSession()
        defer { first.tearDown() }
        let second = try TmuxSession(sharingHistoryWith: first)
        defer { second.tearDown() }
        try first.start(closelab: first.binary)
        try second.start(closelab: second.binary)
        for prompt in [first, second] {
            try prompt.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        }
        // Turn by turn, each line waited for: each save must find the other prompt's lines.
        let turns: [(TmuxSession, String, String)] = [
            (first, "socket", "WSPSocket(stream) = h1"),
            (second, "process new", "P2 started"),
            (first, "connect h1", "WSPConnect(h1) = 0"),
            (second, "advance 1ms", "t=0ms → t=1ms"),
        ]
        for (prompt, line, output) in turns {
            try prompt.type(line)
            try prompt.press("Enter")
            try prompt.waitForPrompt("the output of `\(line)`", showing: output)
        }
        for prompt in [first, second] {
            #expect(try prompt.quit("closelab to exit after Ctrl-D") == 0)
        }
        let history = try #require(TmuxSession.readFile(first.historyPath), "no history file")
        let entries = history.split(separator: "\n").map { $0.replacing("\\040", with: " ") }   // libedit's encoding of a blank
        #expect(Array(entries.dropFirst()) == ["socket", "process new", "connect h1", "advance 1ms"],
                "history file:\n\(history)")

        // A third prompt recalls the other two's lines, newest first.
        try second.start(closelab: second.binary)
        try second.waitForScreen("the prompt of the third run") {
            TmuxSession.lastLine(of: $0) == TmuxSession.trimmed(PromptTests.prompt)
        }
        try second.press("Up")
        try second.press("Up")
        try second.waitForScreen("Up Up recalled `connect h1`") { TmuxSession.lastLine(of: $0).hasSuffix("> connect h1") }
        try second.press("C-c")
        #expect(try second.quit("the third closelab to exit") == 0)
    }
}
