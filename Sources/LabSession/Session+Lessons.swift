import LabRendering
import LabScript
import WinsockModel

/// Lessons: narrated scripts, walked one step at a time at the prompt (Enter runs the next step)
/// or all at once in a script or with `closelab --lesson NAME`.
extension Session {
    /// Whether a lesson waits for Enter at the prompt.
    public var isInLesson: Bool { lessonInProgress != nil }

    mutating func lesson(_ request: LessonRequest, _ c: LocatedCommand, into reply: inout Reply) {
        switch request {
        case .list:
            let table = Table(columns: [.init("LESSON"), .init("STEPS", alignsRight: true), .init("WHAT YOU WILL SEE")],
                              rows: lessons.map { [.init($0.name), .init(String($0.steps.count)), .init($0.title)] })
            publishText(c, table.render(Style(frame: .plain, width: 200, usesColor: false))
                        + "`lesson NAME` starts one; at the prompt Enter runs each step.", into: &reply)
        case .stop:
            guard let current = lessonInProgress else {
                finishQuietCommand(c, header: "no lesson is running", into: &reply)
                return
            }
            lessonInProgress = nil
            finishQuietCommand(c, header: "lesson \(current.lesson.name) stopped; the session stays as it is", into: &reply)
        case .start(let name):
            guard let l = LabSession.lesson(named: name) else {
                refuse("lesson: no lesson named \(quoted(name)); `lesson` lists them: \(lessons.map(\.name).joined(separator: ", "))", c, into: &reply)
                return
            }
            reply.out += "Lesson \(l.name): \(l.title)\n\(l.summary)\n"
            if isInteractive {
                lessonInProgress = (l, 0)
                reply.out += "Press Enter to run step 1 of \(l.steps.count); any command works in between; `lesson stop` ends it.\n\n"
            } else {
                reply.out += "\n"
                for i in l.steps.indices { runLessonStep(l, i, into: &reply) }
                reply.out += "Lesson \(l.name) complete.\n\n"
            }
        }
    }

    /// Enter at the prompt during a lesson: runs its next step.
    public mutating func continueLesson() -> Reply {
        var reply = Reply()
        guard let (l, next) = lessonInProgress else { return reply }
        runLessonStep(l, next, into: &reply)
        if next + 1 < l.steps.count {
            lessonInProgress = (l, next + 1)
            reply.out += "Press Enter for step \(next + 2) of \(l.steps.count).\n\n"
        } else {
            lessonInProgress = nil
            reply.out += "Lesson \(l.name) complete. `lesson` lists the others.\n\n"
        }
        return reply
    }

    /// Narration, the step's commands (echoed), then the rule it shows.
    mutating func runLessonStep(_ l: Lesson, _ index: Int, into reply: inout Reply) {
        let step = l.steps[index]
        let quiet = format == .json || format == .off
        if !quiet { reply.out += "── Step \(index + 1) of \(l.steps.count) ──\n\(wrap(step.narration))\n\n" }
        let echoed = echoes
        echoes = true
        for line in step.lines {
            let r = run(line: line.text, file: "lesson \(l.name)", line: line.number)
            reply.out += r.out
            reply.err += r.err
        }
        echoes = echoed
        if !quiet, let rule = step.rule {
            // A rule with a table (R7) is shown whole; others by their first sentence.
            let text = rule.text.contains("\n|") ? rule.text : wrap(firstSentence(rule.text))
            reply.out += "Rule \(rule): \(text)\n(`help \(rule)` has the whole rule; `explain` says why the last call did what it did.)\n\n"
        }
    }

    func firstSentence(_ text: String) -> String {
        let flat = text.split(separator: "\n").first.map(String.init) ?? text
        let chars = Array(flat)
        for i in chars.indices.dropLast() where chars[i] == "." && chars[i + 1] == " " {
            return String(chars[...i])
        }
        return flat
    }

    /// Wraps prose at the display width (at most 100 columns).
    func wrap(_ text: String) -> String {
        let width = min(100, max(40, display.width))
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }
}
