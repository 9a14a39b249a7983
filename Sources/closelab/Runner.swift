@preconcurrency import Glibc
import LabRendering
import LabScript
import LabSession
import LabSystem
import LinuxBackend
import WinsockModel

/// Runs sessions over files, stdin, `-c` or the prompt, writes their output, and keeps the exit
/// status (docs/language.md, "Expectations").
struct Runner {
    let options: Options
    var out = Output(fd: 1)
    var err = Output(fd: 2)
    var status: Int32 = 0
    let stdoutIsTerminal = isatty(1) == 1
    let stdinIsTerminal = isatty(0) == 1
    /// A live backend's `advance` progress on standard error (terminals only).
    let progressLine = ProgressLine()

    init(options: Options) {
        self.options = options
        err.limit = 0
    }

    /// How tables are drawn, for the reports the runner lays out itself (`--compare`): the same as
    /// a session's, without making one (which could start a live backend).
    var style: Style {
        let format = options.format ?? (stdoutIsTerminal ? .box : .plain)
        return Style(frame: format == .box ? .box : .plain, width: stdoutIsTerminal ? (Terminal.width ?? 80) : 120,
                     usesColor: usesColor, compactsToFit: stdoutIsTerminal)
    }

    var usesColor: Bool {
        guard stdoutIsTerminal else { return false }
        if let v = Environment.get("NO_COLOR"), !v.isEmpty { return false }
        return Environment.get("TERM") != "dumb"
    }

    func makeSession() -> Session {
        let format = options.format ?? (stdoutIsTerminal ? .box : .plain)
        let width = stdoutIsTerminal ? (Terminal.width ?? 80) : 120
        var settings = Settings()
        if let p = options.profile { settings.profile = p }
        let environment = Session.Environment(openScript: openLines, writeFile: writeWholeFile,
                                              makeBackend: Runner.makeBackend, waitControl: waitControl,
                                              listFiles: completePath, isInterrupted: { Signals.stopsWork() })
        var session = Session(format: format, display: Session.Display(width: width, usesColor: usesColor, isTerminal: stdoutIsTerminal),
                              environment: environment, settings: settings,
                              marksChanges: stdoutIsTerminal && (format == .box || format == .plain))
        session.echoes = options.echo
        if let name = options.backend {
            switch Runner.makeBackend(name) {
            case .success(let live): session.useBackend(live)
            case .failure(let reason):
                var err = Output(fd: 2)
                err.write("closelab: --backend \(name): \(reason.text)\n")
                err.flush()
                exit(2)
            }
        }
        return session
    }

    /// The live backends this build has: `linux`, the kernel's loopback.
    static func makeBackend(_ name: String) -> Result<any LiveBackend, TextError> {
        guard name == "linux" else { return .failure(TextError("no live backend named \(quoted(name)) (there is: linux)")) }
        do throws(Refusal) {
            return .success(try LinuxLab())
        } catch {
            return .failure(TextError(error.message))
        }
    }

    /// A live backend's real-time `advance`: Ctrl-C stops it (the SIGINT flag); on a terminal, a
    /// progress line on standard error.
    var waitControl: WaitControl {
        let isInterrupted: @Sendable () -> Bool = { Signals.stopsWork() }
        guard stdinIsTerminal && isatty(2) == 1 else { return WaitControl(isInterrupted: isInterrupted) }
        let progressLine = self.progressLine
        return WaitControl(progress: { elapsed, total in
            progressLine.show("  advance: \(elapsed.milliseconds / 1000)s of \(total) …")
        }, isInterrupted: isInterrupted)
    }

    /// Folds a session's status into the run's: 2 beats 1 beats 0.
    mutating func absorb(_ s: Int32) {
        status = max(status, s)
        out.statusOnBrokenPipe = max(out.statusOnBrokenPipe, status)
    }

    /// Writes one reply item by item, in order: a failed expectation follows the output of its
    /// own command. Keeps the status so far (for a closed pipe) up to date with its invalid lines
    /// (2) and failed expectations (1).
    mutating func write(_ reply: Reply) {
        for item in reply.items {
            switch item {
            case .invalidLine: out.statusOnBrokenPipe = 2
            case .failedExpectation: out.statusOnBrokenPipe = max(out.statusOnBrokenPipe, 1)
            case .echo, .command, .lesson: break
            }
            let (text, errors) = Reply(items: [item]).rendered()
            if !text.isEmpty { out.write(text) }
            if !errors.isEmpty {
                out.flush()
                err.write(errors)
                err.flush()
            }
        }
    }

    // MARK: Modes

    /// Whether this run is the interactive prompt (no script of any kind, standard input a terminal).
    var isPrompt: Bool {
        options.lesson == nil && options.compare == nil && options.commands == nil && options.files.isEmpty
            && stdinIsTerminal
    }

    mutating func run() -> Int32 {
        Signals.install(for: isPrompt ? .prompt : .script)
        if let name = options.lesson {
            runLesson(name)
        } else if let file = options.crosscheck {
            runCrossCheck(file)
        } else if let file = options.compare {
            runCompare(file)
        } else if let commands = options.commands {
            runScript(BufferLines(commands), file: "-c", piecesAreLines: true)
        } else if !options.files.isEmpty {
            for file in options.files {
                if runFile(file) == .stop { break }
            }
        } else if stdinIsTerminal {
            runPrompt()
        } else {
            runScript(FileLines(fd: 0, owned: false), file: "<stdin>")
        }
        out.flush()
        return status
    }

    enum Flow { case goOn, stop }

    /// A script in a fresh session, through the session's one script loop; its replies are written
    /// as they come.
    @discardableResult
    mutating func runScript(_ lines: any LineSource, file: String, piecesAreLines: Bool = false) -> Flow {
        var session = makeSession()
        let mode = ScriptMode(piecesAreLines: piecesAreLines, stopsAtFirstFailure: options.bail)
        session.runScript(lines, file: file, mode: mode) { reply in
            // The line Ctrl-C stopped is unfinished: its reply is not written. A line that ran
            // whole before anything saw the Ctrl-C is written; the script stops before the next.
            guard !Signals.hasStoppedWork else { return false }
            write(reply)
            return true
        }
        session.shutDown()
        absorb(session.exitStatus)
        if stopIfInterrupted() { return .stop }
        return options.bail && session.exitStatus != 0 ? .stop : .goOn
    }

    /// After Ctrl-C in a script (see LabSystem's Signals.swift): the run ends with status 130, what
    /// was written so far flushed, one line on standard error. True when it did. The caller has shut
    /// its session's live backend down.
    mutating func stopIfInterrupted() -> Bool {
        guard Signals.isInterrupted else { return false }
        out.flush()
        err.write("closelab: interrupted\n")
        err.flush()
        status = 130
        out.statusOnBrokenPipe = 130
        return true
    }

    mutating func runFile(_ path: String) -> Flow {
        if path == "-" { return runScript(FileLines(fd: 0, owned: false), file: "<stdin>") }
        switch openLines(path) {
        case .failure(let reason):
            out.flush()
            err.write("closelab: \(escapingControlCharacters(path)): \(reason.text)\n")
            absorb(2)
            return options.bail ? .stop : .goOn
        case .success(let lines):
            return runScript(lines, file: path)
        }
    }

    /// `--lesson NAME`: the whole lesson, narrated, in a fresh session.
    mutating func runLesson(_ name: String) {
        var session = makeSession()
        let reply = session.run(line: "lesson \(name)", file: "--lesson", line: 1)
        session.shutDown()
        if stopIfInterrupted() { return }
        write(reply)
        absorb(session.exitStatus)
    }

    /// `--compare FILE`: the script under every profile, only where they differ.
    mutating func runCompare(_ path: String) {
        switch openLines(path) {
        case .failure(let reason):
            out.flush()
            err.write("closelab: \(escapingControlCharacters(path)): \(reason.text)\n")
            absorb(2)
        case .success(let source):
            var comparison = Session.ProfileComparison(style: style)
            out.write(comparison.heading)
            var number = 0
            while !Signals.isInterrupted, let line = source.nextLine() {
                number += 1
                guard case .success(let text) = decodeLine(line) else { continue }
                out.write(comparison.feed(Session.ScriptLine(text: text, file: path, line: number)))
            }
            if stopIfInterrupted() { return }
            out.write(comparison.summary)
            if let failure = source.failure {
                out.flush()
                err.write("closelab: \(escapingControlCharacters(path)): \(failure)\n")
                absorb(2)
            }
            if comparison.invalidLines > 0 {
                out.flush()
                err.write("closelab: \(escapingControlCharacters(path)): \(comparison.invalidLines) invalid line\(comparison.invalidLines == 1 ? "" : "s") (run the file itself to see them)\n")
                absorb(2)
            }
        }
    }

    // MARK: --crosscheck

    /// `--crosscheck FILE`: the script in the model (under `--profile`, `linux` by default) and on a
    /// fresh linux backend, streamed line by line: the report as text wrapped at 80 columns, or one
    /// JSON object per command with `--format json` (`--format off`: the summary only). Status: 0
    /// all agree, 1 they differ, 2 an invalid line or an unreadable file.
    mutating func runCrossCheck(_ path: String) {
        func fail(_ message: String) {
            out.flush()
            err.write("closelab: --crosscheck: \(message)\n")
            absorb(2)
        }
        guard options.backend == nil else {
            return fail("the kernel side always runs on a fresh linux backend; leave out --backend")
        }
        // The model's prediction of the kernel is the default.
        let profile = options.profile ?? .linux
        let source: any LineSource
        switch openLines(path) {
        case .failure(let reason): return fail("\(path): \(reason.text)")
        case .success(let opened): source = opened
        }
        let live: any LiveBackend
        switch Runner.makeBackend("linux") {
        case .failure(let reason): return fail("cannot start the linux backend: \(reason.text)")
        case .success(let started): live = started
        }
        let environment = Session.Environment(openScript: openLines, writeFile: writeWholeFile,
                                              makeBackend: Runner.makeBackend, waitControl: waitControl)
        var check = CrossCheck(profile: profile, backend: live, environment: environment)
        let format: CrossCheckRenderer.Format = switch options.format {
        case .json?: .json
        case .off?: .summaryOnly
        case .box?, .plain?, nil: .text(width: stdoutIsTerminal ? min(Terminal.width ?? 80, 80) : 80)
        }
        let renderer = CrossCheckRenderer(format: format)
        out.write(renderer.heading(file: path, profile: profile.description, backend: live.name,
                                   kernel: Runner.kernelRelease))
        var number = 0
        while !check.hasQuit, let line = source.nextLine() {
            number += 1
            for entry in check.feed(line, file: path, line: number) {
                if let why = entry.invalidMessage {
                    out.flush()
                    err.write("\(entry.origin.file):\(entry.origin.line):\(entry.origin.column): \(why)\n")
                }
                out.write(renderer.render(entry))
            }
            absorb(check.exitStatus)
            out.flush()   // streamed: each line's report as soon as it ran
        }
        if let failure = source.failure {
            out.flush()
            err.write("closelab: \(path): \(failure)\n")
            absorb(2)
        }
        out.write(renderer.render(check.finish(file: path)))
        out.write(renderer.render(check.summary))
        check.shutDown()
        absorb(check.exitStatus)
    }

    /// `uname -r`, for the report's heading.
    static var kernelRelease: String? {
        var names = utsname()
        guard uname(&names) == 0 else { return nil }
        return withUnsafeBytes(of: &names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    // MARK: The prompt

    /// The prompt: read a line, run it, write its reply, until Ctrl-D or `quit`. Ctrl-C while a
    /// line runs stops it (LabSystem's Signals.swift): on the model the session goes back to the
    /// value it had before the line (the model is a value, so that copy is the undo) and the
    /// unfinished reply is dropped; on a live backend what ran stays run (the sockets keep the
    /// state the kernel gave them) and its reply is written. Either way one line says so.
    mutating func runPrompt() {
        var session = makeSession()
        session.isInteractive = true
        let historyPath = Environment.get("CLOSELAB_HISTORY")
            ?? ((Environment.get("HOME") ?? ".") + "/.closelab_history")
        let box = SessionBox(session)
        let editor = LineEditor(historyPath: historyPath,
                                prompt: { box.session.prompt },
                                complete: { box.session.completions(for: $0) })
        out.write("closelab — Windows Sockets 2 SPI close semantics. `help` lists the commands; Ctrl-D quits.\n")
        out.flush()
        var number = 0
        loop: while true {
            switch editor.readLine() {
            case .endOfFile:
                break loop
            case .interrupted:
                continue
            case .line(let text):
                number += 1
                let blank = splitLine(text).isEmpty
                if !blank { editor.addToHistory(text) }
                session = box.session
                // The terminal's width now (read again after a resize): the tables fit it.
                session.display.width = Terminal.width ?? session.display.width
                let before = session
                // Enter on an empty line during a lesson runs its next step.
                let reply = blank && session.isInLesson ? session.continueLesson()
                    : session.run(line: text, file: "<prompt>", line: number)
                let erasedProgress = progressLine.erase()
                // Only a line Ctrl-C cut short is taken back. One that ran whole before anything
                // saw the Ctrl-C is written as usual below, and the next read forgets the Ctrl-C.
                if Signals.hasStoppedWork {
                    Signals.clearInterrupt()
                    // The terminal echoed `^C` where the cursor was (unless the progress line it
                    // was on has just been erased): what follows starts below it.
                    if !erasedProgress && Terminal.echoesControlCharacters { out.write("\n") }
                    if session.backend == nil {
                        session = before
                    } else {
                        write(reply)
                    }
                    box.session = session
                    out.write(session.backend == nil
                        ? "interrupted: the line was stopped; the session is as it was before it\n"
                        : "interrupted: the line was stopped; the sockets keep the state the kernel gave them\n")
                    out.flush()
                    continue
                }
                box.session = session
                write(reply)
                out.flush()
                if reply.quits { break loop }
            }
        }
        editor.close()
        box.session.shutDown()
        out.flush()
        absorb(0)
    }
}

/// Lets the editor's callbacks (prompt, completion) read the live session.
final class SessionBox {
    var session: Session
    init(_ s: Session) { session = s }
}
