import LabRendering
import LabScript
import WinsockModel

/// `compare` and `closelab --compare FILE` (docs/rules.md section J): one script under every profile,
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
    /// Stops before the next line once `isInterrupted` says so (the report is then unfinished).
    public static func compare(_ lines: [ScriptLine], settings: Settings = Settings(), style: Style,
                               isInterrupted: () -> Bool = { false }) -> (report: String, invalidLines: Int) {
        var comparison = ProfileComparison(settings: settings, style: style)
        var report = comparison.heading
        for line in lines {
            if isInterrupted() { break }
            report += comparison.feed(line)
        }
        report += comparison.summary
        return (report, comparison.invalidLines)
    }

    /// One script run under every profile at once, line by line, so a long script streams: each
    /// line's part of the report is ready as soon as the line has run.
    public struct ProfileComparison: Sendable {
        let profiles = Profile.allCases
        var sessions: [Session]
        let style: Style
        /// Each cell's values across profiles after the last command (a difference is shown when
        /// a command makes it, not again while it persists).
        var previous: [CellKey: [String]] = [:]
        public private(set) var differences = 0
        public private(set) var invalidLines = 0

        public init(settings: Settings = Settings(), style: Style) {
            self.style = style
            sessions = Profile.allCases.map { p in
                var s = settings
                s.profile = p
                var session = Session(format: .off, settings: s)
                session.observes = true
                session.world.tracksChanges = true   // the rows each command changed: compare reads only those
                return session
            }
        }

        public var heading: String {
            Session.wrapped("compare: \(profiles.map(\.description).joined(separator: ", ")) — only where they differ",
                            style: style)
                + Session.wrapped("(linux makes no WPU up-calls, R6 and R40: up-call events alone never count as a "
                                  + "difference)", style: style)
        }

        /// Runs one line under every profile; returns its part of the report (empty when all agree).
        public mutating func feed(_ line: ScriptLine) -> String {
            var report = ""
            for piece in splitLine(line.text) {
                if case .success(.set(.model(.profile))) = parseCommand(piece) { continue }
                var observed: [Observation?] = []
                for i in sessions.indices {
                    let before = sessions[i].invalidLines
                    _ = sessions[i].run(line: piece.text, file: line.file, line: line.line)
                    if i == 0 && sessions[i].invalidLines > before { invalidLines += 1 }
                    observed.append(sessions[i].observations.last)
                }
                // Only the rows some profile changed can differ anew: the cost follows what changed,
                // not the session's size.
                let handles = Set(observed.flatMap { $0?.handles ?? [] })
                let sockets = Set(observed.flatMap { $0?.sockets ?? [] })
                let seen = observed.indices.map { i in
                    (observed[i], Session.cells(of: sessions[i].world, handles: handles, sockets: sockets))
                }
                let block = Session.differenceReport(seen, profiles: profiles, previous: &previous, style: style)
                guard !block.isEmpty else { continue }
                differences += 1
                report += "\n\(line.file):\(line.line)  \(piece.text)\n" + block
            }
            return report
        }

        public var summary: String {
            "\n" + (differences == 0
                ? Session.wrapped("no differences: every profile gives the same results, events and tables", style: style)
                : "\(differences) command\(differences == 1 ? "" : "s") differ\(differences == 1 ? "s" : "")\n")
        }
    }

    /// What differs for one command: a table of the result and the table cells side by side (one
    /// column per profile), then the events, one line per profile. A cell whose difference merely
    /// persists from an earlier command is not repeated.
    static func differenceReport(_ seen: [(Observation?, [CellKey: String])], profiles: [Profile],
                                 previous: inout [CellKey: [String]], style: Style) -> String {
        var rows: [[Table.Cell]] = []
        let results = seen.map { $0.0?.result ?? "-" }
        if Set(results).count > 1 { rows.append([Table.Cell("result")] + results.map { Table.Cell($0) }) }
        let keys = Set(seen.flatMap { $0.1.keys }).sorted()
        for key in keys {
            let values = seen.map { $0.1[key] ?? "-" }
            defer { previous[key] = values }
            guard Set(values).count > 1, previous[key] != values else { continue }
            rows.append([Table.Cell(key.description)] + values.map { Table.Cell($0) })
        }
        var text = ""
        if !rows.isEmpty {
            let table = Table(columns: [Table.Column("")] + profiles.map { Table.Column($0.description) }, rows: rows)
            text += table.render(style)
        }
        let events = seen.map { $0.0.map { $0.events.isEmpty ? "none" : $0.events.joined(separator: ", ") } ?? "none" }
        // J/linux makes no up-calls: they are shown, but differ only where something else does.
        let compared = seen.map { $0.0.map { Session.withoutUpCalls($0.events) } ?? [] }
        if Set(compared).count > 1 {
            text += "events:\n"
            for (i, p) in profiles.enumerated() {
                let earlier = (0..<i).first { events[$0] == events[i] }
                let shown = earlier.map { "the same as \(profiles[$0])" } ?? events[i]
                text += wrapped(shown, style: style, first: "  " + p.description.padding(8), keepingEvents: true)
            }
        }
        return text
    }

    /// `text` wrapped at the style's width, each line but the first indented under `first`'s text;
    /// `keepingEvents` keeps each comma-separated event on one line.
    static func wrapped(_ text: String, style: Style, first: String = "", keepingEvents: Bool = false) -> String {
        let nonBreaking: Character = "\u{00A0}"
        let words = !keepingEvents ? text : text.split(separator: ",")
            .map { String($0.drop { $0 == " " }.map { $0 == " " ? nonBreaking : $0 }) }
            .joined(separator: ", ")
        let lines = Prose.wrap(words, width: style.width, first: first, rest: String(repeating: " ", count: first.count))
        return lines.map { String($0.map { $0 == nonBreaking ? " " : $0 }) }.joined(separator: "\n") + "\n"
    }

    /// Events without the WPU up-calls (R6, R40), which `linux` never makes: `compare` and `explain`
    /// compare what is left.
    static func withoutUpCalls(_ events: [String]) -> [String] {
        events.filter { !$0.hasPrefix("WPU") }
    }

    /// One cell of the handle or sockets table: its row and column, typed. Sorted handles first,
    /// then sockets, by number, then by column name (the report's established order).
    enum CellKey: Hashable, Comparable, CustomStringConvertible {
        case handle(HandleID, HandleColumn)
        case socket(SocketID, SocketColumn)

        private var order: (Int, Int, String) {
            switch self {
            case .handle(let h, let c): (0, h.rawValue, c.rawValue)
            case .socket(let s, let c): (1, s.rawValue, c.rawValue)
            }
        }
        static func < (a: CellKey, b: CellKey) -> Bool { a.order < b.order }

        /// `h1 REFCNT`, `s2 STATE`.
        var description: String {
            switch self {
            case .handle(let h, let c): "\(h) \(c.rawValue)"
            case .socket(let s, let c): "\(s) \(c.rawValue)"
            }
        }
    }

    /// Every handle and socket cell of these rows but the row's own name, by (row, column).
    static func cells<S: SessionState>(of state: S, handles: some Sequence<HandleID>,
                                       sockets: some Sequence<SocketID>) -> [CellKey: String] {
        var out: [CellKey: String] = [:]
        for h in handles {
            guard let row = state.handleRow(h) else { continue }
            for c in HandleColumn.allCases.dropFirst() { out[.handle(row.id, c)] = c.value(row) }
        }
        for s in sockets {
            guard let row = state.socketRow(s) else { continue }
            for c in SocketColumn.allCases.dropFirst() { out[.socket(row.id, c)] = c.value(row) }
        }
        return out
    }

    /// `compare` at the prompt: the session so far (its history) under every profile.
    func compareSession() -> String {
        var lines = Session.settingLines(initialSettings).map { ScriptLine(text: $0, file: "<session>", line: 0) }
        for i in history.indices {
            lines.append(ScriptLine(text: history[i].command.scriptText, file: "<session>", line: i + 1))
        }
        return Session.compare(lines, settings: Settings(), style: style, isInterrupted: environment.isInterrupted).report
    }

    /// `explain`'s last part: the profile in force, and what the others would have done with this
    /// call from the same prior state (the world it ran in, its profile switched): a replay from
    /// the nearest checkpoint and one call per profile, whatever the session's length. Only the
    /// rows the call touched under either profile can differ, so only their cells are compared.
    func profileComparison(_ call: Explained.Call) -> Prose {
        let before = replayedWorld(upTo: call.historyIndex)
        let current = before.settings.profile
        var actual = before
        actual.tracksChanges = true
        let actualOutcome = try? actual.perform(call.line.call, by: call.line.thread)
        var text = "Profile: \(current)"
        var same: [String] = []
        var different: [(String, String)] = []
        for p in Profile.allCases where p != current {
            var w = before
            w.tracksChanges = true
            _ = try? w.apply(.profile(p))
            guard let outcome = try? w.perform(call.line.call, by: call.line.thread) else { continue }
            let result = outcome.result ?? .blocked
            let events = outcome.timedEvents.map(\.event)
            let touched = [outcome, actualOutcome].compactMap { $0 }
            let handles = Set(touched.flatMap { actual.changedHandles(in: $0) + w.changedHandles(in: $0) }).sorted()
            let sockets = Set(touched.flatMap(\.changedSockets)).sorted()
            let actualCells = Session.cells(of: actual, handles: handles, sockets: sockets)
            let otherCells = Session.cells(of: w, handles: handles, sockets: sockets)
            let cellDifferences = otherCells.keys.sorted()
                .filter { otherCells[$0] != actualCells[$0] }
                .map { "\($0) \(otherCells[$0]!) (here \(actualCells[$0] ?? "-"))" }
            let sameEvents = Session.withoutUpCalls(events.map(\.description))
                == Session.withoutUpCalls(call.events.map(\.event.description))
            if result == call.line.result && sameEvents && cellDifferences.isEmpty {
                same.append(p.description)
            } else {
                var line = call.line
                line.result = result
                line.hostError = outcome.hostError
                var what = events.isEmpty ? "no events" : events.map(\.description).joined(separator: ", ")
                if !cellDifferences.isEmpty { what += "; " + cellDifferences.joined(separator: ", ") }
                different.append(("  under \(p): ", "\(line.text); \(what)"))
            }
        }
        if !same.isEmpty {
            let names = same.count < 3 ? same.joined(separator: " and ")
                : same.dropLast().joined(separator: ", ") + " and " + same[same.count - 1]
            text += "; \(names) would do the same"
        }
        var prose = Prose()
        prose.paragraph(text + (different.isEmpty ? "." : ". Where the profiles differ (section J of the rules):"))
        for (lead, what) in different { prose.item(lead, what) }
        return prose
    }
}
