// The rules themselves are `RuleID`, an enum generated from docs/rules.md into RuleText.swift
// by scripts/gen-rules.py (`make generate`): one case per rule, with its section and its text, so
// `help R12` quotes docs/rules.md word for word.

/// One rule that fired, with the plain sentence `explain` prints for it. The sentence is made
/// only when asked for: most calls are never explained, and formatting it costs more than the
/// rest of the call. Frequent notes are a template with a few arguments (no allocation at all);
/// others keep a closure.
public struct RuleNote: Hashable, Sendable, CustomStringConvertible {
    /// The rule that fired.
    public let rule: RuleID
    private let storage: Storage

    private enum Storage: Sendable {
        case made(@Sendable () -> String)
        case template(StaticString, NoteArg, NoteArg, NoteArg)
    }

    /// A note whose sentence is made when it is read.
    public init(_ rule: RuleID, _ text: @escaping @Sendable () -> String) { self.rule = rule; storage = .made(text) }
    /// A note with its sentence (a live backend's, or a test's).
    public init(_ rule: RuleID, _ text: String) { self.init(rule) { text } }
    init(_ rule: RuleID, template: StaticString, _ a: NoteArg, _ b: NoteArg, _ c: NoteArg) {
        self.rule = rule
        storage = .template(template, a, b, c)
    }

    /// The sentence, in the words of this call: `s1 is nonblocking and lingers 10s with …`.
    public var text: String {
        switch storage {
        case .made(let make): return make()
        case .template(let t, let a, let b, let c): return NoteArg.fill(t, [a, b, c])
        }
    }
    /// `R12: <text>`, as `explain` prints it.
    public var description: String { "\(rule): \(text)" }
    /// The same rule and the same sentence.
    public static func == (a: RuleNote, b: RuleNote) -> Bool { a.rule == b.rule && a.text == b.text }
    /// Hashes the rule only: making the sentence to hash it would cost more than it saves.
    public func hash(into h: inout Hasher) { h.combine(rule) }
}

/// An argument of a note template: `{0}`, `{1}`, `{2}` in the template are replaced by it.
public enum NoteArg: Sendable {
    /// No argument (a template with fewer than three).
    case none
    /// A number.
    case int(Int)
    /// A socket's name.
    case socket(SocketID)
    /// A fixed word or phrase.
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
