/// What `closelab --crosscheck FILE` reports, as data: one entry per command of the script (and
/// one for its end), each with what the model and the kernel did, and whether they agree. Built by
/// LabSession's `CrossCheck`; drawn here as text (readable at 80 columns) or as one JSON object
/// per entry.
///
/// What is compared, and what is only shown, is decided by `CrossCheck`; an entry carries the
/// verdict, so the renderers only mark it.

/// One command of a crosschecked script, or the end of the script (`input` nil).
public struct CrossCheckEntry: Sendable {
    public var origin: Origin
    /// The command as written (trimmed); nil for the end of the script.
    public var input: String?
    public var model: CrossCheckSide
    public var kernel: CrossCheckSide
    public var comparison: Comparison
    /// The compared outcome after an `advance` and at the end of the script: each connected
    /// socket's peer fin / reset / error, each thread's state and last result.
    public var outcome: [ComparedValue]

    public init(origin: Origin, input: String?, model: CrossCheckSide, kernel: CrossCheckSide,
                comparison: Comparison, outcome: [ComparedValue] = []) {
        self.origin = origin; self.input = input; self.model = model; self.kernel = kernel
        self.comparison = comparison; self.outcome = outcome
    }

    /// Whether and how the two sides were compared.
    public enum Comparison: Hashable, Sendable {
        /// Results, verdicts and the outcome were compared; `agrees` says how it went.
        case compared(agrees: Bool)
        /// Both ran, and nothing of what they print is compared (a `set`, a `peer` action).
        case shown
        /// One side has no counterpart: nothing to compare.
        case notApplicable
        /// Not run on either side, and why (`show` only prints; `format` belongs to crosscheck).
        case notRun(String)
        /// The parser, or both sides, refused it: the script is at fault.
        case invalid

        public var differs: Bool { self == .compared(agrees: false) }
    }

    /// For an invalid line, its message (`file:line:column: message` on standard error).
    public var invalidMessage: String? {
        guard comparison == .invalid else { return nil }
        return model.refusal ?? kernel.refusal ?? "invalid line"
    }
}

/// What one side (the model or the kernel) did with a command.
public struct CrossCheckSide: Sendable {
    public var status: Status
    /// A provider call's result as `last` reads it (`0`, `h1`, `WSAEWOULDBLOCK`, `blocked`).
    public var result: String?
    /// The host stack's errno beside a failed call's Winsock name (`EPIPE`).
    public var hostError: String?
    /// A session command's one-line account (`t=0ms → t=100ms`, `peer of s1: read 10 bytes`).
    public var message: String?
    /// The events, shown and not compared.
    public var events: [String]
    /// The verdict of an `expect` line or of an inline result.
    public var verdict: Verdict?

    public init(status: Status, result: String? = nil, hostError: String? = nil, message: String? = nil,
                events: [String] = [], verdict: Verdict? = nil) {
        self.status = status; self.result = result; self.hostError = hostError; self.message = message
        self.events = events; self.verdict = verdict
    }

    public enum Status: Hashable, Sendable {
        case ran
        /// The side has no counterpart for the command and said so in one line.
        case notApplicable(String)
        /// The side refused the command as an invalid line (the other side ran it).
        case refused(String)
        case notRun
    }

    public enum Verdict: Hashable, Sendable {
        case passed
        case failed(String)
        /// The path cannot be observed here: neither passed nor failed.
        case unobservable
    }

    public static let notRun = CrossCheckSide(status: .notRun)
}

/// One compared value of an outcome, named by its expectation path (`s1.peer.fin`, `T1.state`).
public struct ComparedValue: Hashable, Sendable {
    public var path: String
    public var model: String
    public var kernel: String
    public var agrees: Bool
    public init(path: String, model: String, kernel: String, agrees: Bool) {
        self.path = path; self.model = model; self.kernel = kernel; self.agrees = agrees
    }
}

/// The counts a crosscheck ends with.
public struct CrossCheckSummary: Hashable, Sendable {
    public var profile: String
    public var backend: String
    /// Commands read (not counting the end of the script).
    public var commands = 0
    /// Entries compared (the end of the script included) and where they differ (line 0: the end).
    public var compared = 0
    public var differing: [Origin] = []
    /// Commands one side had no counterpart for.
    public var notApplicable: [Origin] = []
    public var invalidLines = 0

    public init(profile: String, backend: String) { self.profile = profile; self.backend = backend }

    public var agrees: Bool { differing.isEmpty }
}

/// Draws a crosscheck: the text report, wrapped at a width, or JSON records.
public struct CrossCheckRenderer: Sendable {
    public enum Format: Sendable { case text(width: Int), json, summaryOnly }
    public var format: Format

    public init(format: Format) { self.format = format }

    /// The first lines of the report (text only).
    public func heading(file: String, profile: String, backend: String, kernel: String?) -> String {
        guard case .text(let width) = format else { return "" }
        let engine = kernel.map { "the \(backend) kernel \($0)" } ?? "the \(backend) backend"
        return wrap("crosscheck \(file): the model under profile \(profile) against \(engine), "
                    + "command by command (≠ marks a difference)", width: width, indent: 2) + "\n\n"
    }

    public func render(_ entry: CrossCheckEntry) -> String {
        switch format {
        case .text(let width): text(entry, width: width)
        case .json: CrossCheckRenderer.json(entry).text + "\n"
        case .summaryOnly: ""
        }
    }

    public func render(_ summary: CrossCheckSummary) -> String {
        switch format {
        case .json: return CrossCheckRenderer.json(summary).text + "\n"
        case .text(let width): return text(summary, width: width)
        case .summaryOnly: return text(summary, width: 80)
        }
    }

    // MARK: Text

    /// `file:line  command`, then one line per side (result, then its events), then the outcome.
    func text(_ e: CrossCheckEntry, width: Int) -> String {
        /// `name:line  command`, wrapped, with what follows it on the line.
        func title(_ after: String = "") -> String {
            guard let input = e.input else { return "at the end of the script" }
            return wrap(input + after, prefix: CrossCheckRenderer.short(e.origin) + "  ", width: width, indent: 4)
        }
        switch e.comparison {
        case .notRun(let why):
            return title("  (\(why))") + "\n\n"
        case .invalid:
            return title("  (invalid line: \(e.invalidMessage ?? "invalid"))") + "\n\n"
        case .compared, .shown, .notApplicable:
            break
        }
        // An advance differs by its outcome: the marks go on the compared values, not its lines.
        let differs = e.comparison.differs && e.outcome.isEmpty
        var out = title() + "\n"
        if e.input != nil {
            out += side("model", e.model, differs: differs, width: width)
            out += side("kernel", e.kernel, differs: differs, width: width)
        }
        if !e.outcome.isEmpty { out += outcome(e.outcome, title: e.input == nil ? "outcome" : "after it") }
        return out + "\n"
    }

    /// `    model    0  RST s1, DISCARD s1 1000` (events wrapped under the result).
    func side(_ name: String, _ s: CrossCheckSide, differs: Bool, width: Int) -> String {
        let head = "  " + (differs ? "≠" : " ") + " " + name.padded(to: 8) + " "
        var words: String
        switch s.status {
        case .notRun: words = "not run"
        case .notApplicable(let why): words = "n/a: " + why
        case .refused(let why): words = "refused: " + why
        case .ran: words = s.summaryText
        }
        var out = wrap(words, prefix: head, width: width, indent: head.count)
        if case .ran = s.status, !s.events.isEmpty {
            out += "\n" + wrap(list: s.events, prefix: String(repeating: " ", count: head.count) + "events: ",
                               width: width, indent: head.count + 8)
        }
        return out + "\n"
    }

    /// The compared values, one per line, model and kernel side by side.
    func outcome(_ values: [ComparedValue], title: String) -> String {
        let pathWidth = max(title.count, values.map(\.path.count).max() ?? 0) + 2
        let modelWidth = max(5, values.map(\.model.count).max() ?? 0) + 2
        var out = "    " + title.padded(to: pathWidth) + "model".padded(to: modelWidth) + "kernel\n"
        for v in values {
            out += "  " + (v.agrees ? " " : "≠") + " " + v.path.padded(to: pathWidth) + v.model.padded(to: modelWidth)
                + v.kernel + "\n"
        }
        return out
    }

    func text(_ s: CrossCheckSummary, width: Int) -> String {
        let verdict = s.agrees ? "agree at all \(s.compared)" : "differ at \(s.differing.count) of \(s.compared)"
        let line = "crosscheck: the model (\(s.profile)) and the \(s.backend) kernel \(verdict) points compared "
            + "(\(s.commands) command\(s.commands == 1 ? "" : "s") and the end of the script; "
            + "\(s.notApplicable.count) with no kernel counterpart; "
            + "\(s.invalidLines) invalid line\(s.invalidLines == 1 ? "" : "s"))"
        var out = wrap(line, width: width, indent: 2) + "\n"
        if !s.agrees {
            out += wrap(list: s.differing.map(CrossCheckRenderer.short), prefix: "  differ: ", width: width, indent: 4) + "\n"
        }
        if !s.notApplicable.isEmpty {
            out += wrap(list: s.notApplicable.map(CrossCheckRenderer.short), prefix: "  n/a: ", width: width, indent: 4) + "\n"
        }
        return out
    }

    /// `name:line` in the text report: every command comes from the one file the heading names
    /// in full, so its folders are left out (an 80-column line has no room for them); line 0 is
    /// the end of the script.
    public static func short(_ o: Origin) -> String {
        o.line == 0 ? "the end" : "\(o.file.split(separator: "/").last.map(String.init) ?? o.file):\(o.line)"
    }

    /// `file:line` in full (json), or `the end`.
    static func full(_ o: Origin) -> String { o.line == 0 ? "the end" : "\(o.file):\(o.line)" }

    // MARK: JSON

    /// `{"file", "line", "input", "compared", "agrees", "model", "kernel", "outcome"}`; the end of
    /// the script has `"input": null`.
    static func json(_ e: CrossCheckEntry) -> JSON {
        let (compared, agrees): (String, JSON) = switch e.comparison {
        case .compared(let a): ("compared", .bool(a))
        case .shown: ("shown", .bool(true))
        case .notApplicable: ("n/a", .bool(true))
        case .notRun: ("not run", .null)
        case .invalid: ("invalid", .null)
        }
        var pairs: [(String, JSON)] = [
            ("file", .string(e.origin.file)),
            ("line", .number(e.origin.line)),
            ("input", e.input.map { .string($0) } ?? .null),
            ("comparison", .string(compared)),
            ("agrees", agrees),
            ("model", json(e.model)),
            ("kernel", json(e.kernel)),
        ]
        if case .notRun(let why) = e.comparison { pairs.append(("why", .string(why))) }
        pairs.append(("outcome", .array(e.outcome.map { v in
            .object([("path", .string(v.path)), ("model", .string(v.model)), ("kernel", .string(v.kernel)),
                     ("agrees", .bool(v.agrees))])
        })))
        return .object(pairs)
    }

    static func json(_ s: CrossCheckSide) -> JSON {
        let status: String
        var pairs: [(String, JSON)] = []
        switch s.status {
        case .ran: status = "ran"
        case .notRun: status = "not run"
        case .notApplicable(let why):
            status = "n/a"
            pairs.append(("why", .string(why)))
        case .refused(let why):
            status = "refused"
            pairs.append(("why", .string(why)))
        }
        pairs.insert(("status", .string(status)), at: 0)
        pairs.append(("result", s.result.map { .string($0) } ?? .null))
        if let host = s.hostError { pairs.append(("host_error", .string(host))) }
        if let message = s.message { pairs.append(("message", .string(message))) }
        pairs.append(("events", .array(s.events.map { .string($0) })))
        if let verdict = s.verdict {
            let (passed, message): (JSON, JSON) = switch verdict {
            case .passed: (.bool(true), .null)
            case .failed(let m): (.bool(false), .string(m))
            case .unobservable: (.null, .string("not observable here (neither passed nor failed)"))
            }
            pairs.append(("expectation", .object([("passed", passed), ("message", message)])))
        }
        return .object(pairs)
    }

    static func json(_ s: CrossCheckSummary) -> JSON {
        .object([("summary", .object([
            ("profile", .string(s.profile)),
            ("backend", .string(s.backend)),
            ("commands", .number(s.commands)),
            ("compared", .number(s.compared)),
            ("differ", .array(s.differing.map { .string(full($0)) })),
            ("not_applicable", .array(s.notApplicable.map { .string(full($0)) })),
            ("invalid_lines", .number(s.invalidLines)),
            ("agrees", .bool(s.agrees)),
        ]))])
    }
}

extension CrossCheckSide {
    /// The one line a side prints: the result (with its errno), the account, or the verdict.
    var summaryText: String {
        var parts: [String] = []
        if let result { parts.append(hostError.map { "\(result) (\($0))" } ?? result) }
        if let message { parts.append(message) }
        switch verdict {
        case .passed?: parts.append(result == nil ? "passed" : "as expected")
        case .failed(let m)?: parts.append("failed: " + m)
        case .unobservable?: parts.append("not observable here (neither passed nor failed)")
        case nil: break
        }
        return parts.isEmpty ? "done" : parts.joined(separator: "; ")
    }

    /// Why this side refused the command, if it did.
    public var refusal: String? {
        switch status {
        case .refused(let why), .notApplicable(let why): why
        case .ran, .notRun: nil
        }
    }
}

extension String {
    func padded(to width: Int) -> String {
        let n = displayWidth(self)
        return n >= width ? self + " " : self + String(repeating: " ", count: width - n)
    }
}

/// `prefix` (kept whole), then the words of `body` wrapped at `width` on spaces; continuation
/// lines start with `indent` spaces. A word longer than a line is left whole.
func wrap(_ body: String, prefix: String = "", width: Int, indent: Int) -> String {
    wrap(tokens: body.split(separator: " ").map(String.init), prefix: prefix, width: width, indent: indent)
}

/// `prefix`, then `items` separated by `, `, wrapped between items (an event line is never split).
func wrap(list items: [String], prefix: String, width: Int, indent: Int) -> String {
    wrap(tokens: items.enumerated().map { $0.offset == items.count - 1 ? $0.element : $0.element + "," },
         prefix: prefix, width: width, indent: indent)
}

private func wrap(tokens: [String], prefix: String, width: Int, indent: Int) -> String {
    var lines: [String] = []
    var line = prefix
    var hasToken = false
    for token in tokens {
        if hasToken && displayWidth(line) + 1 + displayWidth(token) > width {
            lines.append(line)
            line = String(repeating: " ", count: indent) + token
        } else {
            line += (hasToken ? " " : "") + token
        }
        hasToken = true
    }
    lines.append(line)
    return lines.joined(separator: "\n")
}
