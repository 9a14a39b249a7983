import LabRendering
import LabScript
import WinsockModel

/// One live session: the world, the presentation settings, and what scripts need (the last
/// events for `expect event`, the last call for `explain`, counts for the exit status).
/// `run` takes one physical line and returns what to print; nothing here does I/O except
/// through `Environment.readFile` (for `source`).
public struct Session: Sendable {
    /// What the session may ask of the outside world.
    public struct Environment: Sendable {
        /// Reads a file for `source`: its text, or a one-line reason it could not be read.
        public var readFile: @Sendable (String) -> Result<[UInt8], TextError>
        /// Writes a file for `record` and `trace --pcap` (replacing it whole).
        public var writeFile: @Sendable (String, [UInt8]) -> Result<Void, TextError>
        public init(readFile: @escaping @Sendable (String) -> Result<[UInt8], TextError>,
                    writeFile: @escaping @Sendable (String, [UInt8]) -> Result<Void, TextError> = { _, _ in
                        .failure(TextError("writing files is not available here"))
                    }) {
            self.readFile = readFile
            self.writeFile = writeFile
        }
        public static let noFiles = Environment { _ in .failure(TextError("reading files is not available here")) }
    }

    /// Where output goes: the terminal or a pipe/file. Decides width and colour.
    public struct Display: Hashable, Sendable {
        public var width: Int
        public var usesColor: Bool
        public init(width: Int = 120, usesColor: Bool = false) { self.width = width; self.usesColor = usesColor }
    }

    public internal(set) var world: World
    public internal(set) var format: OutputFormat
    public var display: Display
    public internal(set) var rows = 40
    public internal(set) var marksChanges = false
    /// `--echo`: print each command (after the prompt) before its output.
    public var echoes = false
    /// At the prompt: a lesson then waits for Enter between steps.
    public var isInteractive = false
    public let environment: Environment

    /// Counts for the exit status (SPEC.md section 4).
    public internal(set) var invalidLines = 0
    public internal(set) var failedExpectations = 0

    /// Events of the most recent command other than expect/show/help/explain/format.
    var lastEvents: [TimedEvent] = []
    /// The last provider call, for `explain`, and what fired after it.
    var explained = Explained()
    var sourceDepth = 0
    /// The settings a fresh session (and `reset`, and replay) starts from.
    let initialSettings: Settings
    /// Every command that changed the world since the start (or `reset`): `undo` replays all but
    /// the last, `record` writes them, `compare` and `explain` replay them.
    var history: [HistoryEntry] = []
    var snapshots: [String: Snapshot] = [:]
    /// What each command of the current line did, kept only by `compare`'s sessions.
    var observations: [Observation] = []
    var observes = false
    /// The lesson being walked at the prompt, and its next step.
    var lessonInProgress: (lesson: Lesson, next: Int)? = nil
    /// Lines parsed before (a small direct-mapped cache).
    var parseCache = LineCache()
    /// The cells of each row as last printed, for marking changes (`set diff on`).
    var printedRows: [String: [String]] = [:]
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

    /// The prompt: `[t=0ms] P1/T1> ` (the profile shows when it is not `docs`).
    public var prompt: String {
        var context = "(no process)"
        if let t = world.current { context = "\(world.threads[t.index].process)/\(t)" }
        let profile = world.settings.profile == .docs ? "" : " \(world.settings.profile)"
        let lesson = lessonInProgress.map { " lesson \($0.lesson.name) \($0.next + 1)/\($0.lesson.steps.count)" } ?? ""
        return "[t=\(world.now.milliseconds)ms] \(context)\(profile)\(lesson)> "
    }

    /// The exit status so far: 2 if any line was invalid, else 1 if any expectation failed, else 0.
    public var exitStatus: Int32 { invalidLines > 0 ? 2 : failedExpectations > 0 ? 1 : 0 }
}

/// A command that changed the world, and what a provider call returned.
struct HistoryEntry: Sendable {
    var command: Command
    var result: CallResult?
}

/// A remembered session state (`snapshot NAME`).
struct Snapshot: Sendable {
    var world: World
    var history: [HistoryEntry]
}

/// What one command did, in words that can be compared across profiles.
struct Observation: Sendable, Equatable {
    var result: String?
    var events: [String]
}

/// One command of a line, parsed. Parsing is pure, so a line seen before is not parsed again
/// (scripts repeat lines such as `advance 1ms` and `socket` a lot).
struct ParsedPiece: Sendable {
    var text: String
    var column: Int
    var parsed: Result<Command, Diagnostic>

    init(_ piece: Piece) {
        text = piece.text
        column = piece.tokens[0].column
        parsed = parseCommand(piece)
    }
}

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

/// What one line produced: text for stdout and for stderr, and whether `quit` ended the input.
public struct Reply: Sendable {
    public var out = ""
    public var err = ""
    public var quits = false
    public init() {}
}

/// A one-line reason, where a result can fail with plain text.
public struct TextError: Error, Hashable, Sendable {
    public let text: String
    public init(_ text: String) { self.text = text }
}

struct Explained: Sendable {
    struct Call: Sendable {
        var call: ProviderCall
        var result: CallResult
        var thread: ThreadID?
        var showsThread: Bool
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
        let pieces: [Piece]
        if bytes.count <= maximumLineBytes, let ascii = splitASCIILine(bytes) {
            pieces = ascii // most lines are short ASCII: split straight from the bytes
        } else {
            switch decodeLine(bytes) {
            case .success(let text):
                pieces = splitLine(text)
            case .failure(let diagnostic):
                var reply = Reply()
                report(diagnostic, at: SourceLocation(file: file, line: line), into: &reply)
                return reply
            }
        }
        let parsed = pieces.map(ParsedPiece.init)
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
            let location = SourceLocation(file: file, line: line, column: piece.column)
            if echoes && format != .json && format != .off { reply.out += prompt + piece.text + "\n" }
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
        var where_ = location
        where_.column = diagnostic.column
        reply.err += "\(where_): \(diagnostic.message)\n"
    }

    mutating func refuse(_ message: String, _ command: LocatedCommand, into reply: inout Reply) {
        report(Diagnostic(column: command.location.column, message), at: command.location, into: &reply)
    }
}
