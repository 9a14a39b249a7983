import LabRendering
import LabScript
import WinsockModel

/// undo, snapshot/restore, whatif and record. The model is deterministic, so the history of
/// commands that changed the world is enough to rebuild any earlier state exactly.
extension Session {
    /// The world the history's first `count` commands make from the session's starting settings,
    /// or, given a profile, under that profile throughout (its `set profile` commands left out).
    func replayedWorld(_ entries: ArraySlice<HistoryEntry>, profile: Profile? = nil) -> World {
        var settings = initialSettings
        if let profile { settings.profile = profile }
        var w = World(settings: settings)
        w.tracksChanges = false
        for entry in entries {
            if profile != nil, case .set(.model(.profile)) = entry.command { continue }
            // Recorded commands succeeded once; replayed on the same state they succeed again.
            _ = try? Session.apply(entry.command, to: &w)
        }
        w.tracksChanges = format != .off
        return w
    }

    mutating func undo(_ c: LocatedCommand, into reply: inout Reply) {
        guard let last = history.last else {
            finishQuietCommand(c, header: "nothing to undo: no command has changed the session yet", into: &reply)
            return
        }
        history.removeLast()
        world = replayedWorld(history[...])
        lastEvents = []
        explained = Explained()
        printedRows.removeAll()
        showState(c, header: "undone: \(last.command.scriptText ?? c.text) (t=\(world.now.milliseconds)ms)", into: &reply)
    }

    mutating func restore(_ name: String, _ c: LocatedCommand, into reply: inout Reply) {
        guard let snapshot = snapshots[name] else {
            let known = snapshots.keys.sorted().map { quoted($0) }.joined(separator: ", ")
            refuse("restore: no snapshot named \(quoted(name))\(known.isEmpty ? "" : " (there are: \(known))")", c, into: &reply)
            return
        }
        world = snapshot.world
        world.tracksChanges = format != .off
        history = snapshot.history
        lastEvents = []
        explained = Explained()
        printedRows.removeAll()
        showState(c, header: "restored \(quoted(name)): t=\(world.now.milliseconds)ms, profile \(world.settings.profile)", into: &reply)
    }

    /// After a jump in time: a line, then every table as `show all` would print it.
    mutating func showState(_ c: LocatedCommand, header: String, into reply: inout Reply) {
        switch format {
        case .off: return
        case .json:
            var pairs = baseJSON(c, call: nil, result: nil, events: [])
            pairs.append(("message", .string(header)))
            pairs += fullStateJSON()
            reply.out += JSON.object(pairs).text + "\n"
        case .box, .plain:
            reply.out += header + "\n"
            show(.handles, c, into: &reply)
        }
    }

    /// `whatif <command>`: run it on a copy of the session and print what it did there.
    mutating func whatif(_ inner: Command, _ c: LocatedCommand, into reply: inout Reply) {
        var copy = self
        copy.echoes = false
        copy.lessonInProgress = nil
        var shown = Reply()
        copy.execute(LocatedCommand(command: inner, location: c.location, text: inner.scriptText ?? c.text), into: &shown)
        invalidLines = copy.invalidLines // a refused whatif is an invalid line here too
        failedExpectations = copy.failedExpectations
        reply.err += shown.err
        switch format {
        case .off: return
        case .json: reply.out += shown.out
        case .box, .plain:
            reply.out += "whatif — this is what it would do; nothing below happens to the session:\n"
            reply.out += shown.out
        }
    }

    /// The history as a runnable script: each provider call with its observed result inline.
    func recordedScript() -> String {
        var lines = ["# Recorded by closelab at t=\(world.now.milliseconds)ms: run it with `closelab FILE`.",
                     "# Each provider call carries the result it had (`=>`), so the script checks itself."]
        lines += Session.settingLines(initialSettings)
        for entry in history {
            guard let text = entry.command.scriptText else { continue }
            lines.append(entry.result.map { "\(text) => \($0.lastValue)" } ?? text)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `set` lines that turn default settings into `settings`.
    static func settingLines(_ settings: Settings) -> [String] {
        let d = Settings()
        var out: [World.Setting] = []
        if settings.provider != d.provider { out.append(.provider(settings.provider)) }
        if settings.netRate != d.netRate { out.append(.netRate(settings.netRate)) }
        if settings.netLatency != d.netLatency { out.append(.netLatency(settings.netLatency)) }
        if settings.isNetworkUp != d.isNetworkUp { out.append(.network(up: settings.isNetworkUp)) }
        if settings.sendBuffer != d.sendBuffer { out.append(.sendBuffer(settings.sendBuffer)) }
        if settings.window != d.window { out.append(.window(settings.window)) }
        if settings.gracefulTimeout != d.gracefulTimeout { out.append(.gracefulTimeout(settings.gracefulTimeout)) }
        if settings.timeWait != d.timeWait { out.append(.timeWait(settings.timeWait)) }
        if settings.reusesHandles != d.reusesHandles { out.append(.reuse(settings.reusesHandles)) }
        if settings.profile != d.profile { out.append(.profile(settings.profile)) }
        return out.map { "set " + $0.scriptText }
    }

    mutating func record(to file: String, _ c: LocatedCommand, into reply: inout Reply) {
        switch environment.writeFile(file, Array(recordedScript().utf8)) {
        case .failure(let reason):
            refuse("record: cannot write \(quoted(file)): \(reason.text)", c, into: &reply)
        case .success:
            finishQuietCommand(c, header: "recorded \(history.count) command\(history.count == 1 ? "" : "s") to \(file)", into: &reply)
        }
    }
}
