import WinsockModel

/// What one pattern of a form matched, in the form's order. Builders never see these: they read
/// `Arguments`. Plain data (no string, nothing counted), so the values of a form are cheap to
/// keep inline and to move: text is read from the line's words only when a builder asks for it,
/// and a command inside this one is kept beside the values (`Arguments.nested`).
enum Argument {
    /// A literal keyword (`.word`).
    case word
    /// Which word of a `.choice` (its index there).
    case choice(Int)
    /// An object name's number (`h3` → 3); the pattern says which kind.
    case name(Int)
    case number(Int)
    case duration(Span)
    /// Which words of a `.flags` were given: bit i for word i.
    case flags(UInt64)
    /// The rest of the words from this position of the line's words (as written, one space apart).
    case text(from: Int)
    /// The command inside this one (`on TN <call>`, `whatif <command>`), in `Arguments.nested`.
    case nested
    case path(ExpectPath)
    case comparison(Comparison)
    /// An optional pattern that was not given.
    case absent
}

/// The values of a form's patterns as the matcher appends them, held inline (a form has at most
/// `capacity` patterns; the round-trip test holds the catalog to it): matching a line puts no
/// array on the heap.
struct ArgumentList {
    static let capacity = 6
    private var storage: InlineArray<6, Argument> = [.absent, .absent, .absent, .absent, .absent, .absent]
    private(set) var count = 0

    init() {}

    /// The values of `values`, for tests that make `Arguments` by hand.
    init(_ values: [Argument]) {
        for value in values { append(value) }
    }

    subscript(i: Int) -> Argument {
        precondition(i < count, "ArgumentList: no value \(i)")
        return storage[i]
    }

    mutating func append(_ value: Argument) {
        precondition(count < ArgumentList.capacity, "catalog: a form of more than \(ArgumentList.capacity) patterns")
        storage[count] = value
        count += 1
    }

    /// Forgets the last `k` values (a branch of an optional pattern that did not match).
    mutating func removeLast(_ k: Int) { count -= k }

    mutating func removeAll() { count = 0 }
}

/// What a form's patterns matched, read by what each pattern is: `a.handle`, `a.number("seconds")`,
/// `a.span`, `a.keyword(as: Profile.self)`, and for optional patterns `a.optional.thread` or
/// `a.has("overlapped")`. A builder never counts positions.
///
/// Asking for something the form's patterns cannot give — a name it has no pattern for, a label it
/// does not have, a required accessor on an optional pattern or the other way round — is a mistake
/// in the catalog, not in the line being parsed: it stops the program with the form's usage. The
/// round-trip test runs every builder of the catalog, so such a mistake fails the tests the first
/// time they run.
///
/// The patterns are read as the grammar compiled them (`Grammar.Step`), which hold no string: a
/// builder's questions touch no reference count.
struct Arguments {
    /// `Grammar.shared`, or a grammar a test holds: not counted, as arguments are made for every command.
    unowned(unsafe) let grammar: Grammar
    /// The form's number in the grammar.
    let form: Int
    let values: ArgumentList
    /// The words the values were matched in: text values are read from them (nil for values made
    /// by hand, which have none).
    let words: Words?
    /// The command inside this one (`on TN <call>`, `whatif <command>`), if the form has one.
    let nested: Built?
    /// Where the command's name starts: diagnostics about the command as a whole point there
    /// (`socket stream dgram`, `on T2 cancel T3`).
    let commandColumn: Int

    init(grammar: Grammar, form: Int, values: ArgumentList, words: Words?, nested: Built?, commandColumn: Int) {
        self.grammar = grammar; self.form = form; self.values = values; self.words = words; self.nested = nested
        self.commandColumn = commandColumn
    }

    // MARK: Required patterns

    var handle: HandleID { HandleID(rawValue: name(.handle)) }
    var socket: SocketID { SocketID(rawValue: name(.socket)) }
    var process: ProcessID { ProcessID(rawValue: name(.process)) }
    var thread: ThreadID { ThreadID(rawValue: name(.thread)) }
    var protocolInfo: ProtocolInfoID { ProtocolInfoID(rawValue: name(.protocolInfo)) }

    /// The number of the `.number` pattern labelled `label` (`a.number("seconds")`).
    func number(_ label: String) -> Int {
        guard case .number(let n) = required({ if case .number(let l, _) = $0 { grammar.labels[l] == label } else { false } },
                                            "<\(label)>") else {
            misuse("<\(label)> is not a number")
        }
        return n
    }

    /// The form's duration.
    var span: Span {
        guard case .duration(let d) = required({ if case .duration = $0 { true } else { false } }, "duration") else {
            misuse("its duration is not a duration")
        }
        return d
    }

    /// The rest of the line, as written (a file, a snapshot or lesson name, a help topic).
    var text: String {
        guard case .text(let from) = required(Arguments.isRest, "rest of the line") else { misuse("its rest is not text") }
        return text(from: from)
    }

    /// The provider call after `on TN`, with the thread a `cancel TN` in it names.
    var call: (ProviderCall, ThreadID?) {
        guard case .nested = required({ if case .call = $0 { true } else { false } }, "<provider call>"),
              case .call(let c, let t)? = nested else {
            misuse("its call is not a call")
        }
        return (c, t)
    }

    /// The command after `whatif`.
    var command: Command {
        guard case .nested = required({ if case .command = $0 { true } else { false } }, "<command>"),
              case .command(let c)? = nested else {
            misuse("its command is not a command")
        }
        return c
    }

    /// The event of `expect [no] event <event>`, as written.
    var event: String {
        guard case .text(let from) = required({ if case .event = $0 { true } else { false } }, "<event>") else {
            misuse("its event is not text")
        }
        return text(from: from)
    }

    /// The path of `expect <path> <op> <value>`.
    var path: ExpectPath {
        guard case .path(let p) = required({ if case .path = $0 { true } else { false } }, "<path>") else {
            misuse("its path is not a path")
        }
        return p
    }

    /// The comparison of `expect <path> <op> <value>`.
    var comparison: Comparison {
        guard case .comparison(let c) = required({ if case .comparison = $0 { true } else { false } }, "<op>") else {
            misuse("its comparison is not a comparison")
        }
        return c
    }

    /// The value of `expect <path> <op> <value>`, as written.
    var expectedValue: String {
        guard case .text(let from) = required({ if case .expectedValue = $0 { true } else { false } }, "<value>") else {
            misuse("its value is not text")
        }
        return text(from: from)
    }

    /// Whether the form's choice matched `word` (`a.keyword(is: "on")`). `word` must be one of
    /// the choice's words, spelt as the catalog spells it.
    func keyword(is word: String) -> Bool {
        let (keywords, index) = choice(optional: false)
        guard let k = keywords.first(where: { grammar.spellings[$0] == word }) else {
            misuse("no keyword \(word) in \(keywords.map { grammar.spellings[$0] }.joined(separator: "|"))")
        }
        return index == k - keywords.lowerBound
    }

    /// The keyword the form's choice matched, as the `T` whose raw value the catalog spells it
    /// with (`a.keyword(as: OutputFormat.self)`).
    func keyword<T: RawRepresentable<String>>(as type: T.Type) -> T {
        let (keywords, index) = choice(optional: false)
        guard let index else { misuse("its choice matched nothing") }
        return Arguments.value(grammar.spellings[keywords.lowerBound + index], as: type)
    }

    /// The form's flags: which of its keywords were given.
    var flags: Flags {
        let elements = grammar.forms[form]
        for i in elements {
            guard case .flags(let keywords) = grammar.elements[i].step else { continue }
            guard case .flags(let given) = values[i - elements.lowerBound] else { misuse("its flags are not flags") }
            return Flags(keywords: keywords, given: given, form: self)
        }
        misuse("has no flags")
    }

    /// Which keywords of a `.flags` pattern were given.
    struct Flags {
        /// The pattern's words, as the grammar numbers them.
        let keywords: Range<Int>
        let given: UInt64
        let form: Arguments
        /// Whether `word` (one of the pattern's words) was given.
        func contains(_ word: String) -> Bool {
            guard let k = keywords.first(where: { form.grammar.spellings[$0] == word }) else { form.misuse("no flag \(word)") }
            return given & (1 << UInt64(k - keywords.lowerBound)) != 0
        }
    }

    // MARK: Optional patterns

    /// Whether the optional keyword `word` was given (`send hN <bytes> [overlapped]`).
    func has(_ word: String) -> Bool {
        let value = slot({ if case .word(let k) = $0 { grammar.spellings[k] == word } else { false } }, "[\(word)]", optional: true)
        if case .absent = value { return false }
        return true
    }

    /// The form's optional patterns: nil where not given (`a.optional.thread` for `cancel [TN]`).
    var optional: Optionals { Optionals(arguments: self) }

    struct Optionals {
        let arguments: Arguments
        var socket: SocketID? { name(.socket).map(SocketID.init(rawValue:)) }
        var process: ProcessID? { name(.process).map(ProcessID.init(rawValue:)) }
        var thread: ThreadID? { name(.thread).map(ThreadID.init(rawValue:)) }

        func number(_ label: String) -> Int? {
            let value = arguments.slot({ if case .number(let l, _) = $0 { arguments.grammar.labels[l] == label } else { false } },
                                       "[<\(label)>]", optional: true)
            if case .number(let n) = value { return n }
            guard case .absent = value else { arguments.misuse("[<\(label)>] is not a number") }
            return nil
        }

        var text: String? {
            let value = arguments.slot(Arguments.isRest, "[rest of the line]", optional: true)
            if case .text(let from) = value { return arguments.text(from: from) }
            guard case .absent = value else { arguments.misuse("its optional rest is not text") }
            return nil
        }

        func keyword<T: RawRepresentable<String>>(as type: T.Type) -> T? {
            let (keywords, index) = arguments.choice(optional: true)
            return index.map { Arguments.value(arguments.grammar.spellings[keywords.lowerBound + $0], as: type) }
        }

        private func name(_ kind: NameKind) -> Int? {
            let value = arguments.slot({ if case .name(kind) = $0 { true } else { false } }, "[\(kind.placeholder)]", optional: true)
            if case .name(let n) = value { return n }
            guard case .absent = value else { arguments.misuse("[\(kind.placeholder)] is not a name") }
            return nil
        }
    }

    // MARK: Finding a pattern's value

    /// The words from `position` to the end, as written, one space apart.
    fileprivate func text(from position: Int) -> String {
        guard let words else { misuse("has text but no words to read it from") }
        return words.joined(from: position)
    }

    private static func isRest(_ step: Grammar.Step) -> Bool { if case .rest = step { true } else { false } }

    private func name(_ kind: NameKind) -> Int {
        guard case .name(let n) = required({ if case .name(kind) = $0 { true } else { false } }, kind.placeholder) else {
            misuse("\(kind.placeholder) is not a name")
        }
        return n
    }

    private func required(_ matches: (Grammar.Step) -> Bool, _ what: @autoclosure () -> String) -> Argument {
        slot(matches, what(), optional: false)
    }

    /// The value of the form's pattern that `matches`, which must be optional exactly when
    /// `optional` says so.
    fileprivate func slot(_ matches: (Grammar.Step) -> Bool, _ what: @autoclosure () -> String, optional: Bool) -> Argument {
        let elements = grammar.forms[form]
        for i in elements {
            let element = grammar.elements[i]
            guard matches(element.step) else { continue }
            if element.isOptional {
                guard optional else { misuse("\(what()) is optional: read it with `optional`") }
            } else {
                guard !optional else { misuse("\(what()) is not optional") }
            }
            return values[i - elements.lowerBound]
        }
        misuse("has no \(what())")
    }

    /// The keywords of the form's choice and which one matched (nil: an optional choice not given).
    fileprivate func choice(optional: Bool) -> (Range<Int>, Int?) {
        let elements = grammar.forms[form]
        for i in elements {
            let element = grammar.elements[i]
            guard case .choice(let keywords) = element.step else { continue }
            guard element.isOptional == optional else {
                misuse(element.isOptional ? "its choice is optional" : "its choice is not optional")
            }
            let value = values[i - elements.lowerBound]
            if case .choice(let index) = value { return (keywords, index) }
            guard case .absent = value else { misuse("its choice matched no keyword") }
            return (keywords, nil)
        }
        misuse("has no choice of keywords")
    }

    fileprivate static func value<T: RawRepresentable<String>>(_ word: String, as type: T.Type) -> T {
        guard let value = T(rawValue: word) else { preconditionFailure("catalog: \(word) is not a \(T.self)") }
        return value
    }

    /// A builder asked for something its form does not have: a mistake in the catalog.
    fileprivate func misuse(_ what: String) -> Never {
        preconditionFailure("catalog: the form `\(grammar.usage(ofForm: form))` \(what)")
    }
}
