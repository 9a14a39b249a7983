import WinsockModel

/// Parses one piece of a line (one command) against the catalog.
public func parseCommand(_ piece: Piece) -> Result<Command, Diagnostic> {
    do throws(Diagnostic) {
        return .success(try parse(piece.tokens))
    } catch {
        return .failure(error)
    }
}

func parse(_ all: [Token]) throws(Diagnostic) -> Command {
    var tokens = all
    var expected: InlineExpectation? = nil
    if let arrow = tokens.firstIndex(where: \.isArrow) {
        let after = tokens[(arrow + 1)...]
        guard let first = after.first else {
            throw Diagnostic(column: tokens[arrow].column, "=> needs the expected result after it (for example `close h1 => 0`)")
        }
        if let second = after.dropFirst().first(where: \.isArrow) {
            throw Diagnostic(column: second.column, "only one => per command")
        }
        expected = InlineExpectation(value: after.map(\.text).joined(separator: " "), column: first.column)
        tokens = Array(tokens[..<arrow])
        guard !tokens.isEmpty else {
            throw Diagnostic(column: all[arrow].column, "=> follows a provider call (for example `close h1 => 0`)")
        }
    }
    let head = tokens[0]
    guard let spec = commandIndex[head.folded].map({ commandCatalog[$0] }) else {
        throw Diagnostic(column: head.column, unknownCommandMessage(head.text))
    }
    let built = try match(spec, Array(tokens.dropFirst()), commandColumn: head.column)
    switch built {
    case .call(let c, let t):
        return .call(c, thread: t, expected: expected)
    case .command(let c):
        if let expected {
            throw Diagnostic(column: expected.column - 3, "=> follows a provider call; `\(spec.name)` is a session command")
        }
        return c
    }
}

func unknownCommandMessage(_ word: String) -> String {
    var message = "unknown command \(quoted(word))"
    if let suggestion = closestCommand(to: word) { message += " (did you mean `\(suggestion)`?)" }
    return message + "; `help` lists the commands"
}

/// The catalog name or alias nearest to a misspelt word, if one is close.
func closestCommand(to word: String) -> String? {
    let w = Array(word.lowercased())
    guard (3...40).contains(w.count) else { return nil } // too short or too long to guess from
    var best: (String, Int)? = nil
    for spec in commandCatalog {
        for name in [spec.name] + spec.aliases where name.count >= 3 {
            let d = editDistance(w, Array(name.lowercased()))
            if d <= max(1, min(2, w.count / 3)) && d < (best?.1 ?? .max) { best = (name, d) }
        }
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

/// What the grammar wanted where matching stopped: for error messages and completion.
public enum Wanted: Hashable, Sendable {
    case keyword(String)
    case name(NameKind)
    case value(String)
    case rest(String)
    case call
    case end

    /// How an error message names it.
    var display: String? {
        switch self {
        case .keyword(let w): w
        case .name(let k): k.noun
        case .value(let label): label
        case .rest(let label): "<\(label)>"
        case .call: "<provider call>"
        case .end: nil
        }
    }
}

/// A backtracking matcher over a command's forms that remembers the furthest point any form
/// reached, so the error names the word that broke the line.
struct Matcher {
    let tokens: [Token]
    /// Completion mode: a rest pattern at the last position reports itself instead of matching.
    var collecting = false
    /// Whether failures are remembered (for the diagnostic). The first pass over a line skips
    /// it: most lines are valid, and remembering costs allocations.
    var recording = true
    var furthest = -1
    var wanted: [Wanted] = []
    var detail: Diagnostic? = nil

    mutating func fail(at position: Int, _ w: Wanted) {
        guard recording else { return }
        if position > furthest {
            furthest = position; wanted = [w]; detail = nil
        } else if position == furthest, !wanted.contains(w) {
            wanted.append(w)
        }
    }

    mutating func fail(at position: Int, detail d: Diagnostic) {
        guard recording else { return }
        if position > furthest || (position == furthest && detail == nil) {
            furthest = position; detail = d
            if wanted.isEmpty == false && position > furthest { wanted = [] }
        }
    }

    /// Matches `patterns` from `position` to the end of the words, appending their values.
    /// Only `.optional` branches; everything else matches in at most one way.
    mutating func match(_ patterns: ArraySlice<Pattern>, at position: Int, _ values: inout [Argument]) -> Bool {
        var position = position
        var index = patterns.startIndex
        while index < patterns.endIndex {
            let p = patterns[index]
            if case .optional(let inner) = p {
                let mark = values.count
                if let (next, value) = single(inner, at: position) {
                    values.append(value)
                    if match(patterns[(index + 1)...], at: next, &values) { return true }
                    values.removeSubrange(mark...)
                }
                values.append(.absent)
                if match(patterns[(index + 1)...], at: position, &values) { return true }
                values.removeSubrange(mark...)
                return false
            }
            guard let (next, value) = single(p, at: position) else { return false }
            values.append(value)
            position = next
            index += 1
        }
        if position == tokens.count { return true }
        fail(at: position, .end)
        return false
    }

    /// Convenience for callers that want the values or nil.
    mutating func match(_ patterns: ArraySlice<Pattern>, at position: Int, _ start: [Argument]) -> [Argument]? {
        var values = start
        return match(patterns, at: position, &values) ? values : nil
    }

    /// How `p` matches at `position` (position after it, its value), or nil. `.optional` is
    /// handled by `match`.
    mutating func single(_ p: Pattern, at position: Int) -> (Int, Argument)? {
        let token = position < tokens.count ? tokens[position] : nil
        switch p {
        case .word(let w):
            if let t = token, equalFolded(w, t.folded) { return (position + 1, .keyword(t.folded)) }
            fail(at: position, .keyword(w))
            return nil
        case .choice(let words):
            if let t = token, words.contains(where: { equalFolded($0, t.folded) }) {
                return (position + 1, .keyword(t.folded))
            }
            for w in words { fail(at: position, .keyword(w)) }
            return nil
        case .name(let kind):
            guard let t = token else { fail(at: position, .name(kind)); return nil }
            do throws(Diagnostic) {
                if let n = try kind.parse(t) { return (position + 1, .name(kind, n)) }
            } catch {
                fail(at: position, detail: error)
                return nil
            }
            fail(at: position, .name(kind))
            return nil
        case .number(let label, let range):
            guard let t = token else { fail(at: position, .value("<\(label)>")); return nil }
            let word = Substring(t.text)
            guard isDigits(word) else { fail(at: position, .value("<\(label)> (a number)")); return nil }
            guard let n = parseNumber(word) else {
                fail(at: position, detail: Diagnostic(column: t.column, "\(quoted(t.text)): number too large (at most 2^53)"))
                return nil
            }
            guard range.contains(n) else {
                fail(at: position, detail: Diagnostic(column: t.column, "\(quoted(t.text)) is out of range for <\(label)> (\(range.lowerBound)–\(range.upperBound))"))
                return nil
            }
            return (position + 1, .number(n))
        case .duration(let label):
            guard let t = token else { fail(at: position, .value("<\(label)> (250ms, 2s, 1m)")); return nil }
            do throws(Diagnostic) {
                return (position + 1, .duration(try parseDuration(t, label: label)))
            } catch {
                fail(at: position, detail: error)
                return nil
            }
        case .optional(let inner):
            return single(inner, at: position) ?? (position, .absent)
        case .flags(let words):
            var seen = Set<String>()
            var i = position
            while i < tokens.count, let w = words.first(where: { equalFolded($0, tokens[i].folded) }) {
                if seen.contains(w) {
                    fail(at: i, detail: Diagnostic(column: tokens[i].column, "\(quoted(tokens[i].text)) given twice"))
                    return nil
                }
                seen.insert(w)
                i += 1
            }
            for w in words where !seen.contains(w) { fail(at: i, .keyword(w)) }
            return (i, .flags(seen))
        case .rest(let label):
            guard position < tokens.count, !(collecting && position == tokens.count - 1) else {
                fail(at: position, .rest(label)); return nil
            }
            return (tokens.count, .text(tokens[position...].map(\.text).joined(separator: " ")))
        case .call:
            guard let t = token, !(collecting && position == tokens.count - 1) else { fail(at: position, .call); return nil }
            guard let spec = commandSpec(named: t.text), spec.group == .provider else {
                let what = commandSpec(named: t.text) == nil ? unknownCommandMessage(t.text)
                    : "\(quoted(t.text)) is not a provider call; `on TN` takes one (socket, close, send, …)"
                fail(at: position, detail: Diagnostic(column: t.column, what))
                return nil
            }
            do throws(Diagnostic) {
                let built = try LabScript.match(spec, Array(tokens[(position + 1)...]), commandColumn: t.column)
                if case .call(let c, let th) = built { return (tokens.count, .call(c, th)) }
            } catch {
                fail(at: tokens.count, detail: error)
            }
            return nil
        }
    }
}

/// Matches the words after a command name against each of its forms.
func match(_ spec: CommandSpec, _ tokens: [Token], commandColumn: Int) throws(Diagnostic) -> Built {
    var matcher = Matcher(tokens: tokens, recording: false)
    var values: [Argument] = []
    values.reserveCapacity(4)
    for pass in 0..<2 {
      matcher.recording = pass == 1
      for form in spec.forms {
        values.removeAll(keepingCapacity: true)
        if matcher.match(form.patterns[...], at: 0, &values) {
            do throws(Diagnostic) {
                return try form.build(values)
            } catch {
                var e = error
                if e.column == 1 { e.column = commandColumn }
                throw e
            }
        }
      }
    }
    let forms = spec.usage.joined(separator: " | ")
    let usage = forms.count <= 90 ? "usage: " + forms : "`help \(spec.name)` shows its forms"
    if let detail = matcher.detail { throw detail }
    let position = max(0, matcher.furthest)
    let alternatives = matcher.wanted.compactMap(\.display)
    let expected = alternatives.isEmpty ? "" : alternatives.count == 1 ? alternatives[0]
        : alternatives.dropLast().joined(separator: ", ") + " or " + alternatives.last!
    if position < tokens.count {
        let t = tokens[position]
        let what = expected.isEmpty ? "unexpected \(quoted(t.text))" : "expected \(expected), got \(quoted(t.text))"
        throw Diagnostic(column: t.column, "\(spec.name): \(what) (\(usage))")
    }
    let column = tokens.last.map { $0.column + $0.text.count } ?? commandColumn + spec.name.count
    throw Diagnostic(column: column, "\(spec.name): missing \(expected.isEmpty ? "argument" : expected) (\(usage))")
}

/// Whether `word` equals the already lowercased `folded`, ignoring ASCII case, without allocating.
@inline(__always) func equalFolded(_ word: String, _ folded: String) -> Bool {
    let a = word.utf8, b = folded.utf8
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        let lx = x >= 0x41 && x <= 0x5A ? x + 32 : x
        if lx != y { return false }
    }
    return true
}
