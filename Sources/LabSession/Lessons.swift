import LabScript
import WinsockModel

/// A lesson: a script whose steps are narrated. The lesson files live in `Lessons/` at the root
/// of the repository; `scripts/gen-lessons.py` copies them into LessonTexts.swift (a test keeps
/// the two in step), so the binary carries them and the test suite runs them.
public struct Lesson: Sendable {
    public struct Step: Sendable {
        public var narration: String
        /// Script lines with their line numbers in the lesson file.
        public var lines: [(text: String, number: Int)]
        /// The rule the step shows, and a fragment of its text naming the clause it illustrates
        /// (`#! R45 "an overlapped receive fails with WSA_IO_PENDING"`): the footer prints the
        /// sentence that holds the fragment. A rule without a clause (R7, whose table is the point)
        /// prints its table, or else its first sentence.
        public var rule: RuleID?
        public var clause: String?

        /// The footer's words: the sentence of the rule holding the clause.
        public var footer: String? {
            guard let rule else { return nil }
            guard let clause else { return Lesson.firstSentence(rule.text) }
            return Lesson.sentence(of: rule.text, holding: clause) ?? clause
        }
    }
    public var name: String
    public var title: String
    public var summary: String
    public var steps: [Step]
    /// The whole lesson file: a valid script with `expect` lines.
    public var text: String

    /// Reads the lesson format: `# lesson:`, `# title:`, `# summary:` headers; `## ` starts a
    /// step's narration; `#! Rn` names the rule it shows; other lines are the step's commands.
    public init(parsing text: String) {
        self.text = text
        name = ""; title = ""; summary = ""; steps = []
        var narrating = false
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if let v = Lesson.header("# lesson:", line) { name = v; continue }
            if let v = Lesson.header("# title:", line) { title = v; continue }
            if let v = Lesson.header("# summary:", line) { summary = v; continue }
            if trimmed.hasPrefix("## ") || trimmed == "##" {
                let words = String(trimmed.dropFirst(2)).trimmingBlanks
                if narrating, !steps.isEmpty {
                    steps[steps.count - 1].narration += (steps[steps.count - 1].narration.isEmpty ? "" : " ") + words
                } else {
                    steps.append(Step(narration: words, lines: [], rule: nil, clause: nil))
                }
                narrating = true
                continue
            }
            narrating = false
            if trimmed.hasPrefix("#!") {
                // `#! R45 "fragment of the clause"`
                let spec = String(trimmed.dropFirst(2)).trimmingBlanks
                let name = spec.prefix { $0 != " " && $0 != "\t" }
                var clause = String(spec.dropFirst(name.count)).trimmingBlanks
                if clause.hasPrefix("\""), clause.hasSuffix("\""), clause.count >= 2 { clause = String(clause.dropFirst().dropLast()) }
                if !steps.isEmpty {
                    steps[steps.count - 1].rule = RuleID(named: String(name))
                    steps[steps.count - 1].clause = clause.isEmpty ? nil : clause
                }
                continue
            }
            if trimmed.isEmpty || trimmed.hasPrefix("#") || steps.isEmpty { continue }
            steps[steps.count - 1].lines.append((line, i + 1))
        }
    }

    /// The rule text's first sentence (up to its first `. `), on one line.
    static func firstSentence(_ text: String) -> String {
        let flat = text.split(separator: "\n").first.map(String.init) ?? text
        return sentence(of: flat, holding: String(flat.prefix(1))) ?? flat
    }

    /// The sentence of `text` that holds `fragment`: from the end of the sentence before it to the
    /// end of its own. A sentence ends at a `.` followed by a space or the end of the text (`; ` does
    /// not end one; a line end is a space), or at a `.)` so followed: a sentence that ends a
    /// parenthesis (`… inverted. [ReactOS] drops … the socket.) With nothing queued …`) ends there,
    /// without the `)` when its `(` opened before the sentence began.
    static func sentence(of text: String, holding fragment: String) -> String? {
        let flat = text.replacingLineEnds()
        guard let range = flat.firstRange(of: fragment) else { return nil }
        let chars = Array(flat)
        let lower = flat.distance(from: flat.startIndex, to: range.lowerBound)
        let upper = flat.distance(from: flat.startIndex, to: range.upperBound)
        /// Where the sentence whose closing `.` is at `i` ends (after the `.` or the `.)`), if it does.
        func sentenceEnd(closingAt i: Int) -> Int? {
            guard i >= 0, i < chars.count, chars[i] == "." else { return nil }
            var j = i + 1
            if j < chars.count, chars[j] == ")" { j += 1 }
            return j == chars.count || chars[j] == " " ? j : nil
        }
        var start = lower
        while start > 0 {
            if chars[start - 1] == " ",
               sentenceEnd(closingAt: start - 2) != nil || (start >= 3 && chars[start - 2] == ")" && sentenceEnd(closingAt: start - 3) != nil) {
                break
            }
            start -= 1
        }
        // The fragment's own last character may be the sentence's full stop.
        var end = chars.count
        var i = max(lower, upper - 1)
        while i < chars.count {
            if let e = sentenceEnd(closingAt: i) { end = e; break }
            i += 1
        }
        let opened = chars[start..<end].filter { $0 == "(" }.count
        let closed = chars[start..<end].filter { $0 == ")" }.count
        if closed > opened, end > start, chars[end - 1] == ")" { end -= 1 }
        return String(chars[start..<end])
    }

    static func header(_ prefix: String, _ line: String) -> String? {
        guard line.hasPrefix(prefix) else { return nil }
        return String(line.dropFirst(prefix.count)).trimmingBlanks
    }
}

extension String {
    /// Line ends made spaces.
    func replacingLineEnds() -> String { String(map { $0 == "\n" ? " " : $0 }) }

    var trimmingBlanks: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s.removeLast() }
        return String(s)
    }
}

/// Every lesson, in a teaching order.
public let lessons: [Lesson] = lessonSources.map { Lesson(parsing: $0) }

public func lesson(named name: String) -> Lesson? {
    lessons.first { $0.name == name.lowercased() }
}
