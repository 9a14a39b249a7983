import LabRendering
import LabScript
import WinsockModel

extension Session {
    /// Runs one parsed command and appends what it prints.
    mutating func execute(_ c: LocatedCommand, into reply: inout Reply) {
        if let backend, let why = Session.modelOnly(c.command) {
            refuse("\(why) has no counterpart under the \(backend.name) backend (it needs the model; `closelab` without --backend runs it)", c, into: &reply)
            return
        }
        switch c.command {
        case .call, .processNew, .processExit, .threadNew, .useProcess, .useThread, .peer, .advance, .set(.model):
            runWorldCommand(c, into: &reply)
        case .set(let setting):
            runSet(setting, c, into: &reply)
        case .show(let topic):
            publishShown(c, topic, into: &reply)
        case .format(let f):
            format = f
            world.tracksChanges = f != .off
            forgetPrintedRows()
        case .expect(let e):
            check(e, c, into: &reply)
        case .explain:
            publishAnswer(c, explanation(), into: &reply)
        case .source(let file):
            source(file, c, into: &reply)
        case .help(let topic):
            switch help(topic) {
            case .success(let text): publishAnswer(c, text, into: &reply)
            case .failure(let message):
                // The column of the topic that was not found, not of `help`.
                let rest = c.text.drop { $0 != " " && $0 != "\t" }.drop { $0 == " " || $0 == "\t" }
                let offset = rest.isEmpty ? 0 : c.text.count - rest.count
                report(Diagnostic(column: c.location.column + offset, message.text), at: c.location, into: &reply)
            }
        case .reset:
            if let live = backend {
                switch environment.makeBackend(live.name) {
                case .success(let fresh): useBackend(fresh)
                case .failure(let reason):
                    refuse("reset: cannot start a fresh \(live.name) backend: \(reason.text)", c, into: &reply)
                    return
                }
            }
            world = World(settings: initialSettings)
            world.tracksChanges = format != .off
            rows = 40
            history.removeAll()
            forgetTransientState()
            publishWorld(c, headline: .message("session reset: P1/T1 at t=0ms, the settings it started with"), .nothing,
                         into: &reply)
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
            publishQuiet(c, "snapshot \(quoted(name)) taken at t=\(world.now.milliseconds)ms (`restore \(name)` brings it back)", into: &reply)
        case .restore(let name):
            restore(name, c, into: &reply)
        case .whatif(let inner):
            whatif(inner, c, into: &reply)
        case .record(let file):
            record(to: file, c, into: &reply)
        case .compare:
            publishAnswer(c, Prose(verbatim: compareSession()), into: &reply)
        case .crosscheck(let file):
            crossCheck(file, c, into: &reply)
        }
    }

    /// What `compare` keeps of a command: its result, its events, and the rows it changed.
    mutating func observe(result: String?, _ outcome: Outcome) {
        observations.append(Observation(result: result, events: outcome.timedEvents.map(\.event.description),
                                        handles: state.changedHandles(in: outcome), sockets: outcome.changedSockets))
    }

    /// Commands that work on the model only (time travel, the wire log, profiles), by name; nil for
    /// the rest, which a live backend runs or answers itself.
    static func modelOnly(_ command: Command) -> String? {
        switch command {
        case .undo: "undo"
        case .snapshot: "snapshot"
        case .restore: "restore"
        case .whatif: "whatif"
        case .trace: "trace"
        case .compare: "compare"
        case .crosscheck: "crosscheck (it runs its own model and kernel sessions)"
        case .lesson(.start), .lesson(.restart): "a lesson"
        case .call, .processNew, .processExit, .threadNew, .useProcess, .useThread, .peer, .advance, .set, .show,
             .format, .expect, .explain, .source, .help, .reset, .quit, .lesson(.list), .lesson(.stop), .record:
            nil
        }
    }

    /// What a jump in the session (reset, undo, restore) leaves behind: the events `expect event`
    /// reads, the call `explain` explains, and the rows marked as changed.
    mutating func forgetTransientState() {
        lastEvents = []
        explained = Explained()
        forgetPrintedRows()
    }

    mutating func forgetPrintedRows() {
        printedHandles.removeAll()
        printedSockets.removeAll()
    }

    /// Runs a command that acts on the world on a live backend instead of the model.
    static func apply(_ command: Command, to live: any LiveBackend, control: WaitControl) throws(Refusal) -> (Outcome, String?) {
        switch command {
        case .call(let call, let thread, _): return (try live.perform(call, by: thread), nil)
        case .processNew: return (try live.newProcess(), nil)
        case .processExit(let p): return (try live.exitProcess(p), nil)
        case .threadNew(let p): return (try live.newThread(in: p), nil)
        case .useProcess(let p):
            try live.use(p)
            return (.nothing, nil)
        case .useThread(let t):
            try live.use(t)
            return (.nothing, nil)
        case .peer(let s, let action): return try live.peer(s, action)
        case .advance(let span): return (try live.advance(by: span, control: control), nil)
        case .set(.model(let setting)): return (try live.apply(setting), nil)
        default: return (.nothing, nil)
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
        let state = self.state
        switch command {
        case .processNew:
            let p = ProcessID(rawValue: state.processCount)
            let t = state.processRow(p)?.threads.first?.description ?? "?"
            return "\(outcome.created?.description ?? "?") started with \(t) (WSPStartup count 1)"
        case .processExit(let p): return "\(p) exited; its threads are exited"
        case .threadNew:
            let p = state.threadRow(ThreadID(rawValue: state.threadCount))?.process.description ?? "?"
            return "\(outcome.created?.description ?? "?") added to \(p)"
        case .useProcess, .useThread:
            return "current: " + (state.currentThread.flatMap { t in state.threadRow(t).map { "\($0.process)/\(t)" } } ?? "none")
        case .advance: return "t=\(from.milliseconds)ms → t=\(state.now.milliseconds)ms"
        case .set(.model(let setting)): return "set \(Session.describe(setting))"
        default: return message ?? ""
        }
    }

    /// A command that acts on the world: apply it, remember it for undo and record, print it.
    mutating func runWorldCommand(_ c: LocatedCommand, into reply: inout Reply) {
        let issuer: ThreadID?
        // Read from the world directly: `state` boxes a copy of it in an existential.
        if case .call(_, let thread, _) = c.command {
            issuer = thread ?? (backend.map { $0.state.currentThread } ?? world.currentThread)
        } else {
            issuer = nil
        }
        let from = backend?.state.now ?? world.now
        let outcome: Outcome
        let message: String?
        do throws(Refusal) {
            if let backend {
                (outcome, message) = try Session.apply(c.command, to: backend, control: environment.waitControl)
            } else {
                (outcome, message) = try Session.apply(c.command, to: &world)
            }
        } catch {
            report(Diagnostic(column: Session.column(naming: error, in: c), error.message), at: c.location, into: &reply)
            return
        }
        if stepRules != nil { stepRules! += outcome.notes.map(\.rule) }
        guard case .call(let call, let thread, let expected) = c.command else {
            history.append(c.text, result: nil, after: world)
            if !outcome.notes.isEmpty { explained.later.append((c.text, outcome.notes)) }
            if observes { observe(result: nil, outcome) }
            // Nothing is printed under `format off`, so the line is not made.
            let line = format == .off ? "" : header(for: c.command, outcome, message: message, from: from)
            switch c.command {
            case .useProcess, .useThread: publishQuiet(c, line, into: &reply)
            default: publishWorld(c, headline: .message(line), outcome, into: &reply)
            }
            return
        }
        let result = outcome.result ?? .blocked
        history.append(c.text, result: result, after: world)
        let callLine = CallLine(call: call, result: result, thread: issuer, showsThread: thread != nil,
                                hostError: outcome.hostError)
        explained = Explained(call: .init(line: callLine, notes: outcome.notes, historyIndex: history.count - 1,
                                          events: outcome.timedEvents))
        if observes {
            observe(result: result.description, outcome)
        }
        publishWorld(c, headline: .call(callLine), outcome, into: &reply)
        if let expected, !matches(actual: .result(result), .equal, expected.value, path: .last) {
            failedExpectations += 1
            reply.items.append(.failedExpectation(origin(of: c), "expected \(call.apiForm) => \(expected.value), got \(result.lastValue)"))
        }
    }

    // MARK: Settings

    mutating func runSet(_ setting: SessionSetting, _ c: LocatedCommand, into reply: inout Reply) {
        switch setting {
        case .model:
            runWorldCommand(c, into: &reply)
        case .rows(let n):
            rows = n
            publishQuiet(c, "rows \(n): larger tables show only the rows that changed", into: &reply)
        case .diff(let on):
            marksChanges = on
            forgetPrintedRows()
            publishQuiet(c, "diff \(on ? "on: changed cells are marked" : "off")", into: &reply)
        case .tables(let mode):
            tablesMode = mode
            publishQuiet(c, mode == .always ? "tables always: the tables after every command"
                         : "tables changed: the tables only when a row changed, else one line", into: &reply)
        case .backend(let choice):
            switch choice {
            case .model:
                useBackend(nil)
                publishQuiet(c, "backend model: a fresh session on the model", into: &reply)
            case .linux:
                switch environment.makeBackend(choice.rawValue) {
                case .failure(let reason): refuse("set backend linux: \(reason.text)", c, into: &reply)
                case .success(let live):
                    useBackend(live)
                    publishQuiet(c, "backend linux: a fresh session; the calls run on the kernel's loopback interface", into: &reply)
                }
            }
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

    // MARK: source

    mutating func source(_ file: String, _ c: LocatedCommand, into reply: inout Reply) {
        guard sourceDepth < 16 else {
            refuse("source: nested too deeply (at most 16 files inside each other)", c, into: &reply)
            return
        }
        switch environment.openScript(file) {
        case .failure(let reason):
            refuse("source: cannot read \(quotedPath(file)): \(reason.text)", c, into: &reply)
        case .success(let lines):
            sourceDepth += 1
            defer { sourceDepth -= 1 }
            // `quit` in the file ends that file only.
            runScript(lines, file: file) { reply.items.append(contentsOf: $0.items); return true }
        }
    }
}

extension Session {
    /// Where a refusal points: at the word of the command that names the object it is about
    /// (`use P9` → `P9`: "there is no process P9"), else at the command.
    static func column(naming refusal: Refusal, in c: LocatedCommand) -> Int {
        let named = Set(refusal.message.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).filter(isObjectName))
        var offset = 0
        for (i, word) in c.text.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if i > 0, isObjectName(word), named.contains(word) { return c.location.column + offset }
            offset += word.count + 1
        }
        return c.location.column
    }

    /// `P2`, `T3`, `h12`, `s1`, `op4`, `pi1`: a session object's name.
    private static func isObjectName(_ word: Substring) -> Bool {
        let digits = word.drop(while: \.isLetter)
        let prefix = word.prefix(word.count - digits.count)
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            && ["P", "T", "h", "s", "op", "pi"].contains(prefix)
    }
}
