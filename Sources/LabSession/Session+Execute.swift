import LabRendering
import LabScript
import WinsockModel

extension Session {
    /// Runs one parsed command and appends what it prints.
    mutating func execute(_ c: LocatedCommand, into reply: inout Reply) {
        switch c.command {
        case .call, .processNew, .processExit, .threadNew, .useProcess, .useThread, .peer, .advance, .set(.model):
            runWorldCommand(c, into: &reply)
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
            world = World(settings: initialSettings)
            world.tracksChanges = format != .off
            rows = 40
            lastEvents = []
            explained = Explained()
            history.removeAll()
            printedRows.removeAll()
            finishWorldCommand(c, header: "session reset: P1/T1 at t=0ms, the settings it started with", .nothing, into: &reply)
        case .quit:
            reply.quits = true
        case .lesson(let request):
            lesson(request, c, into: &reply)
        case .trace(let socket, let pcap):
            trace(socket, pcap: pcap, c, into: &reply)
        case .undo:
            undo(c, into: &reply)
        case .snapshot(let name):
            snapshots[name] = Snapshot(world: world, history: history)
            finishQuietCommand(c, header: "snapshot \(quoted(name)) taken at t=\(world.now.milliseconds)ms (`restore \(name)` brings it back)", into: &reply)
        case .restore(let name):
            restore(name, c, into: &reply)
        case .whatif(let inner):
            whatif(inner, c, into: &reply)
        case .record(let file):
            record(to: file, c, into: &reply)
        case .compare:
            publishText(c, compareSession(), into: &reply)
        }
    }

    /// Applies a command that acts on the world. Shared by execution and by replay (`undo`,
    /// `explain` across profiles), so both do exactly the same. Returns the outcome and, for a
    /// peer command, the model's account of it.
    static func apply(_ command: Command, to world: inout World) throws(Refusal) -> (Outcome, String?) {
        switch command {
        case .call(let call, let thread, _): return (try world.perform(call, by: thread), nil)
        case .processNew: return (world.newProcess(), nil)
        case .processExit(let p): return (try world.exitProcess(p), nil)
        case .threadNew(let p): return (try world.newThread(in: p), nil)
        case .useProcess(let p):
            try world.use(p)
            return (.nothing, nil)
        case .useThread(let t):
            try world.use(t)
            return (.nothing, nil)
        case .peer(let s, let action): return try world.peer(s, action)
        case .advance(let span): return (try world.advance(by: span), nil)
        case .set(.model(let setting)): return (try world.apply(setting), nil)
        default: return (.nothing, nil)
        }
    }

    /// The line printed for a session command that acted on the world (made only when printed).
    func header(for command: Command, _ outcome: Outcome, message: String?, from: Instant) -> String {
        switch command {
        case .processNew:
            let t = world.processes.last?.threads.first?.description ?? "?"
            return "\(outcome.created ?? "?") started with \(t) (WSPStartup count 1)"
        case .processExit(let p): return "\(p) exited; its threads are exited"
        case .threadNew: return "\(outcome.created ?? "?") added to \(world.threads[world.threads.count - 1].process)"
        case .useProcess, .useThread:
            return "current: " + (world.current.map { "\(world.threads[$0.index].process)/\($0)" } ?? "none")
        case .advance: return "t=\(from.milliseconds)ms → t=\(world.now.milliseconds)ms"
        case .set(.model(let setting)): return "set \(Session.describe(setting))"
        default: return message ?? ""
        }
    }

    /// A command that acts on the world: apply it, remember it for undo and record, print it.
    mutating func runWorldCommand(_ c: LocatedCommand, into reply: inout Reply) {
        let issuer: ThreadID?
        if case .call(_, let thread, _) = c.command { issuer = thread ?? world.current } else { issuer = nil }
        let from = world.now
        let outcome: Outcome
        let message: String?
        do throws(Refusal) {
            (outcome, message) = try Session.apply(c.command, to: &world)
        } catch {
            refuse(error.message, c, into: &reply)
            return
        }
        guard case .call(let call, let thread, let expected) = c.command else {
            history.append(HistoryEntry(command: c.command, result: nil))
            switch c.command {
            case .useProcess, .useThread:
                finishQuietCommand(c, header: header(for: c.command, outcome, message: message, from: from), into: &reply)
            default:
                let line = format == .off ? "" : header(for: c.command, outcome, message: message, from: from)
                finishWorldCommand(c, header: line, outcome, into: &reply)
            }
            return
        }
        let result = outcome.result ?? .blocked
        history.append(HistoryEntry(command: .call(call, thread: thread, expected: nil), result: result))
        explained = Explained(call: .init(call: call, result: result, thread: issuer, showsThread: thread != nil,
                                          notes: outcome.notes, historyIndex: history.count - 1,
                                          events: outcome.timedEvents))
        lastEvents = outcome.timedEvents
        if observes {
            observations.append(Observation(result: result.description, events: outcome.timedEvents.map(\.event.description)))
        }
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
        case .model:
            runWorldCommand(c, into: &reply)
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
            reply.out += JSON.object(baseJSON(c, call: nil, result: nil, events: []) + fullStateJSON()).text + "\n"
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
            forEachLine(bytes) { line in
                lineNumber += 1
                let r = run(bytes: line, file: file, line: lineNumber)
                reply.out += r.out
                reply.err += r.err
                return !r.quits
            }
        }
    }
}

/// Calls `body` with each line of `bytes`, split at `\n` (a final line without one counts;
/// `\r\n` is trimmed), without making an array of every line; `body` returns false to stop.
public func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Bool) {
    var start = 0
    while start < bytes.count {
        let newline = bytes[start...].firstIndex(of: 10) ?? bytes.count
        var end = newline
        if end > start && bytes[end - 1] == 13 { end -= 1 }
        guard body(bytes[start..<end]) else { return }
        start = newline + 1
    }
}

/// The lines of `bytes`, as `forEachLine` finds them.
public func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    forEachLine(bytes) { lines.append($0); return true }
    return lines
}
