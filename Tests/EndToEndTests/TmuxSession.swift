// A private tmux server with one session, for the prompt tests: it runs the real `closelab` binary
// in a pseudo-terminal (this process never forks a pty itself); the tests type keys with
// `send-keys` and read the screen with `capture-pane`.
//
// Every wait polls a condition until a deadline (30 s by default: generous, because a loaded
// machine may be slow, and a condition met early returns at once); none sleeps a fixed time.

import Testing
@preconcurrency import Glibc

struct TmuxFailure: Error, CustomStringConvertible {
    let description: String
}

final class TmuxSession {
    /// How long a wait gives its condition before the test fails.
    static let patience: Double = 30

    /// tmux found on PATH, or nil.
    static let tmuxPath: String? = {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/tmux"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }()

    let socketName: String
    let directory: String
    /// The history file: in `directory`, or another session's (`sharingHistoryWith`).
    let historyPath: String
    let configPath: String
    let binary: String
    private let tmux: String
    private var runs = 0

    /// A session of its own; `sharingHistoryWith` makes its closelab use the other's history file
    /// (two prompts at once on one history).
    init(sharingHistoryWith other: TmuxSession? = nil) throws {
        guard let tmux = TmuxSession.tmuxPath else { throw TmuxFailure(description: "tmux is not installed") }
        self.tmux = tmux
        binary = TmuxSession.closelabBinary()
        guard access(binary, X_OK) == 0 else {
            throw TmuxFailure(description: "no closelab binary at \(binary) (set CLOSELAB_BINARY to override)")
        }
        socketName = "closelab-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/closelab-prompt-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw TmuxFailure(description: "mkdtemp failed in \(base)")
        }
        directory = String(cString: created)
        historyPath = other?.historyPath ?? "\(directory)/history"
        configPath = "\(directory)/tmux.conf"
        // No user configuration; a known shell and terminal type; keep dead panes to read their status.
        try TmuxSession.writeFile(configPath, """
            set -g default-shell /bin/sh
            set -g default-terminal screen
            set -g remain-on-exit on
            set -g status off

            """)
    }

    /// Starts closelab in the session (the first call creates the server; later calls replace the
    /// pane's process). A shell runs it and prints its exit status (tmux 3.3's own pane_dead_status is
    /// sometimes never collected), then runs `followUp` if any.
    func start(closelab binary: String, arguments: [String] = [], then followUp: String? = nil) throws {
        runs += 1
        // The shell shares closelab's process group, so Ctrl-C reaches it too: it must survive that
        // to print the status (a no-op trap, unlike an ignored signal, is not inherited by closelab).
        let command = "trap : INT QUIT; env CLOSELAB_HISTORY=\(TmuxSession.quote(historyPath)) SWIFT_BACKTRACE=interactive=no EDITRC=/dev/null "
            + ([binary] + arguments).map(TmuxSession.quote).joined(separator: " ")
            + "; echo \"\(statusMarker)$?\""
            + (followUp.map { "; \($0)" } ?? "")
        if runs == 1 {
            try tmuxCommand(["new-session", "-d", "-s", "prompt", "-x", "100", "-y", "30", command])
        } else {
            try tmuxCommand(["respawn-pane", "-k", "-t", "prompt", command])
        }
    }

    /// Printed with closelab's exit status after the current run.
    var statusMarker: String { "closelab-run-\(runs)-status=" }

    /// Waits for the current run of closelab to end; returns its exit status.
    func waitForExit(_ what: String) throws -> Int? {
        let marker = statusMarker
        let screen = try waitForScreen(what) { $0.contains(marker) }
        return TmuxSession.status(after: marker, in: screen)
    }

    /// Waits until closelab shows its prompt again (the last line is a prompt) and the screen
    /// contains `text`. Keys must wait for it: between two prompts the line editor has handed the
    /// terminal back to its cooked modes, where Ctrl-D is the line discipline's end of file and is
    /// lost when the editor takes the terminal again, and a line's history is saved only once its
    /// command is done.
    @discardableResult
    func waitForPrompt(_ what: String, showing text: String = "") throws -> String {
        try waitForScreen(what) { screen in
            TmuxSession.isPrompt(TmuxSession.lastLine(of: screen)) && (text.isEmpty || screen.contains(text))
        }
    }

    /// An empty prompt: `[t=…ms] P1/T1>`, or `… blocked in WSPSend(h1)>`.
    static func isPrompt(_ line: String) -> Bool {
        line.hasPrefix("[t=") && line.hasSuffix(">")
    }

    /// Ctrl-D once the prompt is back with an empty line; the exit status of closelab.
    func quit(_ what: String = "closelab to exit after Ctrl-D") throws -> Int? {
        try waitForPrompt("an empty prompt before Ctrl-D")
        try press("C-d")
        return try waitForExit(what)
    }

    /// The number after `marker` at the start of a line of `screen`.
    static func status(after marker: String, in screen: String) -> Int? {
        guard let line = screen.split(separator: "\n").first(where: { $0.hasPrefix(marker) }) else { return nil }
        return Int(line.dropFirst(marker.count).prefix(while: { $0.isNumber }))
    }

    func type(_ text: String) throws { try tmuxCommand(["send-keys", "-t", "prompt", "-l", text]) }
    func press(_ key: String) throws { try tmuxCommand(["send-keys", "-t", "prompt", key]) }

    func screen() throws -> String {
        try tmuxCommand(["capture-pane", "-p", "-J", "-t", "prompt"])
    }

    func paneIsDead() throws -> Bool {
        try tmuxCommand(["display-message", "-p", "-t", "prompt", "#{pane_dead}"]).hasPrefix("1")
    }

    /// The cursor's column (0 at the start of a line): after Enter, closelab's line editor moves it
    /// to column 0 and draws no prompt until the command is done.
    func cursorColumn() throws -> Int? {
        Int(TmuxSession.trimmed(try tmuxCommand(["display-message", "-p", "-t", "prompt", "#{cursor_x}"])))
    }

    /// Makes the window (and its pane, the terminal closelab runs in) `width` columns wide; the
    /// terminal sends closelab SIGWINCH. Returns once the pseudo-terminal itself has the new size
    /// (tmux sets it a little after it reports the pane's new width), that is, once the signal has
    /// been sent: closelab runs its handler before it reads another key.
    func resize(width: Int) throws {
        try tmuxCommand(["resize-window", "-t", "prompt", "-x", String(width)])
        let tty = TmuxSession.trimmed(try tmuxCommand(["display-message", "-p", "-t", "prompt", "#{pane_tty}"]))
        try waitUntil("the terminal \(tty) to be \(width) columns wide") {
            let size = try TmuxSession.run(["/bin/stty", "-F", tty, "size"])   // "rows columns"
            return size.status == 0 && size.output.split(separator: " ").last.flatMap { Int(TmuxSession.trimmed(String($0))) } == width
        }
    }

    /// The closelab process: the pane's shell's child (or the pane process itself after exec).
    func closelabProcess() -> pid_t? {
        guard let text = try? tmuxCommand(["display-message", "-p", "-t", "prompt", "#{pane_pid}"]),
              let shell = Int32(TmuxSession.trimmed(text)) else { return nil }
        let children = TmuxSession.readFile("/proc/\(shell)/task/\(shell)/children") ?? ""
        return children.split(separator: " ").compactMap { Int32($0) }.first
    }

    /// Polls the screen until `condition` holds; fails with the screen after `patience` seconds.
    @discardableResult
    func waitForScreen(_ what: String, _ condition: (String) -> Bool) throws -> String {
        var last = ""
        let deadline = TmuxSession.now() + TmuxSession.patience
        while TmuxSession.now() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(20_000)
        }
        throw TmuxFailure(description: "timed out waiting for \(what); the screen was:\n\(last)")
    }

    func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = TmuxSession.now() + TmuxSession.patience
        while TmuxSession.now() < deadline {
            if try condition() { return }
            usleep(20_000)
        }
        let last = (try? screen()) ?? ""
        throw TmuxFailure(description: "timed out waiting until \(what); the screen was:\n\(last)")
    }

    /// Kills the private server and removes the temporary files.
    func tearDown() {
        // The server's and the panes' processes, in case kill-server leaves any behind.
        let server = (try? tmuxCommand(["display-message", "-p", "#{pid}"])).flatMap {
            pid_t(TmuxSession.trimmed($0))
        }
        let panes = ((try? tmuxCommand(["list-panes", "-a", "-F", "#{pane_pid}"])) ?? "")
            .split(separator: "\n").compactMap { pid_t($0) }
        let socket = (try? tmuxCommand(["display-message", "-p", "#{socket_path}"])).map(TmuxSession.trimmed)
        _ = try? tmuxCommand(["kill-server"])
        let processes = (server.map { [$0] } ?? []) + panes
        let deadline = TmuxSession.now() + 2
        while processes.contains(where: TmuxSession.isRunning) && TmuxSession.now() < deadline {
            usleep(20_000)
        }
        for process in processes where TmuxSession.isRunning(process) { kill(process, SIGKILL) }
        if let socket, !socket.isEmpty { unlink(socket) }   // tmux leaves its socket file behind
        // A shared history file belongs to the session that made it (its directory).
        for name in ["\(directory)/history", "\(directory)/history.lock", configPath] { unlink(name) }
        rmdir(directory)
    }

    // MARK: Helpers

    @discardableResult
    private func tmuxCommand(_ arguments: [String]) throws -> String {
        // -u: the client speaks UTF-8 whatever the machine's locale, so box tables reach the screen.
        let result = try TmuxSession.run([tmux, "-u", "-L", socketName, "-f", configPath] + arguments)
        guard result.status == 0 else {
            throw TmuxFailure(description: "tmux \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
        return result.output
    }

    /// True while `process` exists and is not a zombie.
    static func isRunning(_ process: pid_t) -> Bool {
        guard let status = readFile("/proc/\(process)/stat"),
              let close = status.lastIndex(of: ")") else { return false }
        let state = status[status.index(after: close)...].drop(while: { $0 == " " }).first
        return state != nil && state != "Z" && state != "X"
    }

    static func lastLine(of screen: String) -> String {
        screen.split(separator: "\n").last(where: { !$0.allSatisfy { $0 == " " } })
            .map { TmuxSession.trimmed(String($0)) } ?? ""
    }

    static func closelabBinary() -> String {
        if let override = getenv("CLOSELAB_BINARY"), override.pointee != 0 {
            return String(cString: override)
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "closelab" }
        let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        // The runner may sit inside a <bin>/closelabPackageTests.xctest bundle directory.
        if directory.last?.hasSuffix(".xctest") == true { directory = directory.dropLast() }
        return directory.joined(separator: "/") + "/closelab"
    }

    /// `text` without trailing blanks and newlines.
    static func trimmed(_ text: String) -> String {
        var text = text
        while let last = text.last, last == " " || last == "\n" { text.removeLast() }
        return text
    }

    static func quote(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeFile(_ path: String, _ text: String) throws {
        guard let file = fopen(path, "w") else { throw TmuxFailure(description: "cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }

    /// Runs a program to completion; returns its status and its standard output and error together.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw TmuxFailure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])

        // The server inherits this environment; TMUX (when the tests run inside tmux) is dropped.
        var environment: [UnsafeMutablePointer<CChar>?] = []
        var entry = environ
        while let variable = entry.pointee {
            if strncmp(variable, "TMUX=", 5) != 0 { environment.append(strdup(variable)) }
            entry += 1
        }
        environment.append(nil)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in environment { free(pointer) }
        }

        // No inherited signal mask or dispositions, for the tmux server and its panes.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        resetSignals(in: &attributes)

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &environment)
        Glibc.close(pipeEnds[1])
        guard spawned == 0 else {
            Glibc.close(pipeEnds[0])
            throw TmuxFailure(description: "cannot run \(arguments[0]): error \(spawned)")
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipeEnds[0], &chunk, chunk.count)
            if count > 0 {
                output += chunk[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        Glibc.close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, String(decoding: output, as: UTF8.self))
    }
}

