import LabRendering
import LabScript
import WinsockModel

/// `closelab --crosscheck FILE` (docs/rules.md section J: the `linux` items "are predictions, and
/// they are checked"): one script run in the model under a profile and on a live backend at once,
/// line by line, so a long script streams. The sibling of `ProfileComparison`: that one runs a
/// script under every profile, this one under one profile and on the kernel.
///
/// What is compared:
/// - each provider call's result as `last` reads it (`blocked` included); byte counts are shown,
///   not compared, except that a count of 0 (a receive's end of stream) differs from any other;
/// - after each `advance` and at the end of the script, each connected socket's `peer.fin`,
///   `peer.reset` and `peer.error`, and each thread's `state` and `result`;
/// - the verdict of every `expect` line and inline result (one the backend cannot observe is
///   neither pass nor failure there, so it never differs).
///
/// Shown and not compared: byte counts, SENDQ/RECVQ, TCP states, events (TX and STATE have no
/// kernel counterpart), instants, the accounts of session commands. A command the backend has no
/// counterpart for (its one-line refusal) is `n/a` on that side, not a difference. `show`, `help`
/// and `explain` only print, `format` belongs to crosscheck, and `source` and lessons would run many
/// commands as one: none of them runs.
public struct CrossCheck: Sendable {
    public let profile: Profile
    var model: Session
    var kernel: Session
    public private(set) var summary: CrossCheckSummary
    /// `quit` ended the script: further lines are not read.
    public private(set) var hasQuit = false

    /// The model under `profile`, and `backend` (fresh: it is shut down with `shutDown()`).
    /// `environment` is what both sessions may ask of the outside world (`reset` asks it for a
    /// fresh backend).
    public init(profile: Profile, backend: any LiveBackend, environment: Session.Environment = .noFiles) {
        var settings = Settings()
        settings.profile = profile
        self.profile = profile
        // json: every verdict and every call line comes back typed (a passed `expect` prints
        // nothing in the text formats).
        model = Session(format: .json, environment: environment, settings: settings)
        kernel = Session(format: .json, environment: environment)
        kernel.useBackend(backend)
        summary = CrossCheckSummary(profile: profile.description, backend: backend.name)
    }

    /// Runs one physical line on both sides; one entry per command on it.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, file: String, line: Int) -> [CrossCheckEntry] {
        guard !hasQuit else { return [] }
        switch decodeLine(bytes) {
        case .failure(let diagnostic):
            summary.commands += 1
            return [invalid(Origin(file: file, line: line, column: diagnostic.column), input: "", diagnostic.message)]
        case .success(let text):
            return feed(line: text, file: file, line: line)
        }
    }

    /// Runs one line of text on both sides; one entry per command on it.
    public mutating func feed(line text: String, file: String, line: Int) -> [CrossCheckEntry] {
        var entries: [CrossCheckEntry] = []
        for piece in splitLine(text) where !hasQuit {
            summary.commands += 1
            let parsed = ParsedPiece(piece)
            let origin = Origin(file: file, line: line, column: parsed.column)
            switch parsed.parsed {
            case .failure(let diagnostic):
                entries.append(invalid(Origin(file: file, line: line, column: diagnostic.column), input: piece.text,
                                       diagnostic.message))
            case .success(let command):
                entries.append(run(command, parsed, at: origin))
            }
        }
        return entries
    }

    /// The end of the script: the outcome compared one last time.
    public mutating func finish(file: String) -> CrossCheckEntry {
        let outcome = CrossCheck.compareOutcome(model.state, kernel.state)
        let agrees = outcome.allSatisfy(\.agrees)
        summary.compared += 1
        let end = Origin(file: file, line: 0)
        if !agrees { summary.differing.append(end) }
        return CrossCheckEntry(origin: end, input: nil, model: .notRun, kernel: .notRun,
                               comparison: .compared(agrees: agrees), outcome: outcome)
    }

    /// Ends the kernel side: its sockets closed, its threads joined.
    public mutating func shutDown() {
        kernel.shutDown()
        model.shutDown()
    }

    /// 2 if any line was invalid, else 1 if the sides differ anywhere, else 0.
    public var exitStatus: Int32 { summary.invalidLines > 0 ? 2 : summary.agrees ? 0 : 1 }

    // MARK: One command

    /// How crosscheck treats a command.
    enum Plan {
        /// A provider call: its result is compared.
        case call
        /// Real time on the kernel, virtual in the model: the outcome is compared after it.
        case advance
        /// Its verdict is compared.
        case expect
        /// Both run it; what they print is shown, not compared.
        case shown
        /// Neither runs it, and why.
        case notRun(String)
        /// The script ends here.
        case quit
    }

    static func plan(_ command: Command) -> Plan {
        switch command {
        case .call: .call
        case .advance: .advance
        case .expect: .expect
        case .processNew, .processExit, .threadNew, .useProcess, .useThread, .peer, .set, .reset, .undo, .snapshot,
             .restore, .whatif, .record, .trace, .compare, .lesson(.list), .lesson(.stop), .lesson(.restart):
            .shown
        case .show, .help, .explain: .notRun("it only prints; not compared")
        case .format: .notRun("crosscheck keeps its own format")
        case .source: .notRun("not run inside crosscheck: crosscheck that file itself")
        case .lesson(.start): .notRun("lessons are not run inside crosscheck")
        case .crosscheck: .notRun("not run inside crosscheck")
        case .quit: .quit
        }
    }

    mutating func run(_ command: Command, _ parsed: ParsedPiece, at origin: Origin) -> CrossCheckEntry {
        let plan = CrossCheck.plan(command)
        switch plan {
        case .notRun(let why):
            return CrossCheckEntry(origin: origin, input: parsed.text, model: .notRun, kernel: .notRun,
                                   comparison: .notRun(why))
        case .quit:
            hasQuit = true
            return CrossCheckEntry(origin: origin, input: parsed.text, model: .notRun, kernel: .notRun,
                                   comparison: .notRun("the script ends here"))
        case .call, .advance, .expect, .shown:
            break
        }
        let m = CrossCheck.run(parsed, command, on: &model, at: origin)
        let k = CrossCheck.run(parsed, command, on: &kernel, at: origin)
        var entry = CrossCheckEntry(origin: origin, input: parsed.text, model: m.side, kernel: k.side, comparison: .shown)
        switch (m.refusal, k.refusal) {
        case (let why?, _?):
            // Both refused: the line is at fault, not either side.
            summary.invalidLines += 1
            entry.model.status = .refused(why)
            entry.comparison = .invalid
            return entry
        case (nil, let why?):
            entry.kernel.status = .notApplicable(why)
            entry.comparison = .notApplicable
            summary.notApplicable.append(origin)
            return entry
        case (let why?, nil):
            // The model refused what the kernel ran: their worlds already differ.
            entry.model.status = .refused(why)
            entry.comparison = .compared(agrees: false)
        case (nil, nil):
            switch plan {
            case .call:
                entry.comparison = .compared(agrees: CrossCheck.resultsAgree(m.result, k.result)
                                             && CrossCheck.verdictsAgree(m.side.verdict, k.side.verdict))
            case .expect:
                entry.comparison = .compared(agrees: CrossCheck.verdictsAgree(m.side.verdict, k.side.verdict))
            case .advance:
                entry.outcome = CrossCheck.compareOutcome(model.state, kernel.state)
                entry.comparison = .compared(agrees: entry.outcome.allSatisfy(\.agrees))
            case .shown, .notRun, .quit:
                return entry
            }
        }
        summary.compared += 1
        if entry.comparison.differs { summary.differing.append(origin) }
        return entry
    }

    mutating func invalid(_ origin: Origin, input: String, _ message: String) -> CrossCheckEntry {
        summary.invalidLines += 1
        return CrossCheckEntry(origin: origin, input: input, model: CrossCheckSide(status: .refused(message)),
                               kernel: .notRun, comparison: .invalid)
    }

    /// What one side did with the command, read from its typed reply.
    struct SideRun {
        var side = CrossCheckSide(status: .ran)
        var result: CallResult?
        /// The side's one-line refusal (an invalid line there).
        var refusal: String?
    }

    static func run(_ parsed: ParsedPiece, _ command: Command, on session: inout Session, at origin: Origin) -> SideRun {
        var run = SideRun()
        if case .call(_, _, _?) = command { run.side.verdict = .passed }
        let reply = session.run(parsed: [parsed], file: origin.file, line: origin.line)
        for item in reply.items {
            switch item {
            case .command(let report, _):
                switch report.headline {
                case .call(let line):
                    run.result = line.result
                    run.side.result = PathValue(line.result).description
                    run.side.hostError = line.hostError
                case .message(let text):
                    run.side.message = text
                case .none:
                    break
                }
                run.side.events = report.events.map(\.event.description)
                if let verdict = report.expectation {
                    run.side.verdict = verdict.passed.map { $0 ? .passed : .failed(verdict.message ?? "failed") }
                        ?? .unobservable
                }
            case .invalidLine(_, let message):
                run.refusal = message
            case .failedExpectation(_, let message):
                run.side.verdict = .failed(message)
            case .echo, .lesson:
                break
            }
        }
        return run
    }

    // MARK: Comparing

    /// Results as `last` reads them; two byte counts agree when both are 0 or both are not.
    static func resultsAgree(_ a: CallResult?, _ b: CallResult?) -> Bool {
        if case .value(.count(let x))? = a, case .value(.count(let y))? = b { return (x == 0) == (y == 0) }
        return PathValue(a) == PathValue(b)
    }

    /// An expectation the backend cannot observe agrees with anything.
    static func verdictsAgree(_ a: CrossCheckSide.Verdict?, _ b: CrossCheckSide.Verdict?) -> Bool {
        switch (a, b) {
        case (.unobservable?, _), (_, .unobservable?): true
        case (.passed?, .passed?), (.failed?, .failed?), (nil, nil): true
        case (.passed?, _), (.failed?, _), (nil, _): false
        }
    }

    /// Each thread's state and last result, each connected socket's peer fin / reset / error, on
    /// both sides, by path (threads first, then sockets, by number). An object one side lacks reads `-`.
    static func compareOutcome(_ model: any SessionState, _ kernel: any SessionState) -> [ComparedValue] {
        var paths: [ExpectPath] = []
        for i in 0..<max(model.threadCount, kernel.threadCount) {
            let t = ThreadID(rawValue: i + 1)
            paths += [.thread(t, .state), .thread(t, .result)]
        }
        for i in 0..<max(model.socketCount, kernel.socketCount) {
            let s = SocketID(rawValue: i + 1)
            guard model.socketRow(s)?.peer != nil || kernel.socketRow(s)?.peer != nil else { continue }
            paths += [.socket(s, .peerFin), .socket(s, .peerReset), .socket(s, .peerError)]
        }
        return paths.map { path in
            let m = text(of: path, in: model), k = text(of: path, in: kernel)
            var agrees = m == k
            if case .thread(let t, .result) = path, let mr = model.threadRow(t), let kr = kernel.threadRow(t) {
                agrees = resultsAgree(mr.lastResult, kr.lastResult)
            }
            return ComparedValue(path: path.description, model: m, kernel: k, agrees: agrees)
        }
    }

    /// A path's value as `expect` reads it; `-` when the object (or the socket's peer) is missing.
    private static func text(of path: ExpectPath, in state: any SessionState) -> String {
        if case .socket(let s, _) = path, state.socketRow(s)?.peer == nil { return "-" }
        switch Session.value(of: path, in: state) {
        case .success(let v): return v.description
        case .failure: return "-"
        }
    }
}

extension Session {
    /// `crosscheck FILE` at the prompt or in a script (the command itself joins the catalog later):
    /// the file crosschecked under this session's profile against a fresh `linux` backend; the
    /// report is the answer, each invalid line of the file is reported as one, and any difference
    /// counts as one failed expectation.
    mutating func crossCheck(_ file: String, _ c: LocatedCommand, into reply: inout Reply) {
        let lines: any LineSource
        switch environment.openScript(file) {
        case .failure(let reason):
            refuse("crosscheck: cannot read \(quotedPath(file)): \(reason.text)", c, into: &reply)
            return
        case .success(let opened):
            lines = opened
        }
        let live: any LiveBackend
        switch environment.makeBackend("linux") {
        case .failure(let reason):
            refuse("crosscheck: cannot start the linux backend: \(reason.text)", c, into: &reply)
            return
        case .success(let started):
            live = started
        }
        let profile = world.settings.profile
        var check = CrossCheck(profile: profile, backend: live, environment: environment)
        let renderer = CrossCheckRenderer(format: .text(width: display.width))
        var text = renderer.heading(file: file, profile: profile.description, backend: live.name, kernel: nil)
        var number = 0
        while let line = lines.nextLine(), !check.hasQuit {
            number += 1
            for entry in check.feed(line, file: file, line: number) {
                text += renderer.render(entry)
                if let why = entry.invalidMessage {
                    invalidLines += 1
                    reply.items.append(.invalidLine(entry.origin, why))
                }
            }
        }
        if let failure = lines.failure {
            invalidLines += 1
            reply.items.append(.invalidLine(Origin(file: file, line: number + 1), failure))
        }
        text += renderer.render(check.finish(file: file))
        text += renderer.render(check.summary)
        check.shutDown()
        publishAnswer(c, Prose(verbatim: text), into: &reply)
        if !check.summary.agrees {
            failedExpectations += 1
            let places = check.summary.differing.map { $0.line == 0 ? "the end" : "\($0.file):\($0.line)" }
            reply.items.append(.failedExpectation(origin(of: c), "crosscheck \(file): the model and the kernel differ "
                + "at \(places.joined(separator: ", "))"))
        }
    }
}
