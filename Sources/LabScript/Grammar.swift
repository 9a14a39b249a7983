/// The catalog compiled once for the matcher: every keyword and command name as lowercase bytes
/// in one pool, every form's patterns as `Step`s that hold no string (matching a line copies
/// nothing that is reference counted), and the command names in a table looked up by their bytes.
/// Made from `commandCatalog` alone, so the catalog stays the one source of the language; the
/// catalog's `Pattern`s still give `help` its usage lines and builders their `Arguments`.
///
/// `@unchecked Sendable`: everything is set in `init` and never changed. What matching reads is
/// in `FixedTable`s rather than arrays, so matching a line touches no reference count.
final class Grammar: @unchecked Sendable {
    /// A pattern as the matcher reads it: `Pattern` with its words and labels replaced by their
    /// numbers in the grammar's tables.
    enum Step {
        /// A keyword (its number).
        case word(Int)
        /// One keyword of several (their numbers, consecutive).
        case choice(Range<Int>)
        case name(NameKind)
        case number(label: Int, ClosedRange<Int>)
        case duration(label: Int)
        case flags(Range<Int>)
        case rest(label: Int)
        case event, path, comparison, expectedValue, call, command
    }

    /// A step, and whether its pattern was `.optional`.
    struct Element {
        let step: Step
        let isOptional: Bool
    }

    /// The grammar of `commandCatalog`.
    static let shared = Grammar(commandCatalog)

    /// Every keyword's lowercase bytes, end to end.
    private let pool: FixedTable<UInt8>
    private let keywords: FixedTable<Range<Int>>
    /// Each keyword as the catalog spells it (messages, completion).
    let spellings: [String]
    /// The labels of numbers, durations and rests (`bytes`, `file`).
    let labels: [String]
    let elements: FixedTable<Element>
    /// Each form's elements; forms are numbered across the catalog, in its order.
    let forms: FixedTable<Range<Int>>
    /// The catalog's forms by their numbers: their builders, and their patterns for messages.
    let catalogForms: [Form]
    /// Each command's forms, by its place in the catalog.
    let commandForms: FixedTable<Range<Int>>
    /// Names and aliases (keyword, command), grouped by `bucket`.
    private let names: FixedTable<(keyword: Int, command: Int)>
    private let buckets: FixedTable<Range<Int>>
    private static let bucketCount = 64

    init(_ catalog: [CommandSpec]) {
        var pool: [UInt8] = [], keywords: [Range<Int>] = [], spellings: [String] = [], labels: [String] = []
        var elements: [Element] = [], forms: [Range<Int>] = [], commandForms: [Range<Int>] = [], catalogForms: [Form] = []
        func keyword(_ word: String) -> Int {
            let start = pool.count
            pool += word.utf8.map(lowercasedASCII)
            keywords.append(start..<pool.count)
            spellings.append(word)
            return keywords.count - 1
        }
        func label(_ text: String) -> Int {
            labels.append(text)
            return labels.count - 1
        }
        func step(_ pattern: Pattern) -> Step {
            switch pattern {
            case .word(let w): return .word(keyword(w))
            case .choice(let ws): let first = keywords.count; ws.forEach { _ = keyword($0) }; return .choice(first..<keywords.count)
            case .name(let kind): return .name(kind)
            case .number(let l, let range): return .number(label: label(l), range)
            case .duration(let l): return .duration(label: label(l))
            case .optional: preconditionFailure("catalog: an optional pattern inside an optional one")
            case .flags(let ws): let first = keywords.count; ws.forEach { _ = keyword($0) }; return .flags(first..<keywords.count)
            case .rest(let l): return .rest(label: label(l))
            case .event: return .event
            case .path: return .path
            case .comparison: return .comparison
            case .expectedValue: return .expectedValue
            case .call: return .call
            case .command: return .command
            }
        }
        var names: [[(keyword: Int, command: Int)]] = Array(repeating: [], count: Grammar.bucketCount)
        for (index, spec) in catalog.enumerated() {
            let firstForm = forms.count
            for form in spec.forms {
                let first = elements.count
                for pattern in form.patterns {
                    if case .optional(let inner) = pattern {
                        elements.append(Element(step: step(inner), isOptional: true))
                    } else {
                        elements.append(Element(step: step(pattern), isOptional: false))
                    }
                }
                forms.append(first..<elements.count)
                catalogForms.append(form)
            }
            commandForms.append(firstForm..<forms.count)
            for name in [spec.name] + spec.aliases {
                let k = keyword(name)
                let bytes = pool[keywords[k]]
                names[Grammar.bucket(bytes.count, bytes.first ?? 0, bytes.last ?? 0)].append((k, index))
            }
        }
        self.pool = FixedTable(pool); self.keywords = FixedTable(keywords); self.spellings = spellings; self.labels = labels
        self.elements = FixedTable(elements); self.forms = FixedTable(forms); self.catalogForms = catalogForms
        self.commandForms = FixedTable(commandForms)
        var buckets: [Range<Int>] = []
        for bucket in names {
            buckets.append(buckets.last.map { $0.upperBound..<($0.upperBound + bucket.count) } ?? 0..<bucket.count)
        }
        self.names = FixedTable(names.flatMap { $0 })
        self.buckets = FixedTable(buckets)
    }

    deinit {
        pool.free(); keywords.free(); elements.free(); forms.free(); commandForms.free(); names.free(); buckets.free()
    }

    /// The usage of form `form` after its command's name (`hN <bytes> [overlapped]`), for messages.
    func usage(ofForm form: Int) -> String { catalogForms[form].patterns.map(\.usage).joined(separator: " ") }

    /// Which bucket a name of `count` lowercase bytes from `first` to `last` is in.
    @inline(__always)
    private static func bucket(_ count: Int, _ first: UInt8, _ last: UInt8) -> Int {
        (count &* 7 &+ Int(first) &* 3 &+ Int(last)) & (bucketCount - 1)
    }

    /// Whether the word at `position` is keyword `k`, ignoring case.
    @inline(__always)
    func matches(_ words: Words, _ position: Int, keyword k: Int) -> Bool {
        words.matches(position, UnsafeBufferPointer(rebasing: pool.base[keywords[k]]))
    }

    /// The place in the catalog of the command the word at `position` names, ignoring case.
    func command(_ words: Words, _ position: Int) -> Int? {
        let f = words.foldedBytes(position)
        guard let first = f.first, let last = f.last else { return nil }
        for i in buckets[Grammar.bucket(f.count, lowercasedASCII(first), lowercasedASCII(last))]
        where matches(words, position, keyword: names[i].keyword) {
            return names[i].command
        }
        return nil
    }

    /// The place in the catalog of the command `word` names, ignoring case.
    func command(named word: String) -> Int? {
        let token = Token(word, column: 1)
        return withWords([token]) { words in command(words, 0) }
    }
}

/// An array's elements in a buffer of their own, read with no reference count touched (an array
/// read from a class is retained while it is read). Plain data only; its owner frees it.
struct FixedTable<Element> {
    let base: UnsafeMutableBufferPointer<Element>

    init(_ elements: [Element]) {
        base = .allocate(capacity: elements.count)
        _ = base.initialize(from: elements)
    }

    var count: Int { base.count }

    subscript(i: Int) -> Element {
        precondition(i >= 0 && i < base.count, "FixedTable: no element \(i)")
        return base[i]
    }

    func free() {
        base.deinitialize()
        base.deallocate()
    }
}
