import LabRendering
import LabScript
import WinsockModel

/// `compare` and `closelab --compare FILE` (RULES.md section J): one script under every profile,
/// printed command by command only where results, events or table cells differ.
extension Session {
    /// One line of a script to compare: its text and where it came from.
    public struct ScriptLine: Sendable {
        public var text: String
        public var file: String
        public var line: Int
        public init(text: String, file: String, line: Int) { self.text = text; self.file = file; self.line = line }
    }

    /// Runs `lines` under every profile and reports where they differ. `set profile` commands are
    /// skipped: each run keeps its profile. Returns the report and how many lines were invalid.
    public static func compare(_ lines: [ScriptLine], settings: Settings = Settings(), style: Style) -> (report: String, invalidLines: Int) {
        let profiles = Profile.allCases
        var sessions: [Session] = profiles.map { p in
            var s = settings
            s.profile = p
            var session = Session(format: .off, settings: s)
            session.observes = true
            return session
        }
        var report = "compare: \(profiles.map(\.description).joined(separator: ", ")) — only where they differ\n"
        var differences = 0
        var invalid = 0
        var previous: [String: [String]] = [:] // each cell's values across profiles after the last command
        for line in lines {
            for piece in splitLine(line.text) {
                if case .success(.set(.model(.profile))) = parseCommand(piece) { continue }
                var seen: [(Observation?, [String: String])] = []
                for i in sessions.indices {
                    let before = sessions[i].invalidLines
                    _ = sessions[i].run(line: piece.text, file: line.file, line: line.line)
                    if i == 0 && sessions[i].invalidLines > before { invalid += 1 }
                    seen.append((sessions[i].observations.last, sessions[i].cells()))
                }
                let block = differenceReport(seen, profiles: profiles, previous: &previous, style: style)
                guard !block.isEmpty else { continue }
                differences += 1
                report += "\n\(line.file):\(line.line)  \(piece.text)\n" + block
            }
        }
        report += differences == 0 ? "\nno differences: every profile gives the same results, events and tables\n"
            : "\n\(differences) command\(differences == 1 ? "" : "s") differ\(differences == 1 ? "s" : "")\n"
        return (report, invalid)
    }

    /// What differs for one command: a table of the result and the table cells side by side (one
    /// column per profile), then the events, one line per profile. A cell whose difference merely
    /// persists from an earlier command is not repeated.
    static func differenceReport(_ seen: [(Observation?, [String: String])], profiles: [Profile],
                                 previous: inout [String: [String]], style: Style) -> String {
        var rows: [[Table.Cell]] = []
        let results = seen.map { $0.0?.result ?? "-" }
        if Set(results).count > 1 { rows.append([Table.Cell("result")] + results.map { Table.Cell($0) }) }
        let keys = Set(seen.flatMap { $0.1.keys }).sorted { cellOrder($0) < cellOrder($1) }
        for key in keys {
            let values = seen.map { $0.1[key] ?? "-" }
            defer { previous[key] = values }
            guard Set(values).count > 1, previous[key] != values else { continue }
            rows.append([Table.Cell(key)] + values.map { Table.Cell($0) })
        }
        var text = ""
        if !rows.isEmpty {
            let table = Table(columns: [Table.Column("")] + profiles.map { Table.Column($0.description) }, rows: rows)
            text += table.render(style)
        }
        let events = seen.map { $0.0.map { $0.events.isEmpty ? "none" : $0.events.joined(separator: ", ") } ?? "none" }
        if Set(events).count > 1 {
            text += "events:\n"
            for (i, p) in profiles.enumerated() {
                let earlier = (0..<i).first { events[$0] == events[i] }
                let shown = earlier.map { "the same as \(profiles[$0])" } ?? events[i]
                text += "  " + p.description.padding(8) + shown + "\n"
            }
        }
        return text
    }

    /// Sorts `h2 REFCNT` before `h10 REFCNT` and handles before sockets.
    static func cellOrder(_ key: String) -> (Int, Int, String) {
        let name = key.split(separator: " ").first.map(String.init) ?? key
        let kind = name.hasPrefix("h") ? 0 : 1
        return (kind, Int(name.dropFirst()) ?? 0, key)
    }

    /// Every handle and socket cell, keyed `h1 REFCNT`, `s1 STATE`.
    func cells() -> [String: String] { cells(of: world) }

    func cells(of w: World) -> [String: String] {
        var view = self
        view.world = w
        var out: [String: String] = [:]
        for h in w.handles {
            for (column, value) in zip(Session.handleColumns.dropFirst(), view.handleCells(h).dropFirst()) {
                out["\(h.id) \(column.name)"] = value
            }
        }
        for s in w.sockets {
            for (column, value) in zip(Session.socketColumns.dropFirst(), view.socketCells(s).dropFirst()) {
                out["\(s.id) \(column.name)"] = value
            }
        }
        return out
    }

    /// `compare` at the prompt: the session so far (its history) under every profile.
    func compareSession() -> String {
        var lines = Session.settingLines(initialSettings).map { ScriptLine(text: $0, file: "<session>", line: 0) }
        for (i, entry) in history.enumerated() {
            if let text = entry.command.scriptText { lines.append(ScriptLine(text: text, file: "<session>", line: i + 1)) }
        }
        return Session.compare(lines, settings: Settings(), style: style).report
    }

    /// `explain`'s last part: the profile in force, and what the others would have done had the
    /// whole session run under them (its `set profile` commands left out), as `compare` does.
    func profileComparison(_ call: Explained.Call) -> String {
        let before = replayedWorld(history[..<call.historyIndex])
        let current = before.settings.profile
        var actual = before
        _ = try? actual.perform(call.call, by: call.thread)
        let actualCells = cells(of: actual)
        var text = "Profile: \(current)"
        var same: [String] = []
        var different: [String] = []
        for p in Profile.allCases where p != current {
            var w = replayedWorld(history[..<call.historyIndex], profile: p)
            w.tracksChanges = false
            guard let outcome = try? w.perform(call.call, by: call.thread) else { continue }
            let result = outcome.result ?? .blocked
            let events = outcome.timedEvents.map(\.event)
            let otherCells = cells(of: w)
            let cellDifferences = otherCells.keys.sorted { Session.cellOrder($0) < Session.cellOrder($1) }
                .filter { otherCells[$0] != actualCells[$0] }
                .map { "\($0) \(otherCells[$0]!) (here \(actualCells[$0] ?? "-"))" }
            if result == call.result && events == call.events.map(\.event) && cellDifferences.isEmpty {
                same.append(p.description)
            } else {
                let line = Session.callLine(call.call, result: result, thread: call.thread, showsThread: call.showsThread)
                var what = events.isEmpty ? "no events" : events.map(\.description).joined(separator: ", ")
                if !cellDifferences.isEmpty { what += "; " + cellDifferences.joined(separator: ", ") }
                different.append("  under \(p): \(line); \(what)")
            }
        }
        if !same.isEmpty { text += "; \(same.joined(separator: " and ")) would do the same" }
        text += different.isEmpty ? ".\n" : ". Where the profiles differ (RULES.md section J):\n" + different.joined(separator: "\n") + "\n"
        return text
    }
}
