import WinsockModel

/// One element of a command's grammar. The catalog is made of these, and the parser, the
/// usage lines of `help` and TAB completion are all driven by them.
public enum Pattern: Sendable {
    /// A literal keyword.
    case word(String)
    /// One keyword of several, shown as `a|b|c`.
    case choice([String])
    /// An object name.
    case name(NameKind)
    /// A decimal number in a range (docs/language.md: digits only, at most 2^53).
    case number(String, ClosedRange<Int>)
    /// A duration with a unit: `250ms`, `2s`, `1m`.
    case duration(String)
    indirect case optional(Pattern)
    /// Any of these keywords, in any order, each at most once.
    case flags([String])
    /// The rest of the words, as written.
    case rest(String)
    /// An event in its canonical form, the rest of the words (`RST s1`).
    case event
    /// An expectation path: `last`, `t`, `h1.state`, `s1.peer.fin` (docs/language.md, "Expectations").
    case path
    /// A comparison, after a path: `==` `!=` `<` `<=` `>` `>=`.
    case comparison
    /// The value an expectation compares with, after a path and a comparison: the rest of the
    /// words, as written; after an ordering comparison, a number (for `t`, a duration).
    case expectedValue
    /// A provider call (after `on TN`).
    case call
    /// A command that changes the session (after `whatif`): one whose spec's effect is
    /// `.changesSession`.
    case command

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
        case .event: "<event>"
        case .path: "<path>"
        case .comparison: "<op>"
        case .expectedValue: "<value>"
        case .call: "<provider call>"
        case .command: "<command>"
        }
    }
}

/// The kinds of object a name names: `hN`, `sN`, `PN`, `TN`, `piN`, `opN` (docs/language.md, "Names").
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

    /// The prefix in lowercase ASCII, as bytes: one or two (the second 0 when there is one).
    private var lowercasePrefix: (UInt8, UInt8) {
        switch self {
        case .handle: (UInt8(ascii: "h"), 0)
        case .socket: (UInt8(ascii: "s"), 0)
        case .process: (UInt8(ascii: "p"), 0)
        case .thread: (UInt8(ascii: "t"), 0)
        case .protocolInfo: (UInt8(ascii: "p"), UInt8(ascii: "i"))
        case .operation: (UInt8(ascii: "o"), UInt8(ascii: "p"))
        }
    }

    /// What a word's lowercased bytes say as a name of this kind.
    enum Match { case notAName, number(Int), tooLarge }

    /// Reads `h3`-style names from a word's folded bytes (ASCII capitals allowed): not a name of
    /// this kind, its number, or a number too large for one (above 2^31 - 1).
    func number(_ folded: UnsafeBufferPointer<UInt8>) -> Match {
        let (first, second) = lowercasePrefix
        let length = second == 0 ? 1 : 2
        guard folded.count > length, lowercasedASCII(folded[0]) == first,
              second == 0 || lowercasedASCII(folded[1]) == second else { return .notAName }
        let digits = UnsafeBufferPointer(rebasing: folded[length...])
        guard isDigits(digits) else { return .notAName }
        guard let n = parseNumber(digits), n <= Int(Int32.max) else { return .tooLarge }
        return .number(n)
    }

    /// The message for a name (`written`, at `column`) whose number is too large for this kind.
    func tooLarge(_ written: String, column: Int) -> Diagnostic {
        Diagnostic(column: column, "\(quoted(written)): number too large for \(noun)")
    }
}

/// The largest number the language accepts (docs/language.md, "Commands").
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

/// Whether the bytes are one or more decimal digits.
func isDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !bytes.isEmpty else { return false }
    for c in bytes where c &- 48 >= 10 { return false }
    return true
}

/// Parses the word at `position` as a duration (`250ms`, `2s`, `1m`) into a span; a diagnostic
/// names what is wrong.
func parseDuration(_ words: Words, _ position: Int, label: @autoclosure () -> String) throws(Diagnostic) -> Span {
    try parseDuration(words.foldedBytes(position), column: words[position].column, written: words.string(position), label: label())
}

/// Parses a duration from its folded bytes (ASCII capitals allowed); `written` (the word as
/// written) and `label` are for the messages.
func parseDuration(_ folded: UnsafeBufferPointer<UInt8>, column: Int, written: @autoclosure () -> String,
                   label: @autoclosure () -> String) throws(Diagnostic) -> Span {
    var digitCount = 0
    while digitCount < folded.count && folded[digitCount] &- 48 < 10 { digitCount += 1 }
    var digits = UnsafeBufferPointer(rebasing: folded[..<digitCount])
    var unit = UnsafeBufferPointer(rebasing: folded[digitCount...])
    // The leading digits are counted in bytes but were cut in characters: a digit followed by a
    // combining mark is one character, so the digits take its mark and the unit starts later.
    var unitText: String? = nil
    if unit.contains(where: { $0 >= 0x80 }) {
        let word = Substring(String(decoding: folded, as: UTF8.self))
        let prefix = word.prefix(digitCount).utf8.count
        digits = UnsafeBufferPointer(rebasing: folded[..<prefix])
        unit = UnsafeBufferPointer(rebasing: folded[prefix...])
        unitText = String(decoding: unit, as: UTF8.self)
    }
    func notADuration() -> Diagnostic {
        Diagnostic(column: column, "\(quoted(written())) is not a duration: <\(label())> is digits and a unit (250ms, 2s, 1m)")
    }
    guard digitCount > 0, !unit.contains(where: { $0 &- 48 < 10 }) else { throw notADuration() }
    guard let n = parseNumber(digits) else {
        throw Diagnostic(column: column, "\(quoted(written())): number too large (at most 2^53)")
    }
    let perUnit: Int64
    let m = UInt8(ascii: "m"), s = UInt8(ascii: "s")
    switch unit.count {
    case 0:
        throw Diagnostic(column: column, "\(quoted(written())): a duration needs a unit: ms, s or m (for example \(n)ms)")
    case 1 where lowercasedASCII(unit[0]) == s: perUnit = 1000
    case 1 where lowercasedASCII(unit[0]) == m: perUnit = 60_000
    case 2 where lowercasedASCII(unit[0]) == m && lowercasedASCII(unit[1]) == s: perUnit = 1
    default:
        let text = unitText ?? String(decoding: unit.map(lowercasedASCII), as: UTF8.self)
        // Characters, not bytes: a dot with a combining mark on it is not a dot.
        if text.contains(".") || text.contains(",") { throw notADuration() }
        throw Diagnostic(column: column, "\(quoted(written())): unknown unit \(quoted(text)); use ms, s or m")
    }
    let (ms, overflow) = Int64(n).multipliedReportingOverflow(by: perUnit)
    guard !overflow, ms <= Span.maximumMilliseconds else {
        throw Diagnostic(column: column, "\(quoted(written())): duration too long (at most \(Span.maximumMilliseconds / 60_000)m, about 100 years)")
    }
    return .milliseconds(ms)
}
