@preconcurrency import Glibc
import LabScript
import LabSession
import WinsockModel

/// Runs sessions over files, stdin, `-c` or the prompt, writes their output, and keeps the exit
/// status (SPEC.md section 4).
struct Runner {
    let options: Options
    var out = Output(fd: 1)
    var err = Output(fd: 2)
    var status: Int32 = 0
    let stdoutIsTerminal = isatty(1) == 1
    let stdinIsTerminal = isatty(0) == 1

    init(options: Options) {
        self.options = options
        err.limit = 0
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
        let environment = Session.Environment(readFile: readWholeFile, writeFile: writeWholeFile)
        var session = Session(format: format, display: Session.Display(width: width, usesColor: usesColor),
                              environment: environment, settings: settings,
                              marksChanges: stdoutIsTerminal && (format == .box || format == .plain))
        session.echoes = options.echo
        return session
    }

    /// Folds a session's status into the run's: 2 beats 1 beats 0.
    mutating func absorb(_ s: Int32) { status = max(status, s) }

    mutating func write(_ reply: Reply) {
        if !reply.err.isEmpty {
            out.flush()
            err.write(reply.err)
            err.flush()
        }
        if !reply.out.isEmpty { out.write(reply.out) }
    }

    /// Whether `--bail` says to stop after this reply.
    func bails(_ session: Session, before: (Int, Int)) -> Bool {
        options.bail && (session.invalidLines > before.0 || session.failedExpectations > before.1)
    }

    // MARK: Modes

    mutating func run() -> Int32 {
        if let name = options.lesson {
            runLesson(name)
        } else if let file = options.compare {
            runCompare(file)
        } else if let commands = options.commands {
            runCommands(commands)
        } else if !options.files.isEmpty {
            for file in options.files {
                if runFile(file) == .stop { break }
            }
        } else if stdinIsTerminal {
            runPrompt()
        } else {
            runStream(fd: 0, name: "<stdin>")
        }
        out.flush()
        return status
    }

    enum Flow { case goOn, stop }

    /// `-c`: each `;` piece counts as a line; `#` hides the rest of its physical line.
    mutating func runCommands(_ text: String) {
        var session = makeSession()
        var number = 0
        outer: for physical in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let visible = physical.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for piece in visible.split(separator: ";", omittingEmptySubsequences: false) {
                number += 1
                if runLine(&session, bytes: Array(piece.utf8)[...], file: "-c", line: number) == .stop { break outer }
            }
        }
        absorb(session.exitStatus)
    }

    mutating func runFile(_ path: String) -> Flow {
        if path == "-" {
            runStream(fd: 0, name: "<stdin>")
            return .goOn
        }
        switch readWholeFile(path) {
        case .failure(let reason):
            out.flush()
            err.write("closelab: \(path): \(reason.text)\n")
            absorb(2)
            return options.bail ? .stop : .goOn
        case .success(let bytes):
            var session = makeSession()
            var number = 0
            forEachLine(bytes) { line in
                number += 1
                return runLine(&session, bytes: line, file: path, line: number) != .stop
            }
            absorb(session.exitStatus)
            if options.bail && session.exitStatus != 0 { return .stop }
            return .goOn
        }
    }

    mutating func runStream(fd: Int32, name: String) {
        var session = makeSession()
        var reader = LineReader(fd: fd, cap: maximumLineBytes)
        var number = 0
        while let line = reader.next() {
            number += 1
            if runLine(&session, bytes: line[...], file: name, line: number) == .stop { break }
        }
        absorb(session.exitStatus)
    }

    /// One line of a script: echo, run, write, and decide whether to go on.
    mutating func runLine(_ session: inout Session, bytes: ArraySlice<UInt8>, file: String, line: Int) -> Flow {
        let before = (session.invalidLines, session.failedExpectations)
        let reply = session.run(bytes: bytes, file: file, line: line)
        write(reply)
        if reply.quits || bails(session, before: before) { return .stop }
        return .goOn
    }

    /// `--lesson NAME`: the whole lesson, narrated, in a fresh session.
    mutating func runLesson(_ name: String) {
        var session = makeSession()
        write(session.run(line: "lesson \(name)", file: "--lesson", line: 1))
        absorb(session.exitStatus)
    }

    /// `--compare FILE`: the script under every profile, only where they differ.
    mutating func runCompare(_ path: String) {
        switch readWholeFile(path) {
        case .failure(let reason):
            out.flush()
            err.write("closelab: \(path): \(reason.text)\n")
            absorb(2)
        case .success(let bytes):
            var lines: [Session.ScriptLine] = []
            for (i, line) in splitLines(bytes).enumerated() {
                guard case .success(let text) = decodeLine(line) else { continue }
                lines.append(Session.ScriptLine(text: text, file: path, line: i + 1))
            }
            let session = makeSession()
            let (report, invalid) = Session.compare(lines, style: session.style)
            out.write(report)
            if invalid > 0 {
                out.flush()
                err.write("closelab: \(path): \(invalid) invalid line\(invalid == 1 ? "" : "s") (run the file itself to see them)\n")
                absorb(2)
            }
        }
    }

    // MARK: The prompt

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
                session.display.width = Terminal.width ?? session.display.width
                // Enter on an empty line during a lesson runs its next step.
                let reply = blank && session.isInLesson ? session.continueLesson()
                    : session.run(line: text, file: "<prompt>", line: number)
                box.session = session
                write(reply)
                out.flush()
                if reply.quits { break loop }
            }
        }
        editor.close()
        out.flush()
        absorb(0)
    }
}

/// Lets the editor's callbacks (prompt, completion) read the live session.
final class SessionBox {
    var session: Session
    init(_ s: Session) { session = s }
}
