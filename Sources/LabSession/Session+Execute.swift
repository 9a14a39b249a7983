import LabRendering
import LabScript
import WinsockModel

extension Session {
    /// Runs one parsed command and appends what it prints.
    mutating func execute(_ c: LocatedCommand, into reply: inout Reply) {
        switch c.command {
        case .call(let call, let thread, let expected):
            runCall(call, thread: thread, expected: expected, c, into: &reply)
        case .processNew:
            let outcome = world.newProcess()
            let p = outcome.created ?? "?"
            let t = world.process(ProcessID(rawValue: world.processes.count))?.threads.first?.description ?? "?"
            finishWorldCommand(c, header: "\(p) started with \(t) (WSPStartup count 1)", outcome, into: &reply)
        case .processExit(let p):
            attempt(c, into: &reply) { s throws(Refusal) in
                (try s.world.exitProcess(p), "\(p) exited; its threads are exited")
            }
        case .threadNew(let p):
            attempt(c, into: &reply) { s throws(Refusal) in
                let outcome = try s.world.newThread(in: p)
                let t = outcome.created ?? "?"
                return (outcome, "\(t) added to \(s.world.threads[s.world.threads.count - 1].process)")
            }
        case .useProcess(let p):
            do throws(Refusal) {
                try world.use(p)
                finishQuietCommand(c, header: "current: \(prompt.dropLast(2).split(separator: " ").dropFirst().joined(separator: " "))", into: &reply)
            } catch { refuse(error.message, c, into: &reply) }
        case .useThread(let t):
            do throws(Refusal) {
                try world.use(t)
                finishQuietCommand(c, header: "current: \(world.threads[t.index].process)/\(t)", into: &reply)
            } catch { refuse(error.message, c, into: &reply) }
        case .peer(let s, let action):
            attempt(c, into: &reply) { session throws(Refusal) in
                let (outcome, message) = try session.world.peer(s, action)
                return (outcome, message)
            }
        case .advance(let span):
            let from = world.now
            do throws(Refusal) {
                let outcome = try world.advance(by: span)
                let to = world.now
                finishWorldCommand(c, header: "t=\(from.milliseconds)ms → t=\(to.milliseconds)ms", outcome, into: &reply)
            } catch {
                refuse(error.message, c, into: &reply)
            }
        case .set(let setting):
            runSet(setting, c, into: &reply)
        case .show(let topic):
            show(topic, c, into: &reply)
        case .format(let f):
            format = f
            world.tracksChanges = f != .off
            printedRows.removeAll()
        case .expect(let e):
            check(e, c, into: &reply)
        case .explain:
            publishText(c, explanation(), into: &reply)
        case .source(let file):
            source(file, c, into: &reply)
        case .help(let topic):
            switch help(topic) {
            case .success(let text): publishText(c, text, into: &reply)
            case .failure(let message): refuse(message.text, c, into: &reply)
            }
        case .reset:
            world = World(settings: Settings())
            world.tracksChanges = format != .off
            rows = 40
            lastEvents = []
            explained = Explained()
            printedRows.removeAll()
            finishWorldCommand(c, header: "session reset: P1/T1 at t=0ms, default settings", .nothing, into: &reply)
        case .quit:
            reply.quits = true
        case .notYetSupported(let name):
            refuse("`\(name)` is not supported yet: a later release of closelab brings it (`help` lists what works)", c, into: &reply)
        }
    }

    /// Runs a world command that may be refused (an invalid line).
    mutating func attempt(_ c: LocatedCommand, into reply: inout Reply,
                          _ body: (inout Session) throws(Refusal) -> (Outcome, String)) {
        do throws(Refusal) {
            let (outcome, header) = try body(&self)
            finishWorldCommand(c, header: header, outcome, into: &reply)
        } catch {
            refuse(error.message, c, into: &reply)
        }
    }

    // MARK: Provider calls

    mutating func runCall(_ call: ProviderCall, thread: ThreadID?, expected: InlineExpectation?,
                          _ c: LocatedCommand, into reply: inout Reply) {
        let issuer = thread ?? world.current
        let outcome: Outcome
        do throws(Refusal) {
            outcome = try world.perform(call, by: thread)
        } catch {
            refuse(error.message, c, into: &reply)
            return
        }
        let result = outcome.result ?? .blocked
        explained = Explained(call: .init(call: call, result: result, thread: issuer, showsThread: thread != nil,
                                          notes: outcome.notes))
        lastEvents = outcome.timedEvents
        let header = format == .box || format == .plain
            ? [Session.callLine(call, result: result, thread: issuer, showsThread: thread != nil)] : []
        publish(c, call: call.name, result: result, header: header, outcome: outcome, into: &reply)
        if let expected {
            let passed = matches(actual: result.lastValue, .equal, expected.value, kind: .text, path: .last)
            if !passed {
                failedExpectations += 1
                reply.err += "\(c.location.fileAndLine): expected \(call.apiForm) => \(expected.value), got \(result.lastValue)\n"
            }
        }
    }

    /// The call and its result in API form (SPEC.md section 3).
    static func callLine(_ call: ProviderCall, result: CallResult, thread: ThreadID?, showsThread: Bool) -> String {
        let who = showsThread ? "\(thread.map(\.description) ?? "?"): " : ""
        switch result {
        case .blocked:
            return "\(thread.map(\.description) ?? "?") blocked in \(call.apiForm)"
        case .value(let v):
            return "\(who)\(call.apiForm) = \(v)"
        case .pending(let op):
            return "\(who)\(call.apiForm) = SOCKET_ERROR (WSA_IO_PENDING) → \(op)"
        case .failure(let e):
            switch call.name {
            case .socket: return "\(who)\(call.apiForm) = INVALID_SOCKET (\(e))"
            case .startup: return "\(who)\(call.apiForm) = \(e)"
            default: return "\(who)\(call.apiForm) = SOCKET_ERROR (\(e))"
            }
        }
    }

    // MARK: Settings

    mutating func runSet(_ setting: SessionSetting, _ c: LocatedCommand, into reply: inout Reply) {
        switch setting {
        case .model(let s):
            attempt(c, into: &reply) { session throws(Refusal) in
                (try session.world.apply(s), "set \(Session.describe(s))")
            }
        case .rows(let n):
            rows = n
            finishQuietCommand(c, header: "rows \(n): larger tables show only the rows that changed", into: &reply)
        case .diff(let on):
            marksChanges = on
            printedRows.removeAll()
            finishQuietCommand(c, header: "diff \(on ? "on: changed cells are marked" : "off")", into: &reply)
        }
    }

    static func describe(_ s: World.Setting) -> String {
        switch s {
        case .provider(let k): "provider \(k)"
        case .netRate(let r): "net rate \(r) bytes/s"
        case .netLatency(let d): "net latency \(d)"
        case .network(let up): "network \(up ? "up" : "down")"
        case .sendBuffer(let n): "sndbuf \(n) bytes (for sockets made from now on)"
        case .window(let n): "window \(n) bytes (for connections made from now on)"
        case .gracefulTimeout(let d): "graceful-timeout \(d)"
        case .timeWait(let d): "timewait \(d)"
        case .reuse(let on): "reuse \(on ? "on" : "off")"
        case .profile(let p): "profile \(p)"
        }
    }

    // MARK: show

    mutating func show(_ topic: ShowTopic, _ c: LocatedCommand, into reply: inout Reply) {
        switch format {
        case .off: return
        case .json:
            var pairs = baseJSON(c, call: nil, result: nil, events: [])
            pairs += [("handles", .array(world.handles.map(handleJSON))),
                      ("sockets", .array(world.sockets.map(socketJSON))),
                      ("ops", .array(world.operations.map(operationJSON)))]
            reply.out += JSON.object(pairs).text + "\n"
        case .box, .plain:
            var tables: [Table] = []
            switch topic {
            case .handles:
                tables.append(handleTable(changed: [], all: true, released: []))
                if world.hasUnreferencedSockets { tables.append(socketTable(changed: [], all: true)) }
            case .sockets: tables.append(socketTable(changed: [], all: true))
            case .ops: tables.append(operationTable())
            case .threads: tables += [processTable(), threadTable()]
            case .peers: tables.append(peerTable())
            case .all:
                tables += [handleTable(changed: [], all: true, released: []), socketTable(changed: [], all: true),
                           operationTable(), processTable(), threadTable(), peerTable()]
            }
            var text = ""
            for t in tables {
                text += t.rows.isEmpty ? "\(t.title ?? "handles"): none\n" : t.render(style)
            }
            reply.out += text + "\n"
        }
    }

    // MARK: source

    mutating func source(_ file: String, _ c: LocatedCommand, into reply: inout Reply) {
        guard sourceDepth < 16 else {
            refuse("source: nested too deeply (at most 16 files inside each other)", c, into: &reply)
            return
        }
        switch environment.readFile(file) {
        case .failure(let reason):
            refuse("source: cannot read \(quoted(file)): \(reason.text)", c, into: &reply)
        case .success(let bytes):
            sourceDepth += 1
            defer { sourceDepth -= 1 }
            var lineNumber = 0
            for line in splitLines(bytes) {
                lineNumber += 1
                let r = run(bytes: line, file: file, line: lineNumber)
                reply.out += r.out
                reply.err += r.err
                if r.quits { break }
            }
        }
    }
}

/// Splits bytes into lines at `\n` (a final line without one counts; `\r\n` is trimmed).
public func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == 10 {
        var end = i
        if end > start && bytes[end - 1] == 13 { end -= 1 }
        lines.append(bytes[start..<end])
        start = i + 1
    }
    if start < bytes.count { lines.append(bytes[start...]) }
    return lines
}
