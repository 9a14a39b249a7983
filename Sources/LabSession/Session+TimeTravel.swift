import LabRendering
import LabScript
import WinsockModel

/// undo, snapshot/restore, whatif and record. The model is deterministic, so the history of
/// commands that changed the world is enough to rebuild any earlier state exactly.
extension Session {
    /// The world after the history's first `count` commands: the nearest checkpoint at or before
    /// them, then a replay of the commands after it (at most about `max(k, spacing)` of them for
    /// a state k commands back).
    func replayedWorld(upTo count: Int) -> World {
        let start = history.checkpoint(atOrBefore: count)
        var w = start?.world ?? World(settings: initialSettings)
        w.tracksChanges = false
        for i in (start?.index ?? 0)..<count {
            if environment.isInterrupted() { break }   // unfinished: the caller throws it away
            // Recorded commands succeeded once; replayed on the same state they succeed again.
            _ = try? Session.apply(history[i].command, to: &w)
        }
        w.tracksChanges = format != .off
        return w
    }

    mutating func undo(_ c: LocatedCommand, into reply: inout Reply) {
        guard let last = history.last else {
            publishQuiet(c, "nothing to undo: no command has changed the session yet", into: &reply)
            return
        }
        history.removeLast()
        let before = world
        world = replayedWorld(upTo: history.count)
        forgetTransientState()
        publishJump(c, from: before, message: "undone: \(last.command.scriptText) (t=\(world.now.milliseconds)ms)", into: &reply)
    }

    mutating func restore(_ name: String, _ c: LocatedCommand, into reply: inout Reply) {
        guard let snapshot = snapshots[name] else {
            let known = snapshots.keys.sorted().map { quoted($0) }.joined(separator: ", ")
            refuse("restore: no snapshot named \(quoted(name))\(known.isEmpty ? "" : " (there are: \(known))")", c, into: &reply)
            return
        }
        let before = world
        world = snapshot.world
        world.tracksChanges = format != .off
        history = snapshot.history
        forgetTransientState()
        publishJump(c, from: before, message: "restored \(quoted(name)): t=\(world.now.milliseconds)ms, profile \(world.settings.profile)", into: &reply)
    }

    /// The line and tables after a jump in time (`undo`, `restore`): as after any command, the
    /// rows that differ from before the jump stand for the rows that changed, so a long session
    /// prints only those (over `set rows`) instead of every row; `show` lists them all. Rows the
    /// jump took away are gone, so not shown.
    mutating func publishJump(_ c: LocatedCommand, from before: World, message: String, into reply: inout Reply) {
        guard format != .off else { return }
        let handles = (0..<world.handles.count).map { HandleID(rawValue: $0 + 1) }
            .filter { before.handle($0) != world.handle($0) }
        let sockets = (0..<world.sockets.count).map { SocketID(rawValue: $0 + 1) }
            .filter { before.socket($0) != world.socket($0) }
        let operations = (0..<world.operations.count).map { OperationID(rawValue: $0 + 1) }
            .filter { before.operation($0) != world.operation($0) }
        let jump = Outcome(result: nil, timedEvents: [], changedHandles: handles, changedSockets: sockets,
                           changedOperations: operations)
        publishWorld(c, headline: .message(message), jump, into: &reply)
    }

    /// `whatif <command>`: run it on a copy of the session and print what it did there.
    mutating func whatif(_ inner: Command, _ c: LocatedCommand, into reply: inout Reply) {
        var copy = self
        copy.echoes = false
        copy.lessonInProgress = nil
        var shown = Reply()
        copy.execute(LocatedCommand(command: inner, location: c.location, text: inner.scriptText), into: &shown)
        invalidLines = copy.invalidLines // a refused whatif is an invalid line here too
        failedExpectations = copy.failedExpectations
        // Each report of the inner command says it is a whatif, with the line as typed.
        for item in shown.items {
            guard case .command(var report, let presentation) = item else { reply.items.append(item); continue }
            report.isWhatif = true
            report.input = c.text
            reply.items.append(.command(report, presentation))
        }
    }

    /// The history as a runnable script: each provider call with its observed result inline.
    func recordedScript() -> String {
        var lines = ["# Recorded by closelab at t=\(world.now.milliseconds)ms: run it with `closelab FILE`.",
                     "# Each provider call carries the result it had (`=>`), so the script checks itself."]
        lines += Session.settingLines(initialSettings)
        for i in history.indices {
            let entry = history[i]
            let text = entry.command.scriptText
            lines.append(entry.result.map { "\(text) => \($0)" } ?? text)
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
        // Once set, even to the default: J/linux reads back a set value unlike an unset one.
        if let chosen = settings.chosenSendBuffer { out.append(.sendBuffer(chosen)) }
        if settings.window != d.window { out.append(.window(settings.window)) }
        if settings.gracefulTimeout != d.gracefulTimeout { out.append(.gracefulTimeout(settings.gracefulTimeout)) }
        if let chosen = settings.chosenTimeWait, chosen != settings.profile.timeWait { out.append(.timeWait(chosen)) }
        if settings.reusesHandles != d.reusesHandles { out.append(.reuse(settings.reusesHandles)) }
        if settings.profile != d.profile { out.append(.profile(settings.profile)) }
        return out.map { "set " + $0.scriptText }
    }

    mutating func record(to file: String, _ c: LocatedCommand, into reply: inout Reply) {
        switch environment.writeFile(file, Array(recordedScript().utf8)) {
        case .failure(let reason):
            refuse("record: cannot write \(quotedPath(file)): \(reason.text)", c, into: &reply)
        case .success:
            publishQuiet(c, "recorded \(history.count) command\(history.count == 1 ? "" : "s") to \(quotedPath(file))", into: &reply)
        }
    }
}
