import WinsockModel

/// One element of a command's grammar. The catalog is made of these, and the parser, the
/// usage lines of `help` and TAB completion are all driven by them.
public indirect enum Pattern: Sendable {
    /// A literal keyword.
    case word(String)
    /// One keyword of several, shown as `<label>` or `a|b|c`.
    case choice([String])
    /// An object name.
    case name(NameKind)
    /// A decimal number in a range (SPEC.md: digits only, at most 2^53).
    case number(String, ClosedRange<Int>)
    /// A duration with a unit: `250ms`, `2s`, `1m`.
    case duration(String)
    case optional(Pattern)
    /// Any of these keywords, in any order, each at most once.
    case flags([String])
    /// The rest of the words, as written.
    case rest(String)
    /// A provider call (after `on TN`).
    case call

    /// How the pattern reads in a usage line.
    public var usage: String {
        switch self {
        case .word(let w): w
        case .choice(let ws): ws.joined(separator: "|")
        case .name(let k): k.placeholder
        case .number(let label, _): "<\(label)>"
        case .duration(let label): "<\(label)>"
        case .optional(let p): "[\(p.usage)]"
        case .flags(let ws): ws.map { "[\($0)]" }.joined(separator: " ")
        case .rest(let label): "<\(label)>"
        case .call: "<provider call>"
        }
    }
}

public enum NameKind: String, CaseIterable, Sendable {
    case handle, socket, process, thread, protocolInfo, operation

    public var prefix: String {
        switch self {
        case .handle: HandleID.prefix
        case .socket: SocketID.prefix
        case .process: ProcessID.prefix
        case .thread: ThreadID.prefix
        case .protocolInfo: ProtocolInfoID.prefix
        case .operation: OperationID.prefix
        }
    }
    public var placeholder: String { prefix + "N" }
    var noun: String {
        switch self {
        case .handle: "a handle (hN)"
        case .socket: "a socket (sN)"
        case .process: "a process (PN)"
        case .thread: "a thread (TN)"
        case .protocolInfo: "a protocol-info block (piN)"
        case .operation: "an operation (opN)"
        }
    }

    /// Parses `h3`-style names, case-insensitively. Nil if the word is not this kind of name;
    /// a diagnostic if it is, but its number is too large.
    var lowercasePrefix: String {
        switch self {
        case .handle: "h"
        case .socket: "s"
        case .process: "p"
        case .thread: "t"
        case .protocolInfo: "pi"
        case .operation: "op"
        }
    }

    func parse(_ token: Token) throws(Diagnostic) -> Int? {
        let bytes = token.folded.utf8
        let p = lowercasePrefix.utf8
        guard bytes.count > p.count, bytes.starts(with: p) else { return nil }
        let digits = bytes.dropFirst(p.count)
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard let n = parseNumber(digits), n <= Int(Int32.max) else {
            throw Diagnostic(column: token.column, "\(quoted(token.text)): number too large for \(noun)")
        }
        return n
    }
}

/// The largest number the language accepts (SPEC.md section 2).
public let maximumNumber = 1 << 53

/// Decimal digits only; nil if not digits or above 2^53.
func parseNumber(_ s: Substring) -> Int? { parseNumber(s.utf8) }

func parseNumber<C: Collection<UInt8>>(_ bytes: C) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
    var n = 0
    for c in bytes {
        guard c >= 48 && c <= 57 else { return nil }
        let (m, o1) = n.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int(c - 48))
        if o1 || o2 { return nil }
        n = a
    }
    return n <= maximumNumber ? n : nil
}

func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }

/// Parses `250ms`, `2s`, `1m` into a span; a diagnostic names what is wrong.
func parseDuration(_ token: Token, label: String) throws(Diagnostic) -> Span {
    let word = token.folded
    let bytes = word.utf8
    let digitCount = bytes.prefix { $0 >= 48 && $0 <= 57 }.count
    let digits = Substring(word).prefix(digitCount)
    let unit = String(Substring(word).dropFirst(digitCount))
    guard digitCount > 0, unit.utf8.allSatisfy({ !($0 >= 48 && $0 <= 57) }) else {
        throw Diagnostic(column: token.column, "\(quoted(token.text)) is not a duration: <\(label)> is digits and a unit (250ms, 2s, 1m)")
    }
    guard let n = parseNumber(digits) else {
        throw Diagnostic(column: token.column, "\(quoted(token.text)): number too large (at most 2^53)")
    }
    let perUnit: Int64
    switch unit {
    case "ms": perUnit = 1
    case "s": perUnit = 1000
    case "m": perUnit = 60_000
    case "":
        throw Diagnostic(column: token.column, "\(quoted(token.text)): a duration needs a unit: ms, s or m (for example \(n)ms)")
    default:
        if unit.contains(".") || unit.contains(",") {
            throw Diagnostic(column: token.column, "\(quoted(token.text)) is not a duration: <\(label)> is digits and a unit (250ms, 2s, 1m)")
        }
        throw Diagnostic(column: token.column, "\(quoted(token.text)): unknown unit \(quoted(unit)); use ms, s or m")
    }
    let (ms, overflow) = Int64(n).multipliedReportingOverflow(by: perUnit)
    guard !overflow, ms <= Span.maximumMilliseconds else {
        throw Diagnostic(column: token.column, "\(quoted(token.text)): duration too long (at most \(Span.maximumMilliseconds / 60_000)m, about 100 years)")
    }
    return .milliseconds(ms)
}

/// A value the grammar matched.
public enum Argument: Hashable, Sendable {
    case keyword(String)
    case name(NameKind, Int)
    case number(Int)
    case duration(Span)
    case flags(Set<String>)
    case text(String)
    case call(ProviderCall, ThreadID?)
    case absent

    var keyword: String? { if case .keyword(let k) = self { k } else { nil } }
    var number: Int? { if case .number(let n) = self { n } else { nil } }
    var span: Span? { if case .duration(let d) = self { d } else { nil } }
    var text: String? { if case .text(let t) = self { t } else { nil } }
    var handle: HandleID? { if case .name(.handle, let n) = self { HandleID(rawValue: n) } else { nil } }
    var socket: SocketID? { if case .name(.socket, let n) = self { SocketID(rawValue: n) } else { nil } }
    var process: ProcessID? { if case .name(.process, let n) = self { ProcessID(rawValue: n) } else { nil } }
    var thread: ThreadID? { if case .name(.thread, let n) = self { ThreadID(rawValue: n) } else { nil } }
    var protocolInfo: ProtocolInfoID? { if case .name(.protocolInfo, let n) = self { ProtocolInfoID(rawValue: n) } else { nil } }
}
