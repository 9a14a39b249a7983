import LabRendering
import LabScript
import WinsockModel

/// Turning a command's effect into text, in the current format (SPEC.md section 3).
extension Session {
    public var style: Style {
        Style(frame: format == .box ? .box : .plain, width: display.width, usesColor: display.usesColor,
              marksChanges: marksChanges)
    }

    /// A world command finished: its header, events and tables.
    mutating func finishWorldCommand(_ c: LocatedCommand, header: @autoclosure () -> String, _ outcome: Outcome,
                                     into reply: inout Reply) {
        lastEvents = outcome.timedEvents
        if observes { observations.append(Observation(result: nil, events: outcome.timedEvents.map(\.event.description))) }
        if !outcome.notes.isEmpty { explained.later.append((c.text, outcome.notes)) }
        publish(c, call: nil, result: nil, header: format == .off ? [] : [header()], outcome: outcome, into: &reply)
    }

    /// A command that changes no table (use, set rows, set diff).
    mutating func finishQuietCommand(_ c: LocatedCommand, header: String, into reply: inout Reply) {
        lastEvents = []
        switch format {
        case .off: return
        case .json:
            var pairs = baseJSON(c, call: nil, result: nil, events: [])
            pairs.append(("message", .string(header)))
            pairs += stateJSON(changedHandles: [], changedSockets: [], changedOperations: [])
            reply.out += JSON.object(pairs).text + "\n"
        case .box, .plain:
            reply.out += header + "\n\n"
        }
    }

    /// Text output (help, explain).
    mutating func publishText(_ c: LocatedCommand, _ text: String, into reply: inout Reply) {
        switch format {
        case .json:
            var pairs = baseJSON(c, call: nil, result: nil, events: [])
            pairs.append(("text", .string(text)))
            pairs += stateJSON(changedHandles: [], changedSockets: [], changedOperations: [])
            reply.out += JSON.object(pairs).text + "\n"
        case .off, .box, .plain:
            // help and explain answer a question, so they print even with `format off`.
            reply.out += text + (text.hasSuffix("\n") ? "" : "\n") + "\n"
        }
    }

    func baseJSON(_ c: LocatedCommand, call: CallName?, result: CallResult?, events: [Event]) -> [(String, JSON)] {
        let resultJSON: JSON
        if let result {
            let ret: JSON
            switch result {
            case .value(let v): ret = .string(v.description)
            case .blocked: ret = .string("blocked")
            case .failure, .pending: ret = .null
            }
            var pairs: [(String, JSON)] = [("return", ret), ("error", result.error.map { .string($0.description) } ?? .null)]
            if case .pending(let op) = result { pairs.append(("operation", .string(op.description))) }
            resultJSON = .object(pairs)
        } else {
            resultJSON = .object([("return", .null), ("error", .null)])
        }
        return [
            ("file", .string(c.location.file)),
            ("line", .number(c.location.line)),
            ("input", .string(c.text)),
            ("call", call.map { .string($0.description) } ?? .null),
            ("result", resultJSON),
            ("events", .array(events.map { .string($0.description) })),
            ("time_ms", .number(Int(world.now.milliseconds))),
            ("profile", .string(world.settings.profile.description)),
        ]
    }

    /// Prints one command's account: header lines, events (with their instants during `advance`),
    /// the handle table and, when an orphan exists, the sockets table.
    mutating func publish(_ c: LocatedCommand, call: CallName?, result: CallResult?, header: [String],
                          outcome: Outcome, into reply: inout Reply) {
        switch format {
        case .off:
            return
        case .json:
            var pairs = baseJSON(c, call: call, result: result, events: outcome.events)
            if call == nil, let message = header.first { pairs.append(("message", .string(message))) }
            if let t = outcome.created { pairs.append(("created", .string(t))) }
            pairs += stateJSON(changedHandles: world.changedHandles(in: outcome), changedSockets: outcome.changedSockets,
                               changedOperations: outcome.changedOperations)
            reply.out += JSON.object(pairs).text + "\n"
        case .box, .plain:
            var text = ""
            for line in header { text += line + "\n" }
            let timed = c.command.isAdvance
            for e in outcome.timedEvents {
                text += timed ? "  [t=\(e.time)] \(e.event)\n" : "  \(e.event)\n"
            }
            let released = Set(outcome.releasedHandles)
            if world.handles.isEmpty {
                text += "no handles\n"
            } else {
                text += handleTable(changed: world.changedHandles(in: outcome), all: false, released: released).render(style)
            }
            let changedSockets = outcome.changedSockets
            if showsSocketsTable(changed: changedSockets) {
                text += socketTable(changed: changedSockets, all: false).render(style)
            }
            reply.out += text + "\n"
        }
    }
}

extension Command {
    var isAdvance: Bool { if case .advance = self { true } else { false } }
}
