import LabRendering
import LabScript
import WinsockModel

/// One live session: the world, the presentation settings, and what scripts need (the last
/// events for `expect event`, the last call for `explain`, counts for the exit status).
/// `run` takes one physical line and returns a `Reply`: typed items the presenter draws; nothing
/// here does I/O except through `Environment` (files for `source`, `record`, `trace --pcap`).
public struct Session: Sendable {
    /// What the session may ask of the outside world.
    public struct Environment: Sendable {
        /// Opens a script for `source`: its lines, read as a stream, or a one-line reason it could
        /// not be opened.
        public var openScript: @Sendable (String) -> Result<any LineSource, TextError>
        /// Writes a file for `record` and `trace --pcap` (replacing it whole).
        public var writeFile: @Sendable (String, [UInt8]) -> Result<Void, TextError>
        /// Starts a live backend by name (`linux`): the executable provides it, so the session
        /// itself stays pure.
        public var makeBackend: @Sendable (String) -> Result<any LiveBackend, TextError>
        /// Lets a live backend's real-time `advance` show progress and stop on Ctrl-C.
        public var waitControl: WaitControl
        /// The paths that complete a partly typed one (TAB after `source`, `record`, `trace --pcap`):
        /// whole paths, a directory ending in `/`.
        public var listFiles: @Sendable (String) -> [String]
        /// True once the user asked the work under way to stop (Ctrl-C): the executable wires it
        /// to its SIGINT flag, as it does `waitControl.isInterrupted`. Long work polls it and stops
        /// early: a line stops before its next command, a script before its next line, a replay
        /// (`undo`, `explain`) before its next entry, `compare` before its next line. What a
        /// stopped command leaves behind is unfinished: the caller throws it away (the prompt
        /// puts back the session value it kept from before the line) or ends the run. Cheap: it is
        /// asked between any two steps. Default: never.
        public var isInterrupted: @Sendable () -> Bool
        public init(openScript: @escaping @Sendable (String) -> Result<any LineSource, TextError>,
                    writeFile: @escaping @Sendable (String, [UInt8]) -> Result<Void, TextError> = { _, _ in
                        .failure(TextError("writing files is not available here"))
                    },
                    makeBackend: @escaping @Sendable (String) -> Result<any LiveBackend, TextError> = { name in
                        .failure(TextError("no live backend named \(quoted(name)) is available here"))
                    },
                    waitControl: WaitControl = .none,
                    listFiles: @escaping @Sendable (String) -> [String] = { _ in [] },
                    isInterrupted: @escaping @Sendable () -> Bool = { false }) {
            self.listFiles = listFiles
            self.openScript = openScript
            self.writeFile = writeFile
            self.makeBackend = makeBackend
            self.waitControl = waitControl
            self.isInterrupted = isInterrupted
        }
        public static let noFiles = Environment { _ in .failure(TextError("reading files is not available here")) }
    }

    /// Where output goes: the terminal or a pipe/file. Decides width and colour.
    public struct Display: Hashable, Sendable {
        public var width: Int
        public var usesColor: Bool
        /// A terminal: tables too wide for it use compact labels before they fall back to records.
        /// A file or pipe keeps the full names (at width 120).
        public var isTerminal: Bool
        public init(width: Int = 120, usesColor: Bool = false, isTerminal: Bool = false) {
            self.width = width; self.usesColor = usesColor; self.isTerminal = isTerminal
        }
    }

    public internal(set) var world: World
    /// The live backend the calls run on (`--backend linux`), or nil: the model (`world`).
    public internal(set) var backend: (any LiveBackend)? = nil
    public internal(set) var format: OutputFormat
    public var display: Display
    public internal(set) var rows = 40
    public internal(set) var marksChanges = false
    /// `set tables`: after every command (the default), or only when a row changed.
    public internal(set) var tablesMode = TablesMode.always
    /// `--echo`: print each command (after the prompt) before its output.
    public var echoes = false
    /// At the prompt: a lesson then waits for Enter between steps.
    public var isInteractive = false
    public let environment: Environment

    /// Counts for the exit status (docs/language.md, "Expectations").
    public internal(set) var invalidLines = 0
    public internal(set) var failedExpectations = 0

    /// Events of the most recent command other than expect/show/help/explain/format.
    var lastEvents: [TimedEvent] = []
    /// The last provider call, for `explain`, and what fired after it.
    var explained = Explained()
    var sourceDepth = 0
    /// The settings a fresh session (and `reset`, and replay) starts from.
    let initialSettings: Settings
    /// Every command that changed the world since the start (or `reset`), with checkpoints:
    /// `undo` and `explain` replay from the nearest one, `record` writes them, `compare` replays them.
    var history = History()
    var snapshots: [String: Snapshot] = [:]
    /// What each command of the current line did, kept only by `compare`'s sessions.
    var observations: [Observation] = []
    var observes = false
    /// The lesson being walked at the prompt: its next step, and how far the session had gone
    /// when its last step ended (to notice the learner changed it in between).
    var lessonInProgress: LessonProgress? = nil
    /// The learner's own session, set aside while a lesson runs in a session of its own.
    var userWorkspace: Workspace? = nil
    /// The rules that fired in the lesson step running now (nil outside a step), and for each step
    /// run, its footer's rule and the rules that fired (a test checks the footer is among them).
    var stepRules: [RuleID]? = nil
    var lessonFootprints: [LessonFootprint] = []
    /// Lines parsed before (a small direct-mapped cache).
    var parseCache = LineCache()
    /// Each row as it was last printed, for marking changed cells (`set diff on`).
    var printedHandles: [HandleID: HandleRow] = [:]
    var printedSockets: [SocketID: SocketRow] = [:]
    let initialFormat: OutputFormat

    public init(format: OutputFormat, display: Display = Display(), environment: Environment = .noFiles,
                settings: Settings = Settings(), marksChanges: Bool = false) {
        self.world = World(settings: settings)
        self.initialSettings = settings
        self.world.tracksChanges = format != .off
        self.format = format
        self.marksChanges = marksChanges
        self.initialFormat = format
        self.display = display
        self.environment = environment
    }

    /// What the tables and expectation paths read: the model's world, or what the live backend
    /// observed.
    var state: any SessionState { backend?.state ?? world }

    /// The prompt: `[t=0ms] P1/T1> ` (the profile shows when it is not `docs`; a live backend
    /// shows as `(linux kernel)`).
    public var prompt: String {
        let state = self.state
        var context = "(no process)"
        if let t = state.currentThread, let thread = state.threadRow(t) {
            context = "\(thread.process)/\(t)"
            // A blocked current thread shows where it waits (its calls fail with WSAEINPROGRESS).
            if case .blocked(let call) = thread.state { context += " blocked in \(call.name)(\(call.handle))" }
        }
        let engine = backend.map { " (\($0.name) kernel)" } ?? (state.profile == .docs ? "" : " \(state.profile)")
        let lesson = lessonInProgress.map { " lesson \($0.lesson.name) \($0.next + 1)/\($0.lesson.steps.count)" } ?? ""
        return "[t=\(state.now.milliseconds)ms] \(context)\(engine)\(lesson)> "
    }

    /// Runs the calls on a live backend from now on, in a fresh session (`--backend linux`,
    /// `set backend linux`); nil goes back to the model.
    public mutating func useBackend(_ live: (any LiveBackend)?) {
        backend?.shutDown()
        backend = live
        world = World(settings: initialSettings)
        world.tracksChanges = format != .off
        history.removeAll()
        snapshots.removeAll()
        forgetTransientState()
    }

    /// Ends the session: a live backend closes every socket and ends its threads and helpers.
    public mutating func shutDown() {
        backend?.shutDown()
        backend = nil
    }

    /// The exit status so far: 2 if any line was invalid, else 1 if any expectation failed, else 0.
    public var exitStatus: Int32 { invalidLines > 0 ? 2 : failedExpectations > 0 ? 1 : 0 }
}

/// A lesson walked at the prompt.
struct LessonProgress: Sendable {
    var lesson: Lesson
    var next: Int
    /// The history's length when the last step ended.
    var historyMark: Int
    /// The learner was told once that they changed the lesson's session.
    var warned = false
}

/// What a lesson sets aside while it runs in a session of its own, and gives back at its end.
struct Workspace: Sendable {
    var world: World
    var history: History
    var snapshots: [String: Snapshot]
    var explained: Explained
    var lastEvents: [TimedEvent]
    var rows: Int
}

/// What one lesson step did: the rule its footer names and the rules that fired in it.
struct LessonFootprint: Sendable {
    var lesson: String
    var step: Int
    var rule: RuleID?
    var fired: [RuleID]
}

/// A remembered session state (`snapshot NAME`).
struct Snapshot: Sendable {
    var world: World
    var history: History
}

/// What one command did, in words that can be compared across profiles.
struct Observation: Sendable, Equatable {
    var result: String?
    var events: [String]
    /// The handle and socket rows the command changed (`compare` reads only these).
    var handles: [HandleID] = []
    var sockets: [SocketID] = []
}

/// One command of a line, parsed. Parsing is pure, so a line seen before is not parsed again
/// (scripts repeat lines such as `advance 1ms` and `socket` a lot).
typealias ParsedPiece = ParsedCommand

/// A direct-mapped cache of parsed lines: a line is kept the second time its slot sees it, so
/// lines seen once cost no copy. Bounded (512 slots); a collision just replaces the slot.
struct LineCache: Sendable {
    private struct Entry: Sendable {
        var bytes: [UInt8]
        var parsed: [ParsedPiece]
    }
    private static let slots = 512
    private var seen = [UInt64](repeating: 0, count: LineCache.slots)
    private var entries = [Entry?](repeating: nil, count: LineCache.slots)

    /// FNV-1a over the bytes.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func lookup(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> [ParsedPiece]? {
        guard let e = entries[Int(hash % UInt64(LineCache.slots))], e.bytes.count == bytes.count,
              e.bytes.elementsEqual(bytes) else { return nil }
        return e.parsed
    }

    mutating func offer(_ bytes: ArraySlice<UInt8>, hash: UInt64, _ parsed: [ParsedPiece]) {
        guard bytes.count <= 200 else { return }
        let slot = Int(hash % UInt64(LineCache.slots))
        if seen[slot] == hash {
            entries[slot] = Entry(bytes: Array(bytes), parsed: parsed)
        } else {
            seen[slot] = hash
        }
    }
}

/// A one-line reason, where a result can fail with plain text.
public struct TextError: Error, Hashable, Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }
}

struct Explained: Sendable {
    struct Call: Sendable {
        /// The call, its result and who made it, as its call line printed them.
        var line: CallLine
        var notes: [RuleNote]
        /// Its place in the history (replaying up to it gives the world it ran in).
        var historyIndex: Int
        var events: [TimedEvent]
    }
    /// The last provider call, if any.
    var call: Call? = nil
    /// Commands after it (or since the start) whose rules fired.
    var later: [(String, [RuleNote])] = []
}

extension Session {
    /// Runs one physical line of raw bytes (invalid UTF-8 and over-long lines are invalid lines).
    public mutating func run(bytes: ArraySlice<UInt8>, file: String, line: Int) -> Reply {
        let hash = LineCache.hash(bytes)
        if let parsed = parseCache.lookup(bytes, hash: hash) { return run(parsed: parsed, file: file, line: line) }
        let parsed: [ParsedPiece]
        switch parseLine(bytes) { // straight from the bytes: no words or pieces in between
        case .success(let commands):
            parsed = commands
        case .failure(let diagnostic):
            var reply = Reply()
            report(diagnostic, at: SourceLocation(file: file, line: line), into: &reply)
            return reply
        }
        parseCache.offer(bytes, hash: hash, parsed)
        return run(parsed: parsed, file: file, line: line)
    }

    /// Runs one physical line: its `;`-separated commands in order.
    public mutating func run(line text: String, file: String, line: Int) -> Reply {
        run(parsed: splitLine(text).map(ParsedPiece.init), file: file, line: line)
    }

    mutating func run(parsed pieces: [ParsedPiece], file: String, line: Int) -> Reply {
        var reply = Reply()
        if !observations.isEmpty { observations.removeAll(keepingCapacity: true) }
        for piece in pieces {
            if environment.isInterrupted() { break }   // Ctrl-C: the rest of the line does not run
            let location = SourceLocation(file: file, line: line, column: piece.column)
            if echoes { reply.items.append(.echo(prompt: prompt, input: piece.text, presentation)) }
            switch piece.parsed {
            case .failure(let diagnostic):
                report(diagnostic, at: location, into: &reply)
            case .success(let command):
                execute(LocatedCommand(command: command, location: location, text: piece.text), into: &reply)
            }
            if reply.quits { break }
        }
        return reply
    }

    /// `file:line:column: message` on stderr; the line counts as invalid.
    mutating func report(_ diagnostic: Diagnostic, at location: SourceLocation, into reply: inout Reply) {
        invalidLines += 1
        reply.items.append(.invalidLine(Origin(file: location.file, line: location.line, column: diagnostic.column),
                                        diagnostic.message))
    }

    mutating func refuse(_ message: String, _ command: LocatedCommand, into reply: inout Reply) {
        report(Diagnostic(column: command.location.column, message), at: command.location, into: &reply)
    }
}
