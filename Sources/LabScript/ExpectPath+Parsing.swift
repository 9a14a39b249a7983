import WinsockModel

/// Reading expectation paths and values (docs/language.md, "Expectations"); the `.path`,
/// `.comparison` and `.expectedValue` patterns of `expect` use these.
extension ExpectPath {
    /// The path named by `kind`'s object number `n` and `field`; nil if that kind has no such field.
    init?(_ kind: NameKind, _ n: Int, field: String) {
        let path: ExpectPath? = switch kind {
        case .handle: HandleField(rawValue: field).map { .handle(HandleID(rawValue: n), $0) }
        case .socket: SocketField(rawValue: field).map { .socket(SocketID(rawValue: n), $0) }
        case .thread: ThreadField(rawValue: field).map { .thread(ThreadID(rawValue: n), $0) }
        case .operation: OperationField(rawValue: field).map { .operation(OperationID(rawValue: n), $0) }
        case .process: ProcessField(rawValue: field).map { .process(ProcessID(rawValue: n), $0) }
        case .protocolInfo: nil
        }
        guard let path else { return nil }
        self = path
    }

    /// The fields a path can read of an object of `kind` (`state`, `peer.fin`).
    public static func fields(of kind: NameKind) -> [String] {
        switch kind {
        case .handle: HandleField.allCases.map(\.rawValue)
        case .socket: SocketField.allCases.map(\.rawValue)
        case .thread: ThreadField.allCases.map(\.rawValue)
        case .operation: OperationField.allCases.map(\.rawValue)
        case .process: ProcessField.allCases.map(\.rawValue)
        case .protocolInfo: []
        }
    }

    /// The kinds of object a path can name, in the order completion offers them.
    static let objectKinds: [NameKind] = [.handle, .socket, .thread, .operation, .process]

    /// What may complete `partial` as a path: `last`, `t` and `h1.` for every object `names`
    /// lists; once an object and its dot are typed, that object's paths (`h1.state`, …).
    public static func completions(of partial: String, names: (NameKind) -> [String]) -> [String] {
        guard let dot = partial.firstIndex(of: ".") else {
            return ["last", "t"] + objectKinds.flatMap { kind in names(kind).map { $0 + "." } }
        }
        let object = partial[..<dot]
        var folded = asciiLowercased(String(object))
        return folded.withUTF8 { bytes in
            for kind in objectKinds {
                guard case .number = kind.number(bytes) else { continue }
                return fields(of: kind).map { "\(object).\($0)" }
            }
            return []
        }
    }

    /// Whether the path can read a number, so that ordering applies: number paths, and `last` and
    /// `TN.result`, which read a byte count after a send or receive.
    var mayReadNumber: Bool {
        switch self {
        case .last, .thread(_, .result): true
        case .time, .thread, .handle, .socket, .operation, .process: kind == .number
        }
    }
}

/// A number written for a path: digits, or for `t` a duration (`1s` = 1000).
public func parseExpectedNumber(_ value: String, for path: ExpectPath) -> Int? {
    if let n = parseNumber(Substring(value)) { return n }
    guard path == .time else { return nil }
    var folded = asciiLowercased(value)
    return folded.withUTF8 { bytes in
        (try? parseDuration(bytes, column: 1, written: value, label: "t")).map { Int($0.milliseconds) }
    }
}

/// Parses the path word at `position` (`h1.state`, case-insensitively); an unknown path is a
/// diagnostic at the word.
func parsePath(_ words: Words, _ position: Int) throws(Diagnostic) -> ExpectPath {
    let word = words.foldedBytes(position)
    let column = words[position].column
    func unknown() -> Diagnostic {
        Diagnostic(column: column, "expect: unknown path \(quoted(words.string(position))); paths: \(ExpectPath.compactForms)")
    }
    func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes.map(lowercasedASCII), as: UTF8.self)
    }
    if word.count == 4 && lowercased(word) == "last" { return .last }
    if word.count == 1 && lowercasedASCII(word[0]) == UInt8(ascii: "t") { return .time }
    // The first dot that is a character of its own (a dot with a combining mark on it is not one).
    var dot: Int? = nil
    if word.contains(where: { $0 >= 0x80 }) {
        let text = String(decoding: word, as: UTF8.self)
        dot = text.firstIndex(of: ".").map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
    } else {
        dot = word.firstIndex(of: UInt8(ascii: "."))
    }
    guard let dot else { throw unknown() }
    let object = UnsafeBufferPointer(rebasing: word[..<dot])
    let field = lowercased(UnsafeBufferPointer(rebasing: word[(dot + 1)...]))
    // Every kind of name, so that `pi99999999999.x` says its number is too large for a block.
    for kind in NameKind.allCases {
        switch kind.number(object) {
        case .notAName: continue
        case .tooLarge: throw kind.tooLarge(lowercased(object), column: column)
        case .number(let n):
            guard let path = ExpectPath(kind, n, field: field) else { throw unknown() }
            return path
        }
    }
    throw unknown()
}
