import LabRendering
import LabScript
import WinsockModel

/// What an expectation path reads (docs/language.md, "Expectations"): a typed value, compared
/// with the written one by its type — numbers numerically, booleans as TRUE/FALSE/1/0, linger
/// settings by meaning, names and states case-insensitively.
enum PathValue: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case boolean(Bool)
    case linger(Linger)
    /// A state, a name, an error name, `none`: compared case-insensitively.
    case word(String)

    /// What `last` and `TN.result` read for a call result (`none` before any).
    init(_ result: CallResult?) {
        switch result {
        case nil: self = .word("none")
        case .value(.zero)?: self = .number(0)
        case .value(.count(let n))?: self = .number(n)
        case .value(.bool(let b))?: self = .boolean(b)
        case .value(.linger(let l))?: self = .linger(l)
        case .value(.handle(let h))?: self = .word(h.description)
        case .value(.protocolInfo(let pi))?: self = .word(pi.description)
        case .failure(let e)?: self = .word(e.description)
        case .pending?: self = .word(WinsockError.ioPending.description)
        case .blocked?: self = .word("blocked")
        }
    }

    static func result(_ r: CallResult?) -> PathValue { PathValue(r) }

    /// As the tables print it.
    var description: String {
        switch self {
        case .number(let n): String(n)
        case .boolean(let b): b ? "true" : "false"
        case .linger(let l): l.description
        case .word(let w): w
        }
    }
}

extension Session {
    mutating func check(_ e: Expectation, _ c: LocatedCommand, into reply: inout Reply) {
        let failure: String?
        switch e {
        case .value(let path, let op, let expected):
            if let backend, !backend.canObserve(path) {
                publishUnobservable(c, "expect \(path): not observable under the \(backend.name) backend (neither passed nor failed)", into: &reply)
                return
            }
            switch value(of: path) {
            case .failure(let missing):
                failure = "expected \(path) \(op.rawValue) \(expected), got \(missing.text)"
            case .success(let actual):
                failure = matches(actual: actual, op, expected, path: path)
                    ? nil : "expected \(path) \(op.rawValue) \(expected), got \(actual)"
            }
        case .event(let text, let present):
            let wanted = Session.normalized(text)
            let found = lastEvents.contains { Session.normalized($0.event.description) == wanted }
            if found == present {
                failure = nil
            } else if present {
                let got = lastEvents.isEmpty ? "no events" : lastEvents.map(\.event.description).joined(separator: ", ")
                failure = "expected event \(text), got \(got)"
            } else {
                failure = "expected no event \(text), got it"
            }
        }
        publishVerdict(c, failure: failure, into: &reply)
    }

    /// What a path reads now, or why there is nothing to read (the object does not exist).
    func value(of path: ExpectPath) -> Result<PathValue, TextError> { Session.value(of: path, in: state) }

    static func value<S: SessionState>(of path: ExpectPath, in state: S) -> Result<PathValue, TextError> {
        switch path {
        case .last:
            return .success(PathValue(state.lastResult))
        case .time:
            return .success(.number(Int(state.now.milliseconds)))
        case .thread(let t, let field):
            guard let th = state.threadRow(t) else { return .failure(TextError("no thread \(t)")) }
            switch field {
            case .state: return .success(.word(th.state.description))
            case .result: return .success(PathValue(th.lastResult))
            }
        case .handle(let h, let field):
            guard let row = state.handleRow(h) else { return .failure(TextError("no handle \(h)")) }
            switch field {
            case .refcount: return .success(.number(row.refcount))
            case .pending: return .success(.number(row.pending))
            case .sendq: return .success(.number(row.sendQueue))
            case .recvq: return .success(.number(row.receiveQueue))
            case .linger: return .success(.linger(row.linger))
            case .mode: return .success(.word(row.isNonblocking ? "nonblocking" : "blocking"))
            case .state: return .success(.word(row.state.description))
            case .process: return .success(.word(row.process.description))
            case .socket: return .success(.word(row.socket.description))
            }
        case .socket(let id, let field):
            guard let s = state.socketRow(id) else { return .failure(TextError("no socket \(id)")) }
            switch field {
            case .refcount: return .success(.number(s.refcount))
            case .sendq: return .success(.number(s.sendQueue))
            case .recvq: return .success(.number(s.receiveQueue))
            case .state: return .success(.word(s.state.description))
            case .linger: return .success(.linger(s.linger))
            case .discarded: return .success(.number(s.discarded))
            // On a socket without a peer the peer paths read 0 / false / none.
            case .peerReceived: return .success(.number(s.peer?.received ?? 0))
            case .peerRead: return .success(.number(s.peer?.read ?? 0))
            case .peerFin: return .success(.boolean(s.peer?.hasReceivedFin ?? false))
            case .peerReset: return .success(.boolean(s.peer?.hasReceivedReset ?? false))
            case .peerError: return .success(.word(s.peer?.nextReceive.description ?? "none"))
            }
        case .operation(let id, let field):
            guard let o = state.operationRow(id) else { return .failure(TextError("no operation \(id)")) }
            switch field {
            case .status: return .success(.word(o.status.description))
            case .bytes: return .success(.number(o.bytes))
            case .notified: return .success(.boolean(o.isNotified))
            }
        case .process(let p, .startup):
            guard let proc = state.processRow(p) else { return .failure(TextError("no process \(p)")) }
            return .success(.number(proc.startupCount))
        }
    }

    /// Compares a typed value with the value written in the script. Ordering applies to numbers
    /// only; a value that is not one fails the expectation (the parser already refused ordering on
    /// paths that never read a number).
    func matches(actual: PathValue, _ op: Comparison, _ expected: String, path: ExpectPath) -> Bool {
        let want = Session.normalized(expected)
        let equal: Bool
        switch actual {
        case .number(let a):
            guard let b = parseExpectedNumber(want, for: path) else { return op == .notEqual }
            switch op {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            }
        case .boolean(let a):
            // A boolean equals TRUE/FALSE, true/false and 1/0 alike (docs/language.md, "Expectations").
            let b: Bool? = switch want {
            case "true", "1": true
            case "false", "0": false
            default: nil
            }
            equal = b == a
        case .linger(let a):
            equal = Session.linger(want).map { $0.isEnabled == a.isEnabled && (!a.isEnabled || $0.seconds == a.seconds) } ?? false
        case .word(let a):
            equal = Session.normalized(a) == want
        }
        switch op {
        case .equal: return equal
        case .notEqual: return !equal
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return false
        }
    }

    /// `off`, `on 5s` (as the LINGER column reads), or nil.
    static func linger(_ text: String) -> Linger? {
        if text == "off" { return Linger(onoff: 0, seconds: 0) }
        let words = text.split(separator: " ")
        guard words.count == 2, words[0] == "on", words[1].hasSuffix("s"),
              let seconds = Int(words[1].dropLast()) else { return nil }
        return Linger(onoff: 1, seconds: seconds)
    }

    /// Lowercased, with runs of blanks made one space.
    static func normalized(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
