import WinsockModel

/// One command of a line, parsed: its text as written (trimmed), the column where it starts, and
/// the command, or why it is invalid.
public struct ParsedCommand: Sendable {
    /// What `--echo` and json's `input` show.
    public var text: String
    public var column: Int
    public var parsed: Result<Command, Diagnostic>

    /// A piece already split into words (completion, `compare`, the cross-check).
    public init(_ piece: Piece) {
        text = piece.text
        column = piece.tokens[0].column
        parsed = parseCommand(piece)
    }

    init(text: String, column: Int, parsed: Result<Command, Diagnostic>) {
        self.text = text; self.column = column; self.parsed = parsed
    }
}

/// Parses one physical line of bytes straight into its commands, in order: no word becomes a
/// string, no piece an array (the hot path of every script). The line as a whole is invalid when
/// it is longer than `maximumLineBytes` or not UTF-8; a command that is invalid is a
/// `Diagnostic` in its place, the others still parse.
public func parseLine(_ bytes: ArraySlice<UInt8>) -> Result<[ParsedCommand], Diagnostic> {
    guard bytes.count <= maximumLineBytes else { return .failure(.lineTooLong) }
    return bytes.withUnsafeBufferPointer { text in
        var isASCII = true
        for b in text where b >= 0x80 { isASCII = false; break }
        // Validating is quick; finding where a line fails (and its column) is slower, and rare.
        if !isASCII, String(validating: text, as: UTF8.self) == nil, let invalid = invalidUTF8(bytes) {
            return .failure(invalid)
        }
        return withUnsafeTemporaryAllocation(of: Word.self, capacity: text.count + 1) { buffer in
            var scanner = LineScanner(bytes: text, isASCII: isASCII)
            var commands: [ParsedCommand] = []
            var folded: [UInt8] = []
            while let piece = scanner.next(into: buffer) {
                let words = UnsafeMutableBufferPointer(rebasing: buffer[piece.words])
                let pieceText = String(decoding: UnsafeBufferPointer(rebasing: text[piece.text]), as: UTF8.self)
                let column = words[0].column
                // The result goes straight into its place: a `Result` of a `Command` is dear to copy.
                if isASCII {
                    commands.append(ParsedCommand(text: pieceText, column: column, parsed: parse(
                        Words(text: text, folded: text, all: UnsafeBufferPointer(words), range: 0..<words.count))))
                } else {
                    fold(words, of: text, into: &folded)
                    commands.append(folded.withUnsafeBufferPointer { folded in
                        ParsedCommand(text: pieceText, column: column, parsed: parse(
                            Words(text: text, folded: folded, all: UnsafeBufferPointer(words), range: 0..<words.count)))
                    })
                }
            }
            return .success(commands)
        }
    }
}

/// Parses one piece of a line (one command) against the catalog.
public func parseCommand(_ piece: Piece) -> Result<Command, Diagnostic> {
    withWords(piece.tokens) { words in parse(words) }
}

/// One command's words, parsed.
func parse(_ words: Words) -> Result<Command, Diagnostic> {
    do throws(Diagnostic) {
        return .success(try parseCommand(words))
    } catch {
        return .failure(error)
    }
}

/// Parses one command's words: an inline `=> result` is split off first, then the words after the
/// command's name are matched against its forms.
func parseCommand(_ all: Words) throws(Diagnostic) -> Command {
    var words = all
    var expected: InlineExpectation? = nil
    var arrowColumn = 0
    if let arrow = words.firstArrow(from: words.startIndex) {
        guard arrow + 1 < words.endIndex else {
            throw Diagnostic(column: words[arrow].column, "=> needs the expected result after it (for example `close h1 => 0`)")
        }
        // The word just after `=>` is the result's, whatever it is.
        if let second = words.firstArrow(from: arrow + 2) {
            throw Diagnostic(column: words[second].column, "only one => per command")
        }
        expected = InlineExpectation(value: words.joined(from: arrow + 1))
        arrowColumn = words[arrow].column
        words = words.range(words.startIndex..<arrow)
        guard !words.isEmpty else {
            throw Diagnostic(column: arrowColumn, "=> follows a provider call (for example `close h1 => 0`)")
        }
    }
    let head = words.startIndex
    let grammar = Grammar.shared
    guard let index = grammar.command(words, head) else {
        throw Diagnostic(column: words[head].column, unknownCommandMessage(words.string(head)))
    }
    let built = try match(index, words.range((head + 1)..<words.endIndex), command: head, grammar)
    if case .command = built, expected != nil {
        throw Diagnostic(column: arrowColumn, "=> follows a provider call; `\(commandCatalog[index].name)` is a session command")
    }
    return Command(built, expected: expected)
}

func unknownCommandMessage(_ word: String) -> String {
    var message = "unknown command \(quoted(word))"
    if let suggestion = closestCommand(to: word) { message += " (did you mean `\(suggestion)`?)" }
    return message + "; `help` lists the commands"
}

/// The catalog name or alias nearest to a misspelt word, if one is close.
func closestCommand(to word: String) -> String? {
    closest(to: word, among: commandCatalog.flatMap { [$0.name] + $0.aliases })
}

/// The candidate nearest to a misspelt word (`clsoe` → `close`, `SO_LINGR` → `SO_LINGER`), if one
/// is close: a word of three letters or more, within one edit per three letters (at most two).
public func closest(to word: String, among candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    guard (3...40).contains(w.count) else { return nil } // too short or too long to guess from
    var best: (String, Int)? = nil
    for name in candidates where name.count >= 3 {
        let d = editDistance(w, Array(name.lowercased()))
        if d <= max(1, min(2, w.count / 3)) && d < (best?.1 ?? .max) { best = (name, d) }
    }
    return best?.0
}

/// Edit distance counting a swap of neighbours as one edit (typing `clsoe` for `close`).
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}

/// Matches the words after a command's name (at `command`, as written) against each form of the
/// command at `index` of the catalog. Valid lines take one pass; a line that fails is matched again
/// remembering where each form stopped, for the message.
func match(_ index: Int, _ words: Words, command: Int, _ grammar: Grammar) throws(Diagnostic) -> Built {
    var matcher = Matcher(words: words, command: command, grammar: grammar, recording: false)
    var values = ArgumentList()
    let forms = grammar.commandForms[index]
    for pass in 0..<2 {
        matcher.recording = pass == 1
        for form in forms {
            values.removeAll()
            matcher.nested = nil
            if matcher.match(grammar.forms[form], at: words.startIndex, &values) {
                return try grammar.catalogForms[form].build(Arguments(grammar: grammar, form: form, values: values, words: words,
                                                                      nested: matcher.nested, commandColumn: words[command].column))
            }
        }
    }
    let spec = commandCatalog[index]
    let usages = spec.usage.joined(separator: " | ")
    let usage = usages.count <= 90 ? "usage: " + usages : "`help \(spec.name)` shows its forms"
    if let detail = matcher.detail { throw detail }
    let position = max(words.startIndex, matcher.furthest)
    let alternatives = matcher.wanted.compactMap(\.display)
    let expected = alternatives.isEmpty ? "" : alternatives.count == 1 ? alternatives[0]
        : alternatives.dropLast().joined(separator: ", ") + " or " + alternatives[alternatives.count - 1]
    if position < words.endIndex {
        let word = words.string(position)
        var what = expected.isEmpty ? "unexpected \(quoted(word))" : "expected \(expected), got \(quoted(word))"
        // A misspelt option or keyword: say which was meant (`SO_LINGR` → SO_LINGER).
        let keywords = matcher.wanted.compactMap { wanted -> String? in if case .keyword(let k) = wanted { k } else { nil } }
        if let meant = closest(to: word, among: keywords) { what += " (did you mean \(meant)?)" }
        throw Diagnostic(column: words[position].column, "\(spec.name): \(what) (\(usage))")
    }
    let column = words.endColumn(words.isEmpty ? command : words.endIndex - 1)
    throw Diagnostic(column: column, "\(spec.name): missing \(expected.isEmpty ? "argument" : expected) (\(usage))")
}
