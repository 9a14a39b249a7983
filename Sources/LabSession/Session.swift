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
        public init(readFile: @escaping @Sendable (String) -> Result<[UInt8], TextError>) { self.readFile = readFile }
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
    public let environment: Environment

    /// Counts for the exit status (SPEC.md section 4).
    public internal(set) var invalidLines = 0
    public internal(set) var failedExpectations = 0

    /// Events of the most recent command other than expect/show/help/explain/format.
    var lastEvents: [Event] = []
    /// The last provider call, for `explain`, and what fired after it.
    var explained = Explained()
    var sourceDepth = 0
    /// The cells of each row as last printed, for marking changes (`set diff on`).
    var printedRows: [String: [String]] = [:]
    let initialFormat: OutputFormat

    public init(format: OutputFormat, display: Display = Display(), environment: Environment = .noFiles,
                settings: Settings = Settings(), marksChanges: Bool = false) {
        self.world = World(settings: settings)
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
        return "[t=\(world.now.milliseconds)ms] \(context)\(profile)> "
    }

    /// The exit status so far: 2 if any line was invalid, else 1 if any expectation failed, else 0.
    public var exitStatus: Int32 { invalidLines > 0 ? 2 : failedExpectations > 0 ? 1 : 0 }
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
    }
    /// The last provider call, if any.
    var call: Call? = nil
    /// Commands after it (or since the start) whose rules fired.
    var later: [(String, [RuleNote])] = []
}

extension Session {
    /// Runs one physical line of raw bytes (invalid UTF-8 and over-long lines are invalid lines).
    public mutating func run(bytes: ArraySlice<UInt8>, file: String, line: Int) -> Reply {
        switch decodeLine(bytes) {
        case .success(let text):
            return run(line: text, file: file, line: line)
        case .failure(let diagnostic):
            var reply = Reply()
            report(diagnostic, at: SourceLocation(file: file, line: line), into: &reply)
            return reply
        }
    }

    /// Runs one physical line: its `;`-separated commands in order.
    public mutating func run(line text: String, file: String, line: Int) -> Reply {
        var reply = Reply()
        for piece in splitLine(text) {
            run(piece: piece, location: SourceLocation(file: file, line: line, column: piece.tokens[0].column), into: &reply)
            if reply.quits { break }
        }
        return reply
    }

    mutating func run(piece: Piece, location: SourceLocation, into reply: inout Reply) {
        if echoes && format != .json && format != .off { reply.out += prompt + piece.text + "\n" }
        switch parseCommand(piece) {
        case .failure(let diagnostic):
            report(diagnostic, at: location, into: &reply)
        case .success(let command):
            execute(LocatedCommand(command: command, location: location, text: piece.text), into: &reply)
        }
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
