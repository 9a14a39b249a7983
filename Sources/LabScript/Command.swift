import WinsockModel

/// A parsed command, with where it came from.
public struct LocatedCommand: Hashable, Sendable {
    public var command: Command
    public var location: SourceLocation
    /// The command's text as written (trimmed).
    public var text: String
    public init(command: Command, location: SourceLocation, text: String) {
        self.command = command; self.location = location; self.text = text
    }
}

/// Every command of the language (docs/language.md, "Commands"), as a value: where it was written
/// is kept beside it, in `LocatedCommand`.
public enum Command: Hashable, Sendable {
    /// A provider call, from `thread` (`on TN`, `cancel TN`) or the current thread, with its
    /// expected result written inline (`=> WSAEWOULDBLOCK`).
    case call(ProviderCall, thread: ThreadID?, expected: InlineExpectation?)
    case processNew
    case processExit(ProcessID)
    case threadNew(ProcessID?)
    case useProcess(ProcessID)
    case useThread(ThreadID)
    case peer(SocketID, World.PeerAction)
    case advance(Span)
    case set(SessionSetting)
    case show(ShowTopic)
    case format(OutputFormat)
    case expect(Expectation)
    case explain
    case source(String)
    case help(String?)
    case reset
    case quit
    /// `lesson` (list), `lesson NAME` (start), `lesson stop`.
    case lesson(LessonRequest)
    /// `trace [sN] [--pcap FILE]`.
    case trace(SocketID?, pcap: String?)
    case undo
    case snapshot(String)
    case restore(String)
    /// `whatif <command>`: what a command would do, without doing it.
    indirect case whatif(Command)
    /// `record FILE`: the session so far as a runnable script.
    case record(String)
    /// `compare`: the session so far under every profile.
    case compare
    /// `crosscheck FILE`: a script in the model and on the Linux kernel, command by command.
    case crosscheck(String)
}

public enum LessonRequest: Hashable, Sendable {
    case list
    case start(String)
    case stop
    /// Start the running lesson over, in a fresh session.
    case restart
}

/// `=> result` after a provider call: the words after `=>`, one space apart.
public struct InlineExpectation: Hashable, Sendable {
    public var value: String
}

/// `set …`: model settings and presentation settings.
public enum SessionSetting: Hashable, Sendable {
    case model(World.Setting)
    case rows(Int)
    case diff(Bool)
    /// `set tables always|changed`: the tables after every command, or only when a row changed.
    case tables(TablesMode)
    /// `set backend model|linux`: which engine runs the calls (switching starts a fresh session).
    case backend(BackendChoice)
}

/// When the tables are printed after a command.
public enum TablesMode: String, CaseIterable, Hashable, Sendable {
    /// After every command that acts (the default: the tables are the point).
    case always
    /// Only when a row changed; otherwise one line says so (for a projector).
    case changed
}

/// What runs the provider calls.
public enum BackendChoice: String, CaseIterable, Hashable, Sendable {
    /// The pure model (the default).
    case model
    /// Real socket calls on the Linux kernel's loopback interface.
    case linux
}

public enum ShowTopic: String, CaseIterable, Hashable, Sendable {
    case handles, sockets, ops, threads, peers, pi, all
}

public enum OutputFormat: String, CaseIterable, Hashable, Sendable {
    case box, plain, json, off
}

/// `expect …` (docs/language.md, "Expectations").
public enum Expectation: Hashable, Sendable {
    case value(ExpectPath, Comparison, String)
    case event(String, present: Bool)
}

public enum Comparison: String, CaseIterable, Hashable, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    public var isOrdering: Bool { self != .equal && self != .notEqual }
}

/// An expectation path: what it names and which field.
public enum ExpectPath: Hashable, Sendable, CustomStringConvertible {
    case last
    case time
    case thread(ThreadID, ThreadField)
    case handle(HandleID, HandleField)
    case socket(SocketID, SocketField)
    case operation(OperationID, OperationField)
    case process(ProcessID, ProcessField)

    public enum ThreadField: String, CaseIterable, Hashable, Sendable { case state, result }
    public enum HandleField: String, CaseIterable, Hashable, Sendable {
        case refcount, pending, sendq, recvq, linger, mode, state, process, socket
    }
    public enum SocketField: String, CaseIterable, Hashable, Sendable {
        case refcount, sendq, recvq, state, linger, discarded
        case peerReceived = "peer.received", peerRead = "peer.read", peerFin = "peer.fin"
        case peerReset = "peer.reset", peerError = "peer.error"
    }
    public enum OperationField: String, CaseIterable, Hashable, Sendable { case status, bytes, notified }
    public enum ProcessField: String, CaseIterable, Hashable, Sendable { case startup }

    public enum Kind: Sendable { case number, boolean, text }

    /// What kind of value the path reads (ordering needs numbers; 1/0 are booleans only here).
    public var kind: Kind {
        switch self {
        case .last: .text
        case .time: .number
        case .thread: .text
        case .handle(_, let f):
            switch f {
            case .refcount, .pending, .sendq, .recvq: .number
            case .linger, .mode, .state, .process, .socket: .text
            }
        case .socket(_, let f):
            switch f {
            case .refcount, .sendq, .recvq, .discarded, .peerReceived, .peerRead: .number
            case .peerFin, .peerReset: .boolean
            case .state, .linger, .peerError: .text
            }
        case .operation(_, let f):
            switch f {
            case .bytes: .number
            case .notified: .boolean
            case .status: .text
            }
        case .process: .number
        }
    }

    public var description: String {
        switch self {
        case .last: "last"
        case .time: "t"
        case .thread(let t, let f): "\(t).\(f.rawValue)"
        case .handle(let h, let f): "\(h).\(f.rawValue)"
        case .socket(let s, let f): "\(s).\(f.rawValue)"
        case .operation(let op, let f): "\(op).\(f.rawValue)"
        case .process(let p, let f): "\(p).\(f.rawValue)"
        }
    }

    /// The path forms grouped by object, short enough for a one-line message:
    /// `last, t, TN.{state,result}, hN.{refcount,…}, …`.
    public static let compactForms: String = {
        func group(_ object: String, _ fields: [String]) -> String { "\(object).{\(fields.joined(separator: ","))}" }
        return ["last", "t", group("TN", ThreadField.allCases.map(\.rawValue)),
                group("hN", HandleField.allCases.map(\.rawValue)), group("sN", SocketField.allCases.map(\.rawValue)),
                group("opN", OperationField.allCases.map(\.rawValue)), "PN.startup"].joined(separator: ", ")
    }()

    /// Every path form, for help and completion.
    public static let forms: [String] = ["last", "t", "TN.state", "TN.result"]
        + HandleField.allCases.map { "hN.\($0.rawValue)" }
        + SocketField.allCases.map { "sN.\($0.rawValue)" }
        + OperationField.allCases.map { "opN.\($0.rawValue)" }
        + ["PN.startup"]
}
