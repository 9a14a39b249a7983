import WinsockModel

/// What a line of input produced, as data: an ordered list of items, each stamped with the
/// presentation in force when it was made (`format json; socket` changes it mid-line). As LLDB's
/// CommandReturnObject: the session returns this, the presenter decides how it looks —
/// `rendered()` draws it with one renderer per format.
public struct Reply: Sendable {
    public var items: [ReplyItem] = []
    /// `quit` ended the input.
    public var quits = false

    public init(items: [ReplyItem] = [], quits: Bool = false) { self.items = items; self.quits = quits }

    /// Standard output and standard error, in order within each stream.
    public func rendered() -> (out: String, err: String) {
        var out = "", err = ""
        for item in items { item.render(out: &out, err: &err) }
        return (out, err)
    }
    /// What goes to standard output.
    public var out: String { rendered().out }
    /// What goes to standard error (invalid lines, failed expectations).
    public var err: String { rendered().err }

    /// Lays a lesson step out for one screen at the prompt: its result lines close together, and
    /// the tables once, after the last command that has them.
    public mutating func fitForScreen() {
        var seenTables = false
        var seenReport = false
        for i in items.indices.reversed() {
            guard case .command(var report, let presentation) = items[i] else { continue }
            if seenReport { report.isSpacedAfter = false }
            seenReport = true
            if case .none = report.tables {} else {
                if seenTables { report.tables = .none }
                seenTables = true
            }
            items[i] = .command(report, presentation)
        }
    }

    public mutating func append(contentsOf other: Reply) {
        items.append(contentsOf: other.items)
        quits = quits || other.quits
    }
}

/// Where an item came from: a file (or `<stdin>`, `-c`, `<prompt>`), a line and a column.
public struct Origin: Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int = 1) { self.file = file; self.line = line; self.column = column }
}

/// How an item is drawn: as text tables (box or plain, for a width), as one JSON object per
/// command, or not at all (`format off`: only errors and failed expectations print).
public enum Presentation: Hashable, Sendable {
    case text(Style)
    case json
    /// Only errors, failed expectations and answers to questions (help, explain) print, laid out
    /// with this style.
    case off(Style)
}

/// One thing a line produced.
public enum ReplyItem: Sendable {
    /// `--echo`: the prompt and the command as typed, before its output (in every format: json
    /// as an object of kind `echo`).
    case echo(prompt: String, input: String, Presentation)
    /// What one command printed on standard output.
    case command(CommandReport, Presentation)
    /// A lesson's own words: its title, a step's narration, the rule a step shows, a note.
    case lesson(LessonText, Presentation)
    /// An invalid line: `file:line:column: message` on standard error.
    case invalidLine(Origin, String)
    /// A failed expectation: `file:line: expected …, got …` on standard error.
    case failedExpectation(Origin, String)

    func render(out: inout String, err: inout String) {
        switch self {
        case .echo(let prompt, let input, let presentation):
            switch presentation {
            case .text(let style), .off(let style): // The line as typed, but never a raw control character (an ESC would reach the terminal).
                out += Prose.fit(prompt + escapingControlCharacters(input), width: style.width) + "\n"
            case .json:
                JSON.object([("kind", .string("echo")), ("prompt", .string(prompt)), ("input", .string(input))]).write(to: &out)
                out += "\n"
            }
        case .command(let report, let presentation):
            switch presentation {
            case .text(let style): TextRenderer(style: style).render(report, into: &out)
            case .json: JSONRenderer().render(report, into: &out)
            case .off(let style): TextRenderer.renderAnswer(report, style, into: &out)
            }
        case .lesson(let text, let presentation):
            switch presentation {
            case .text(let style): TextRenderer(style: style).render(text, into: &out)
            case .json: JSONRenderer().render(text, into: &out)
            case .off: break
            }
        // One line each, which may carry the user's words (the file's name, an expected value):
        // never a raw control character on the terminal.
        case .invalidLine(let origin, let message):
            err += escapingControlCharacters("\(origin.file):\(origin.line):\(origin.column): \(message)") + "\n"
        case .failedExpectation(let origin, let message):
            err += escapingControlCharacters("\(origin.file):\(origin.line): \(message)") + "\n"
        }
    }
}

/// What one command did, in typed values. Every field is optional in spirit: a command fills
/// what it has, and each renderer shows what its format shows.
public struct CommandReport: Sendable {
    public var origin: Origin
    /// The command as typed (trimmed): json's `input`.
    public var input: String
    public var headline: Headline = .none
    /// The events, in the order their rules fired, with their instants.
    public var events: [TimedEvent] = []
    /// Show each event's instant (`advance`).
    public var showsEventTimes = false
    /// Prose that answers a question (help, explain, compare, trace).
    public var answer: Prose?
    /// The object a session command made (`process new` → P2).
    public var created: CreatedObject?
    /// One line of help after the result (the ways out of a WSAEINPROGRESS).
    public var hint: String?
    /// The verdict of an `expect` line (json shows it; text prints only failures, on stderr).
    public var expectation: ExpectationVerdict?
    /// The tables to print after it.
    public var tables: Tables = .none
    /// A blank line follows it (not between the commands of a lesson step at the prompt).
    public var isSpacedAfter = true
    /// `whatif <command>`: what the command would do; nothing happened to the session (json's
    /// `whatif: true`; text prints a line saying so first).
    public var isWhatif = false
    /// The clock and profile after the command (json's `time_ms` and `profile`).
    public var time: Instant
    public var profile: Profile

    public init(origin: Origin, input: String, time: Instant, profile: Profile) {
        self.origin = origin; self.input = input; self.time = time; self.profile = profile
    }

    /// The first line: the call and its result, or a session command's one-line account.
    public enum Headline: Sendable {
        case none
        case call(CallLine)
        case message(String)
    }

    /// What is printed after the command.
    public enum Tables: Sendable {
        case none
        /// Text: the handle table (or `no handles`) and, when shown, the sockets table.
        case afterCommand(handles: HandleTable?, sockets: SocketTable?)
        /// Text, under `set tables changed`: no row changed, so one line says so.
        case unchanged
        /// Text: `show` — each table, or `<title>: none` when it has no rows.
        case shown([ShownTable])
        /// json: the state keys of the record.
        case json(JSONState)
    }
}

/// What a lesson says between its commands.
public struct LessonText: Sendable {
    public enum Kind: String, Sendable {
        /// `Lesson NAME: title` and the summary.
        case lesson
        /// A step's header and its narration.
        case step
        /// The rule (and clause) a step shows.
        case rule
        /// How to go on (`Press Enter for step 2 of 7.`, `Lesson … complete.`).
        case note
    }
    public var kind: Kind
    /// The lesson's name.
    public var lesson: String
    /// The step (from 1) and the number of steps, for `step` and `rule`.
    public var step: Int?
    public var steps: Int?
    /// lesson: the title; rule: the rule's name (`R7`); step and note: nil.
    public var title: String?
    /// lesson: the summary; step: the narration; rule: the rule's words; note: the note.
    public var text: Prose

    public init(kind: Kind, lesson: String, step: Int? = nil, steps: Int? = nil, title: String? = nil, text: Prose) {
        self.kind = kind; self.lesson = lesson; self.step = step; self.steps = steps; self.title = title; self.text = text
    }
}

/// The verdict of one `expect` line.
public struct ExpectationVerdict: Hashable, Sendable {
    /// Nil when the path cannot be observed (under a live backend): neither passed nor failed.
    public var passed: Bool?
    /// `expected …, got …` when it failed; why not, when it could not be observed.
    public var message: String?
    public init(passed: Bool?, message: String?) { self.passed = passed; self.message = message }
}

/// A provider call and its result, as the call line prints it (docs/language.md, "What is printed").
public struct CallLine: Hashable, Sendable {
    public var call: ProviderCall
    public var result: CallResult
    /// The thread that issued it.
    public var thread: ThreadID?
    /// `on TN …`: the line names the thread.
    public var showsThread: Bool
    /// The host stack's name for the error (`EBADF`), shown beside the Winsock name.
    public var hostError: String?

    public init(call: ProviderCall, result: CallResult, thread: ThreadID?, showsThread: Bool, hostError: String? = nil) {
        self.call = call; self.result = result; self.thread = thread; self.showsThread = showsThread
        self.hostError = hostError
    }

    /// `WSPCloseSocket(h1) = 0`, `WSPSend(h1, 3000) = SOCKET_ERROR (WSAEWOULDBLOCK)`,
    /// `T1 blocked in WSPCloseSocket(h1)`.
    public var text: String {
        let who = showsThread ? "\(thread.map(\.description) ?? "?"): " : ""
        switch result {
        case .blocked:
            return "\(thread.map(\.description) ?? "?") blocked in \(call.apiForm)"
        case .value(.linger(let l)):
            // The pair, so an l_linger kept while linger is off stays visible (R27, R28); `last`,
            // json and the linger paths still read `off` / `on 5s`.
            return "\(who)\(call.apiForm) = \(l) (l_onoff \(l.onoff), l_linger \(l.seconds))"
        case .value(let v):
            return "\(who)\(call.apiForm) = \(v)"
        case .pending(let op):
            return "\(who)\(call.apiForm) = SOCKET_ERROR (WSA_IO_PENDING) → \(op)"
        case .failure(let e):
            let error = hostError.map { "\(e) (\($0))" } ?? e.description
            switch call.name {
            case .socket: return "\(who)\(call.apiForm) = INVALID_SOCKET (\(error))"
            case .startup: return "\(who)\(call.apiForm) = \(error)"
            case .connect, .setSockOpt, .getSockOpt, .ioctl, .send, .recv, .shutdown, .closeSocket, .duplicateSocket,
                 .cleanup, .cancelBlockingCall:
                return "\(who)\(call.apiForm) = SOCKET_ERROR (\(error))"
            }
        }
    }
}
