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
        public var rule: RuleID?
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
                    steps.append(Step(narration: words, lines: [], rule: nil))
                }
                narrating = true
                continue
            }
            narrating = false
            if trimmed.hasPrefix("#!") {
                if !steps.isEmpty { steps[steps.count - 1].rule = RuleID(named: String(trimmed.dropFirst(2)).trimmingBlanks) }
                continue
            }
            if trimmed.isEmpty || trimmed.hasPrefix("#") || steps.isEmpty { continue }
            steps[steps.count - 1].lines.append((line, i + 1))
        }
    }

    static func header(_ prefix: String, _ line: String) -> String? {
        guard line.hasPrefix(prefix) else { return nil }
        return String(line.dropFirst(prefix.count)).trimmingBlanks
    }
}

extension String {
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
