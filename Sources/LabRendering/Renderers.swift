import WinsockModel

/// Draws command reports as text: box or plain tables for a width (docs/language.md, "What is
/// printed"). A report prints its headline, events, answer and tables, then a blank line; one that
/// has nothing to print adds no blank line.
struct TextRenderer {
    let style: Style

    func render(_ r: CommandReport, into out: inout String) {
        var body = r.isWhatif ? fit("whatif — this is what it would do; nothing below happens to the session:") + "\n" : ""
        switch r.headline {
        case .none: break
        case .call(let line):
            // An error result is red on a terminal (a pending overlapped call is not an error).
            let failed = if case .failure = line.result { true } else { false }
            body += ANSI.paint(fit(line.text), failed ? .bad : .normal, changed: false, style: style) + "\n"
        // One line that may carry the user's words (a file name, a snapshot's name): never a raw
        // control character on the terminal.
        case .message(let text): body += fit(escapingControlCharacters(text)) + "\n"
        }
        for e in r.events {
            let text = r.showsEventTimes ? "  [t=\(e.time)] \(e.event)" : "  \(e.event)"
            body += ANSI.paint(fit(text), TextRenderer.tone(of: e.event), changed: false, style: style) + "\n"
        }
        if let hint = r.hint { body += Prose([.item(lead: "  hint: ", text: hint)]).render(style) }
        if let answer = r.answer { body += answer.render(style) }
        switch r.tables {
        case .none, .json: break
        case .unchanged: body += "(no row changed)\n"
        case .afterCommand(let handles, let sockets):
            body += handles.map { $0.table(style).render(style) } ?? "no handles\n"
            if let sockets { body += sockets.table().render(style) }
        case .shown(let tables):
            for t in tables { body += t.isEmpty ? "\(t.name): none\n" : t.table(style).render(style) }
        }
        if !body.isEmpty { out += body + (r.isSpacedAfter ? "\n" : "") }
    }

    /// A line as it is when it fits the width, else wrapped without splitting a word.
    func fit(_ line: String) -> String { Prose.fit(line, width: style.width) }

    /// Resets and what they throw away are red, a linger timeout yellow, on a terminal.
    static func tone(of event: Event) -> Table.Tone {
        switch event {
        case .resetSent, .peerResetReceived, .discarded, .operationAborted: .bad
        case .lingerTimedOut: .warn
        case .handleCreated, .handleRegistered, .handleReturned, .transmitted, .finSent, .peerFinReceived,
             .operationCompleted, .threadBlocked, .threadWoke, .stateChanged, .socketReleased:
            .normal
        }
    }

    /// A lesson's title, a step's header and narration, a rule footer, a note.
    func render(_ t: LessonText, into out: inout String) {
        switch t.kind {
        case .lesson:
            out += Prose([.paragraph("Lesson \(t.lesson): \(t.title ?? "")")]).render(style) + t.text.render(style) + "\n"
        case .step:
            out += "── Step \(t.step ?? 0) of \(t.steps ?? 0) ──\n" + t.text.render(style) + "\n"
        case .rule:
            var footer = t.text
            if case .paragraph(let first)? = footer.blocks.first {
                footer.blocks[0] = .paragraph("Rule \(t.title ?? ""): " + first)
            } else {
                footer.blocks.insert(.paragraph("Rule \(t.title ?? ""):"), at: 0)
            }
            footer.paragraph("(`help \(t.title ?? "")` has the whole rule; `explain` says why the last call did what it did.)")
            out += footer.render(style) + "\n"
        case .note:
            out += t.text.render(style) + "\n"
        }
    }

    /// `format off` prints only what answers a question (help, explain): they still print.
    static func renderAnswer(_ r: CommandReport, _ style: Style, into out: inout String) {
        guard let answer = r.answer else { return }
        out += answer.render(style) + "\n"
    }
}

/// Draws each command report as one JSON object on one line. The record of a command is built
/// here and nowhere else (docs/language.md, "The JSON record").
struct JSONRenderer {
    func render(_ r: CommandReport, into out: inout String) {
        JSON.object(record(r)).write(to: &out)
        out += "\n"
    }

    /// A lesson's words as their own object, with a `kind`.
    func render(_ t: LessonText, into out: inout String) {
        var pairs: [(String, JSON)] = [("kind", .string(t.kind.rawValue)), ("lesson", .string(t.lesson))]
        if let step = t.step { pairs.append(("step", .number(step))) }
        if let steps = t.steps { pairs.append(("steps", .number(steps))) }
        switch t.kind {
        case .lesson: pairs.append(("title", .string(t.title ?? "")))
        case .rule: pairs.append(("rule", .string(t.title ?? "")))
        case .step, .note: break
        }
        pairs.append(("text", .string(t.text.plainText.trimmingTrailingNewlines())))
        JSON.object(pairs).write(to: &out)
        out += "\n"
    }

    func record(_ r: CommandReport) -> [(String, JSON)] {
        var call: JSON = .null
        var result: JSON = .object([("return", .null), ("error", .null)])
        var message: String? = nil
        switch r.headline {
        case .none: break
        case .message(let text): message = text
        case .call(let line):
            call = .string(line.call.name.description)
            let ret: JSON = switch line.result {
            case .value(let v): .string(v.description)
            case .blocked: .string("blocked")
            case .failure, .pending: .null
            }
            var pairs: [(String, JSON)] = [("return", ret), ("error", line.result.error.map { .string($0.description) } ?? .null)]
            if case .pending(let op) = line.result { pairs.append(("operation", .string(op.description))) }
            if let host = line.hostError { pairs.append(("host_error", .string(host))) }
            result = .object(pairs)
        }
        var pairs: [(String, JSON)] = [
            ("kind", .string("command")),
            ("file", .string(r.origin.file)),
            ("line", .number(r.origin.line)),
            ("input", .string(r.input)),
            ("call", call),
            ("result", result),
            ("events", .array(r.events.map { .string($0.event.description) })),
            ("time_ms", .number(Int(r.time.milliseconds))),
            ("profile", .string(r.profile.description)),
        ]
        if r.isWhatif { pairs.append(("whatif", .bool(true))) }
        if let message { pairs.append(("message", .string(message))) }
        if let answer = r.answer { pairs.append(("text", .string(answer.plainText))) }
        if let created = r.created { pairs.append(("created", .string(created.description))) }
        if let hint = r.hint { pairs.append(("hint", .string(hint))) }
        if let verdict = r.expectation {
            pairs.append(("expectation", .object([("passed", verdict.passed.map { .bool($0) } ?? .null),
                                                  ("message", verdict.message.map { .string($0) } ?? .null)])))
        }
        if case .json(let state) = r.tables { pairs += JSONRenderer.stateKeys(state) }
        return pairs
    }

    static func stateKeys(_ s: JSONState) -> [(String, JSON)] {
        var pairs: [(String, JSON)] = [
            ("handles", .array(s.handles.map(handle))),
            ("sockets", .array(s.sockets.map(socket))),
            ("ops", .array(s.operations.map(operation))),
        ]
        if let n = s.handlesOmitted { pairs.append(("handles_omitted", .number(n))) }
        if let n = s.socketsOmitted { pairs.append(("sockets_omitted", .number(n))) }
        if let n = s.operationsOmitted { pairs.append(("ops_omitted", .number(n))) }
        return pairs
    }

    static func handle(_ h: HandleRow) -> JSON {
        .object([("handle", .string(h.id.description)), ("process", .string(h.process.description)),
                 ("socket", .string(h.socket.description)), ("refcount", .number(h.refcount)),
                 ("pending", .number(h.pending)), ("sendq", .number(h.sendQueue)), ("recvq", .number(h.receiveQueue)),
                 ("linger", .string(h.linger.description)), ("mode", .string(modeText(h.isNonblocking))),
                 ("state", .string(h.state.description))])
    }

    static func socket(_ s: SocketRow) -> JSON {
        let peer: JSON = s.peer.map { p in
            .object([("window", .number(p.window)), ("received", .number(p.received)), ("read", .number(p.read)),
                     ("fin", .bool(p.hasReceivedFin)), ("reset", .bool(p.hasReceivedReset)),
                     ("error", .string(p.nextReceive.description))])
        } ?? .null
        return .object([("socket", .string(s.id.description)), ("type", .string(s.type.description)),
                        ("refcount", .number(s.refcount)), ("sendq", .number(s.sendQueue)),
                        ("recvq", .number(s.receiveQueue)), ("linger", .string(s.linger.description)),
                        ("mode", .string(modeText(s.isNonblocking))), ("state", .string(s.state.description)),
                        ("held", .string(s.holder.description)), ("discarded", .number(s.discarded)), ("peer", peer)])
    }

    static func operation(_ o: OperationRow) -> JSON {
        .object([("op", .string(o.id.description)), ("kind", .string(o.kind.rawValue)),
                 ("handle", .string(o.handle.description)), ("socket", .string(o.socket.description)),
                 ("thread", .string(o.thread.description)), ("requested", .number(o.requested)),
                 ("status", .string(o.status.description)), ("bytes", .number(o.bytes)),
                 ("notified", .bool(o.isNotified))])
    }
}
