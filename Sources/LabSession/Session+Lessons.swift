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
            publishAnswer(c, Prose([.table(table), .paragraph("`lesson NAME` starts one; at the prompt Enter runs each step.")]),
                          into: &reply)
        case .stop:
            guard let current = lessonInProgress else {
                publishQuiet(c, "no lesson is running", into: &reply)
                return
            }
            endLesson()
            publishQuiet(c, "lesson \(current.lesson.name) stopped; your own session is back", into: &reply)
        case .restart:
            guard let current = lessonInProgress else {
                publishQuiet(c, "no lesson is running", into: &reply)
                return
            }
            let l = current.lesson
            endLesson()
            beginLesson()
            lessonInProgress = LessonProgress(lesson: l, next: 0, historyMark: history.count)
            publishQuiet(c, "lesson \(l.name) starts over in a fresh session: press Enter for step 1 of \(l.steps.count)", into: &reply)
        case .start(let name):
            guard let l = LabSession.lesson(named: name) else {
                refuse("lesson: no lesson named \(quoted(name)); `lesson` lists them: \(lessons.map(\.name).joined(separator: ", "))", c, into: &reply)
                return
            }
            if lessonInProgress != nil { endLesson() }
            beginLesson()
            say(LessonText(kind: .lesson, lesson: l.name, steps: l.steps.count, title: l.title,
                           text: Prose([.paragraph(l.summary)])), into: &reply)
            if isInteractive {
                lessonInProgress = LessonProgress(lesson: l, next: 0, historyMark: history.count)
                note("Press Enter to run step 1 of \(l.steps.count); any command works in between; `lesson stop` ends it and gives your own session back.", l, into: &reply)
            } else {
                for i in l.steps.indices { runLessonStep(l, i, into: &reply) }
                endLesson()
                note("Lesson \(l.name) complete.", l, into: &reply)
            }
        }
    }

    /// Sets the learner's session aside and starts the lesson in a fresh one (as `closelab`
    /// started, with its settings): a lesson's checks hold whatever came before it.
    mutating func beginLesson() {
        userWorkspace = Workspace(world: world, history: history, snapshots: snapshots, explained: explained,
                                  lastEvents: lastEvents, rows: rows)
        world = World(settings: initialSettings)
        world.tracksChanges = format != .off
        history = History()
        snapshots = [:]
        rows = 40
        forgetTransientState()
    }

    /// Gives the learner's own session back.
    mutating func endLesson() {
        lessonInProgress = nil
        guard let saved = userWorkspace else { return }
        userWorkspace = nil
        world = saved.world
        world.tracksChanges = format != .off
        history = saved.history
        snapshots = saved.snapshots
        explained = saved.explained
        lastEvents = saved.lastEvents
        rows = saved.rows
        forgetPrintedRows()
    }

    /// Enter at the prompt during a lesson: runs its next step. If the learner changed the lesson's
    /// session since the last step, it says so once first (the step's checks may then fail).
    public mutating func continueLesson() -> Reply {
        var reply = Reply()
        guard var progress = lessonInProgress else { return reply }
        let l = progress.lesson
        if history.count != progress.historyMark && !progress.warned {
            progress.warned = true
            lessonInProgress = progress
            note("You changed the lesson's session since its last step, so step \(progress.next + 1)'s checks may fail. Press Enter to go on from here, or `lesson restart` to start it over in a fresh session.", l, into: &reply)
            return reply
        }
        runLessonStep(l, progress.next, into: &reply)
        if progress.next + 1 < l.steps.count {
            lessonInProgress = LessonProgress(lesson: l, next: progress.next + 1, historyMark: history.count)
            note("Press Enter for step \(progress.next + 2) of \(l.steps.count).", l, into: &reply)
        } else {
            endLesson()
            note("Lesson \(l.name) complete; your own session is back. `lesson` lists the others.", l, into: &reply)
        }
        return reply
    }

    /// Narration, the step's commands (echoed), then the rule it shows.
    mutating func runLessonStep(_ l: Lesson, _ index: Int, into reply: inout Reply) {
        let step = l.steps[index]
        say(LessonText(kind: .step, lesson: l.name, step: index + 1, steps: l.steps.count,
                       text: Prose([.paragraph(step.narration)])), into: &reply)
        let echoed = echoes
        echoes = true
        stepRules = []
        var ran = Reply()
        for line in step.lines {
            // At the prompt the lesson's own checks run silently: a failure still says so.
            echoes = !(isInteractive && line.text.trimmingBlanks.lowercased().hasPrefix("expect"))
            ran.items.append(contentsOf: run(line: line.text, file: "lesson \(l.name)", line: line.number).items)
        }
        // At the prompt a step fits a screen: its result lines, and one table — the last.
        if isInteractive { ran.fitForScreen() }
        reply.append(contentsOf: ran)
        echoes = echoed
        if let rule = step.rule {
            // A rule whose point is its table (R7) is shown whole; others by the clause the step names.
            let text = step.clause == nil && rule.text.contains("\n|") ? Prose.markdown(rule.text)
                : Prose([.paragraph(step.footer ?? "")])
            say(LessonText(kind: .rule, lesson: l.name, step: index + 1, steps: l.steps.count, title: rule.name, text: text),
                into: &reply)
        }
        lessonFootprints.append(LessonFootprint(lesson: l.name, step: index + 1, rule: step.rule, fired: stepRules ?? []))
        stepRules = nil
    }

    /// A lesson's own words, in the format in force.
    func say(_ text: LessonText, into reply: inout Reply) {
        reply.items.append(.lesson(text, presentation))
    }

    func note(_ text: String, _ l: Lesson, into reply: inout Reply) {
        say(LessonText(kind: .note, lesson: l.name, text: Prose([.paragraph(text)])), into: &reply)
    }

}
