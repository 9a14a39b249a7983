import LabRendering
import LabScript
import WinsockModel

/// Turning what a command did into a typed report, in the format in force (docs/language.md,
/// "What is printed"). Under `format off` nothing is laid out: no rows are read, no table built.
extension Session {
    public var style: Style {
        Style(frame: format == .box ? .box : .plain, width: display.width, usesColor: display.usesColor,
              marksChanges: marksChanges, compactsToFit: display.isTerminal)
    }

    /// How reports made now are drawn.
    var presentation: Presentation {
        switch format {
        case .box, .plain: .text(style)
        case .json: .json
        case .off: .off(style)
        }
    }

    /// A report for `c` with the clock and profile as they are now.
    func newReport(_ c: LocatedCommand) -> CommandReport {
        let state = self.state
        return CommandReport(origin: Origin(file: c.location.file, line: c.location.line, column: c.location.column),
                             input: c.text, time: state.now, profile: state.profile)
    }

    /// A command that acted on the world (a provider call or a session command): its headline,
    /// events and the tables after it.
    mutating func publishWorld(_ c: LocatedCommand, headline: @autoclosure () -> CommandReport.Headline,
                               _ outcome: Outcome, into reply: inout Reply) {
        lastEvents = outcome.timedEvents
        if format == .off { return }
        var r = newReport(c)
        r.headline = headline()
        if case .call(let line) = r.headline, line.result == .failure(.inProgress) { r.hint = inProgressHint(line.thread) }
        r.events = outcome.timedEvents
        r.showsEventTimes = c.command.isAdvance
        r.created = outcome.created
        r.tables = format == .json ? .json(jsonState(state, outcome)) : tablesAfter(state, outcome)
        reply.items.append(.command(r, presentation))
    }

    /// A command that changes no table (use, set rows, set diff, snapshot, record): one line.
    mutating func publishQuiet(_ c: LocatedCommand, _ message: String, into reply: inout Reply) {
        lastEvents = []
        if format == .off { return }
        var r = newReport(c)
        r.headline = .message(message)
        if format == .json { r.tables = .json(jsonState(state, nil)) }
        reply.items.append(.command(r, presentation))
    }

    /// An answer to a question (help, explain, compare, trace): printed even with `format off`.
    mutating func publishAnswer(_ c: LocatedCommand, _ text: Prose, into reply: inout Reply) {
        var r = newReport(c)
        r.answer = text
        if format == .json { r.tables = .json(jsonState(state, nil)) }
        reply.items.append(.command(r, presentation))
    }

    /// `show`: whole tables.
    mutating func publishShown(_ c: LocatedCommand, _ topic: ShowTopic, message: String? = nil, into reply: inout Reply) {
        if format == .off { return }
        var r = newReport(c)
        if let message { r.headline = .message(message) }
        r.tables = format == .json ? .json(fullJSONState(state)) : .shown(shownTables(state, topic))
        reply.items.append(.command(r, presentation))
    }

    /// An `expect` on a path the live backend cannot observe: one line, neither pass nor failure.
    mutating func publishUnobservable(_ c: LocatedCommand, _ why: String, into reply: inout Reply) {
        if format == .off { return }
        var r = newReport(c)
        if format == .json {
            r.expectation = ExpectationVerdict(passed: nil, message: why)
            r.tables = .json(jsonState(state, nil))
        } else {
            r.headline = .message(why)
        }
        reply.items.append(.command(r, presentation))
    }

    /// The verdict of an `expect` line: a failure on standard error; json records every verdict.
    mutating func publishVerdict(_ c: LocatedCommand, failure: String?, into reply: inout Reply) {
        if let failure {
            failedExpectations += 1
            reply.items.append(.failedExpectation(origin(of: c), failure))
        }
        guard format == .json else { return }
        var r = newReport(c)
        r.expectation = ExpectationVerdict(passed: failure == nil, message: failure)
        r.tables = .json(jsonState(state, nil))
        reply.items.append(.command(r, presentation))
    }

    /// The ways out for a thread whose calls fail with WSAEINPROGRESS (R24).
    func inProgressHint(_ thread: ThreadID?) -> String? {
        let state = self.state
        guard let t = thread, case .blocked(let call)? = state.threadRow(t)?.state else { return nil }
        let next = ThreadID(rawValue: state.threadCount + 1)
        return "\(t) is blocked in \(call.name)(\(call.handle)), so its calls fail with WSAEINPROGRESS (R24). Ways out: `advance` until the call finishes, `cancel` to cancel it (R25), or `thread new` then `use \(next)` to call from another thread."
    }

    func origin(of c: LocatedCommand) -> Origin {
        Origin(file: c.location.file, line: c.location.line, column: c.location.column)
    }
}

extension Command {
    var isAdvance: Bool { if case .advance = self { true } else { false } }
}
