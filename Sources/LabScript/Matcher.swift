import WinsockModel

/// What the grammar wanted where matching stopped: for error messages and completion.
public enum Wanted: Hashable, Sendable {
    case keyword(String)
    case name(NameKind)
    /// A value typed by hand (a number, a duration, an expected value): nothing to complete.
    case value(String)
    case rest(String)
    /// An expectation path (`h1.state`).
    case path
    /// A comparison (`==`).
    case comparison
    /// A provider call (after `on TN`).
    case call
    /// A command that changes the session (after `whatif`).
    case command
    case end

    /// How an error message names it.
    var display: String? {
        switch self {
        case .keyword(let w): w
        case .name(let k): k.noun
        case .value(let label): label
        case .rest(let label): "<\(label)>"
        // Where the path is missing, so is all the rest of the assertion.
        case .path: "<path> <op> <value>"
        case .comparison: "<op>"
        case .call: "<provider call>"
        case .command: "<command>"
        case .end: nil
        }
    }
}

/// A backtracking matcher over a command's forms that remembers the furthest point any form
/// reached, so the error names the word that broke the line. It reads the words in place, in the
/// bytes of their line, and the grammar's steps, so matching a valid line makes no string and
/// copies nothing counted. Positions are indices of the whole piece's words: a nested command
/// (`on T2 close h1`, `whatif advance 1s`) is matched over a later part of the same words, and
/// where it stopped is a position here too.
struct Matcher {
    let words: Words
    /// Where the command's name is, just before `words`.
    let command: Int
    /// `Grammar.shared`, which lives as long as the program: not counted, as a matcher is made
    /// for every command.
    unowned(unsafe) let grammar: Grammar
    /// Completion mode: the last word is a placeholder for the word being typed, so a pattern that
    /// would take it as text (a rest, a value, a nested command's name) reports what it wants instead.
    var collecting = false
    /// Whether failures are remembered (for the diagnostic). The first pass over a line skips
    /// it: most lines are valid, and remembering costs allocations.
    var recording = true
    var furthest: Int
    var wanted: [Wanted] = []
    var detail: Diagnostic? = nil
    /// The command inside this one that the form being matched read (`on TN <call>`, `whatif
    /// <command>`); its value says `.nested`. A form has at most one.
    var nested: Built? = nil

    init(words: Words, command: Int, grammar: Grammar, collecting: Bool = false, recording: Bool = true) {
        self.words = words
        self.command = command
        self.grammar = grammar
        self.collecting = collecting
        self.recording = recording
        furthest = words.startIndex - 1
    }

    /// Moves the furthest point to `position` if it is further; whether `position` is now the furthest.
    private mutating func reach(_ position: Int) -> Bool {
        if position > furthest {
            furthest = position
            wanted.removeAll()
            detail = nil
        }
        return position == furthest
    }

    mutating func fail(at position: Int, _ w: @autoclosure () -> Wanted) {
        guard recording, reach(position) else { return }
        let w = w()
        if !wanted.contains(w) { wanted.append(w) }
    }

    /// A failure that explains itself (a number out of range, an unknown path): at the furthest
    /// point, the first one wins over the generic "expected …" message. Made only when recording.
    mutating func fail(at position: Int, detail d: @autoclosure () -> Diagnostic) {
        guard recording, reach(position), detail == nil else { return }
        detail = d()
    }

    /// Matches the steps `elements` (of the grammar) from `position` to the end of the words,
    /// appending their values. Only optional steps branch; everything else matches in at most one way.
    mutating func match(_ elements: Range<Int>, at position: Int, _ values: inout ArgumentList) -> Bool {
        var position = position
        var index = elements.lowerBound
        while index < elements.upperBound {
            let element = grammar.elements[index]
            if element.isOptional {
                let mark = values.count
                if let (next, value) = single(element.step, at: position, after: values) {
                    values.append(value)
                    if match((index + 1)..<elements.upperBound, at: next, &values) { return true }
                    values.removeLast(values.count - mark)
                }
                values.append(.absent)
                if match((index + 1)..<elements.upperBound, at: position, &values) { return true }
                values.removeLast(values.count - mark)
                return false
            }
            guard let (next, value) = single(element.step, at: position, after: values) else { return false }
            values.append(value)
            position = next
            index += 1
        }
        if position == words.endIndex { return true }
        fail(at: position, .end)
        return false
    }

    /// How `step` matches at `position` (position after it, its value), or nil. `values` are those
    /// of the steps before it (an expectation's value is checked against its path and comparison).
    mutating func single(_ step: Grammar.Step, at position: Int, after values: ArgumentList) -> (Int, Argument)? {
        // Locals, so that the messages made lazily for `fail` do not capture `self`, which it changes.
        let words = words
        unowned(unsafe) let grammar = grammar
        let here = position < words.endIndex
        switch step {
        case .word(let k):
            if here && grammar.matches(words, position, keyword: k) { return (position + 1, .word) }
            fail(at: position, .keyword(grammar.spellings[k]))
            return nil
        case .choice(let ks):
            if here, let k = ks.first(where: { grammar.matches(words, position, keyword: $0) }) {
                return (position + 1, .choice(k - ks.lowerBound))
            }
            for k in ks { fail(at: position, .keyword(grammar.spellings[k])) }
            return nil
        case .name(let kind):
            guard here else { fail(at: position, .name(kind)); return nil }
            switch kind.number(words.foldedBytes(position)) {
            case .number(let n): return (position + 1, .name(n))
            case .tooLarge: fail(at: position, detail: kind.tooLarge(words.string(position), column: words[position].column))
            case .notAName: fail(at: position, .name(kind))
            }
            return nil
        case .number(let label, let range):
            guard here else { fail(at: position, .value("<\(grammar.labels[label])>")); return nil }
            let digits = words.bytes(position)
            guard isDigits(digits) else { fail(at: position, .value("<\(grammar.labels[label])> (a number)")); return nil }
            guard let n = parseNumber(digits) else {
                fail(at: position, detail: Diagnostic(column: words[position].column,
                                                      "\(quoted(words.string(position))): number too large (at most 2^53)"))
                return nil
            }
            guard range.contains(n) else {
                fail(at: position, detail: Diagnostic(column: words[position].column,
                                                      "\(quoted(words.string(position))) is out of range for <\(grammar.labels[label])> (\(range.lowerBound)–\(range.upperBound))"))
                return nil
            }
            return (position + 1, .number(n))
        case .duration(let label):
            guard here else { fail(at: position, .value("<\(grammar.labels[label])> (250ms, 2s, 1m)")); return nil }
            do throws(Diagnostic) {
                return (position + 1, .duration(try parseDuration(words, position, label: grammar.labels[label])))
            } catch {
                fail(at: position, detail: error)
                return nil
            }
        case .flags(let ks):
            var given: UInt64 = 0
            var i = position
            while i < words.endIndex, let k = ks.first(where: { grammar.matches(words, i, keyword: $0) }) {
                let bit: UInt64 = 1 << UInt64(k - ks.lowerBound)
                if given & bit != 0 {
                    fail(at: i, detail: Diagnostic(column: words[i].column, "\(quoted(words.string(i))) given twice"))
                    return nil
                }
                given |= bit
                i += 1
            }
            for k in ks where given & (1 << UInt64(k - ks.lowerBound)) == 0 { fail(at: i, .keyword(grammar.spellings[k])) }
            return (i, .flags(given))
        case .rest(let label):
            guard hasRest(at: position) else { fail(at: position, .rest(grammar.labels[label])); return nil }
            return (words.endIndex, .text(from: position))
        case .event:
            guard hasRest(at: position) else {
                let column = endColumn(before: position)
                fail(at: position, .rest("event"))
                fail(at: position, detail: Diagnostic(column: column,
                                                      "expect event: missing the event (for example `expect event RST s1`)"))
                return nil
            }
            return (words.endIndex, .text(from: position))
        case .path:
            guard here else { fail(at: position, .path); return nil }
            do throws(Diagnostic) {
                return (position + 1, .path(try parsePath(words, position)))
            } catch {
                fail(at: position, .path)
                fail(at: position, detail: error)
                return nil
            }
        case .comparison:
            if here, let op = Comparison(words.bytes(position)) { return (position + 1, .comparison(op)) }
            fail(at: position, .comparison)
            if here {
                fail(at: position, detail: Diagnostic(column: words[position].column,
                                                      "\(Matcher.expectation(values)): \(quoted(words.string(position))) is not a comparison (== != < <= > >=)"))
            } else {
                let column = endColumn(before: position)
                fail(at: position, detail: Diagnostic(column: column,
                                                      "\(Matcher.expectation(values)): missing comparison (== != < <= > >=)"))
            }
            return nil
        case .expectedValue:
            return expectedValue(at: position, after: values)
        case .call:
            guard let built = nested(at: position, .call, allows: { $0.group == .provider }, refusal: { _, word in
                "\(quoted(word)) is not a provider call; `on TN` takes one (socket, close, send, …)"
            }) else { return nil }
            guard case .call = built else { preconditionFailure("catalog: a provider call's form built a session command") }
            nested = built
            return (words.endIndex, .nested)
        case .command:
            let allows = { (spec: CommandSpec) -> Bool in
                switch spec.effect {
                case .changesSession: true
                case .controlsSession, .changesNothing: false
                }
            }
            guard let built = nested(at: position, .command, allows: allows, refusal: { spec, word in
                let alternatives = "try a provider call, advance, peer or set"
                return switch spec.effect {
                case .changesSession: preconditionFailure("whatif: \(word) is allowed")
                case .controlsSession: "whatif: \(quoted(word)) is not allowed inside whatif; \(alternatives)"
                case .changesNothing: "whatif: \(quoted(word)) does not change the session; \(alternatives)"
                }
            }) else { return nil }
            nested = .command(Command(built, expected: nil))
            return (words.endIndex, .nested)
        }
    }

    /// Whether there are words from `position` to the end (when collecting, other than the word
    /// being typed).
    private func hasRest(at position: Int) -> Bool {
        position < words.endIndex && !(collecting && position == words.endIndex - 1)
    }

    /// Where a word missing at `position` is reported: just after the word before it.
    private func endColumn(before position: Int) -> Int {
        words.endColumn(position > words.startIndex ? position - 1 : command)
    }

    /// `expect h1.state ==`: an expectation as far as it was matched, for its messages.
    private static func expectation(_ values: ArgumentList) -> String {
        var text = "expect"
        for i in 0..<values.count {
            if case .path(let path) = values[i] { text += " \(path)" }
            if case .comparison(let op) = values[i] { text += " \(op.rawValue)" }
        }
        return text
    }

    /// The value of `expect <path> <op> <value>`: the rest of the words. An ordering comparison
    /// needs a path that can read a number (the comparison is the word at fault) and a value that
    /// is one (docs/language.md, "Expectations").
    private mutating func expectedValue(at position: Int, after values: ArgumentList) -> (Int, Argument)? {
        var path: ExpectPath? = nil, op: Comparison? = nil
        for i in 0..<values.count {
            if case .path(let p) = values[i] { path = p }
            if case .comparison(let c) = values[i] { op = c }
        }
        guard let path, let op, position > words.startIndex else {
            preconditionFailure("catalog: <value> follows <path> <op>")
        }
        let words = words
        guard hasRest(at: position) else {
            let column = endColumn(before: position)
            fail(at: position, .value("<value>"))
            fail(at: position, detail: Diagnostic(column: column, "\(Matcher.expectation(values)): missing value"))
            return nil
        }
        if op.isOrdering {
            let value = words.joined(from: position)
            guard path.mayReadNumber else {
                fail(at: position, detail: Diagnostic(column: words[position - 1].column,
                                                      "expect \(path): \(op.rawValue) orders numbers only; \(path) is not a number"))
                return nil
            }
            guard parseExpectedNumber(value, for: path) != nil else {
                fail(at: position, detail: Diagnostic(column: words[position].column,
                                                      "\(Matcher.expectation(values)): \(quoted(value)) is not a number"))
                return nil
            }
        }
        return (words.endIndex, .text(from: position))
    }

    /// A command inside this one (`on TN <call>`, `whatif <command>`): its name at `position`, its
    /// words to the end. A command of the catalog that `allows` refuses is an error that
    /// `refusal` words (given the command's name as written).
    /// When collecting, what the inner command wants next is what this one wants.
    private mutating func nested(at position: Int, _ w: Wanted, allows: (CommandSpec) -> Bool,
                                 refusal: (CommandSpec, String) -> String) -> Built? {
        let words = words
        guard position < words.endIndex, !(collecting && position == words.endIndex - 1) else {
            fail(at: position, w)
            return nil
        }
        guard let index = grammar.command(words, position) else {
            fail(at: position, detail: Diagnostic(column: words[position].column, unknownCommandMessage(words.string(position))))
            return nil
        }
        let spec = commandCatalog[index]
        guard allows(spec) else {
            fail(at: position, detail: Diagnostic(column: words[position].column, refusal(spec, words.string(position))))
            return nil
        }
        let inner = words.range((position + 1)..<words.endIndex)
        if collecting {
            var matcher = Matcher(words: inner, command: position, grammar: grammar, collecting: true)
            for form in grammar.commandForms[index] {
                var values = ArgumentList()
                _ = matcher.match(grammar.forms[form], at: inner.startIndex, &values)
            }
            for w in matcher.wanted { fail(at: matcher.furthest, w) }
            return nil
        }
        do throws(Diagnostic) {
            return try LabScript.match(index, inner, command: position, grammar)
        } catch {
            // The inner command's own message, which names it, wins over anything said here.
            fail(at: words.endIndex, detail: error)
            return nil
        }
    }
}

extension Comparison {
    /// The comparison spelt by `bytes` exactly (`==`), if any.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        let eq = UInt8(ascii: "="), lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), not = UInt8(ascii: "!")
        switch bytes.count {
        case 1 where bytes[0] == lt: self = .less
        case 1 where bytes[0] == gt: self = .greater
        case 2 where bytes[1] == eq:
            switch bytes[0] {
            case eq: self = .equal
            case not: self = .notEqual
            case lt: self = .lessOrEqual
            case gt: self = .greaterOrEqual
            default: return nil
            }
        default: return nil
        }
    }
}
