// What the prompt shows on a real terminal: tables that fit 80 columns, the blocked-thread prompt,
// and TAB completion of lesson names and file paths. Same harness as PromptTests.swift.

import Testing
@preconcurrency import Glibc

extension PromptTests {
    @Test("At 80 columns the handle table is a box table and no line is wider than the terminal")
    func eightyColumnsBoxTable() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        try session.start(closelab: session.binary)
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }
        try session.resize(width: 80)
        try session.press("C-l")
        try session.waitForScreen("a clean screen") { !$0.contains("Ctrl-D") }

        try session.type("socket; connect h1; send h1 4000; close h1")
        try session.press("Enter")
        let screen = try session.waitForScreen("the tables after `close h1`") { screen in
            screen.contains("WSPCloseSocket(h1) = 0") && TmuxSession.lastLine(of: screen).hasSuffix(">")
        }
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The last handle table: from the `close` line's table down to its bottom border.
        let close = try #require(lines.lastIndex { $0.hasPrefix("WSPCloseSocket(h1)") }, "screen:\n\(screen)")
        let table = lines[close...].drop { !$0.hasPrefix("┌") }.prefix { !$0.hasPrefix("sockets") }
            .filter { !$0.isEmpty }
        #expect(table.first?.hasPrefix("┌") == true && table.last?.hasPrefix("└") == true, "screen:\n\(screen)")
        #expect(table.contains { $0.hasPrefix("│ h1") && $0.contains("4000") && $0.contains("released") },
                "the released handle with its 4000-byte send queue:\n\(screen)")
        // Every row of the box is as wide as its top border, and that is within 80 columns: a wider
        // line would have wrapped onto the next screen line and broken the box.
        let width = table.first.map { $0.count } ?? 0
        #expect(width > 40 && width <= 80, "box width \(width):\n\(screen)")
        #expect(table.allSatisfy { $0.count == width && ($0.hasSuffix("│") || $0.hasSuffix("┐") || $0.hasSuffix("┤") || $0.hasSuffix("┘")) },
                "a ragged box:\n\(table.joined(separator: "\n"))")
        #expect(lines.allSatisfy { $0.count <= 80 }, "screen:\n\(screen)")
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
    }

    @Test("A blocked thread shows in the prompt, and the prompt clears when it completes")
    func blockedThreadPrompt() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        try session.start(closelab: session.binary, arguments: ["--format", "plain"])
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }

        // 200000 bytes do not fit the 65536-byte send buffer of a connected socket: the send blocks.
        try session.type("socket; connect h1; send h1 200000")
        try session.press("Enter")
        try session.waitForScreen("the blocked prompt") {
            TmuxSession.lastLine(of: $0) == "[t=0ms] P1/T1 blocked in WSPSend(h1)>"
        }
        // The peer reads and the buffer drains as time passes; still blocked after two seconds.
        try session.type("peer s1 read; advance 1s; peer s1 read; advance 1s")
        try session.press("Enter")
        try session.waitForScreen("still blocked at t=2000ms") {
            TmuxSession.lastLine(of: $0) == "[t=2000ms] P1/T1 blocked in WSPSend(h1)>"
        }
        try session.press("C-l")   // a clean screen for the last step's output
        try session.waitForScreen("a clean screen") { !$0.contains("HANDLE") }
        try session.type("peer s1 read; advance 1s")
        try session.press("Enter")
        let screen = try session.waitForScreen("a plain prompt again") {
            TmuxSession.lastLine(of: $0) == "[t=3000ms] P1/T1>"
        }
        #expect(screen.contains("WAKE T1 WSPSend = 200000"), "screen:\n\(screen)")
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
    }

    @Test("TAB completes lesson names, and file paths after `source`, directory by directory")
    func completesLessonsAndPaths() throws {
        let session = try TmuxSession()
        defer { session.tearDown() }
        let folder = "\(session.directory)/scripts"
        guard mkdir(folder, 0o700) == 0 else { throw TmuxFailure(description: "mkdir \(folder) failed") }
        try TmuxSession.writeFile("\(folder)/unique-name.lab", "socket\n")
        defer { unlink("\(folder)/unique-name.lab"); rmdir(folder) }
        try session.start(closelab: session.binary, arguments: ["--format", "plain"])
        try session.waitForScreen("the first prompt") { $0.contains(PromptTests.prompt) }

        try session.type("lesson graceful-t")
        try session.press("Tab")
        try session.waitForScreen("the lesson name completed") {
            TmuxSession.lastLine(of: $0).hasSuffix("> lesson graceful-teardown")
        }
        try session.press("C-c")
        try session.waitForScreen("the line abandoned") { TmuxSession.lastLine(of: $0).hasSuffix(">") }

        // A directory completes with its slash and no space, so TAB can go on into it.
        try session.type("source \(session.directory)/scr")
        try session.press("Tab")
        try session.waitForScreen("the directory completed") {
            TmuxSession.lastLine(of: $0).hasSuffix("/scripts/")
        }
        try session.press("Tab")
        try session.waitForScreen("the file inside completed") {
            TmuxSession.lastLine(of: $0).hasSuffix("/scripts/unique-name.lab")
        }
        try session.press("Enter")
        try session.waitForPrompt("the script ran", showing: "WSPSocket(stream) = h1")
        #expect(try session.quit("closelab to exit after Ctrl-D") == 0)
    }
}
