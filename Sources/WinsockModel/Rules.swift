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
/// rest of the call.
public struct RuleNote: Hashable, Sendable, CustomStringConvertible {
    public let rule: RuleID
    private let make: @Sendable () -> String
    public init(_ rule: RuleID, _ text: @escaping @Sendable () -> String) { self.rule = rule; self.make = text }
    public init(_ rule: RuleID, _ text: String) { self.init(rule) { text } }
    public var text: String { make() }
    public var description: String { "\(rule): \(text)" }
    public static func == (a: RuleNote, b: RuleNote) -> Bool { a.rule == b.rule && a.text == b.text }
    public func hash(into h: inout Hasher) { h.combine(rule) }
}
