/// A rule of RULES.md, by its number (`R12`, `R43a`). The texts are generated from RULES.md
/// into RuleText.swift so `help R12` quotes the contract word for word.
public struct RuleID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let name: String
    init(_ name: String) { self.name = name }

    /// Looks a rule up by its number, ignoring case (`r12`, `R43A`).
    public init?(named raw: String) {
        guard let r = RuleID.all.first(where: { $0.name.lowercased() == raw.lowercased() }) else { return nil }
        self = r
    }

    public var description: String { name }

    private var sortKey: (Int, String) {
        let digits = name.dropFirst().prefix(while: \.isNumber)
        return (Int(digits) ?? 0, String(name.dropFirst(1 + digits.count)))
    }
    public static func < (a: RuleID, b: RuleID) -> Bool { a.sortKey < b.sortKey }
}

/// One rule that fired, with the plain sentence `explain` prints for it. The sentence is made
/// only when asked for: most calls are never explained, and formatting it costs more than the
/// rest of the call. Frequent notes are a template with a few arguments (no allocation at all);
/// others keep a closure.
public struct RuleNote: Hashable, Sendable, CustomStringConvertible {
    public let rule: RuleID
    private let storage: Storage

    private enum Storage: Sendable {
        case made(@Sendable () -> String)
        case template(StaticString, NoteArg, NoteArg, NoteArg)
    }

    public init(_ rule: RuleID, _ text: @escaping @Sendable () -> String) { self.rule = rule; storage = .made(text) }
    public init(_ rule: RuleID, _ text: String) { self.init(rule) { text } }
    init(_ rule: RuleID, template: StaticString, _ a: NoteArg, _ b: NoteArg, _ c: NoteArg) {
        self.rule = rule
        storage = .template(template, a, b, c)
    }

    public var text: String {
        switch storage {
        case .made(let make): return make()
        case .template(let t, let a, let b, let c): return NoteArg.fill(t, [a, b, c])
        }
    }
    public var description: String { "\(rule): \(text)" }
    public static func == (a: RuleNote, b: RuleNote) -> Bool { a.rule == b.rule && a.text == b.text }
    public func hash(into h: inout Hasher) { h.combine(rule) }
}

/// An argument of a note template: `{0}`, `{1}`, `{2}` in the template are replaced by it.
public enum NoteArg: Sendable {
    case none
    case int(Int)
    case socket(SocketID)
    case word(StaticString)

    var text: String {
        switch self {
        case .none: ""
        case .int(let n): String(n)
        case .socket(let s): s.description
        case .word(let w): w.description
        }
    }

    static func fill(_ template: StaticString, _ args: [NoteArg]) -> String {
        var out = ""
        var bytes = Array(UnsafeBufferPointer(start: template.utf8Start, count: template.utf8CodeUnitCount))[...]
        while let open = bytes.firstIndex(of: UInt8(ascii: "{")) {
            out += String(decoding: bytes[..<open], as: UTF8.self)
            let digit = open + 1 < bytes.endIndex ? Int(bytes[open + 1]) - 48 : -1
            if (0..<args.count).contains(digit), open + 2 < bytes.endIndex, bytes[open + 2] == UInt8(ascii: "}") {
                out += args[digit].text
                bytes = bytes[(open + 3)...]
            } else {
                out += "{"
                bytes = bytes[(open + 1)...]
            }
        }
        return out + String(decoding: bytes, as: UTF8.self)
    }
}
