import LabScript
import WinsockModel

/// `help` and `explain`: the catalog and RULES.md, in the user's words.
extension Session {
    func help(_ topic: String?) -> Result<String, TextError> {
        guard let raw = topic?.split(separator: " ").first.map(String.init) else { return .success(Session.overview) }
        let word = raw.lowercased()
        if let rule = RuleID(named: raw) {
            return .success("\(rule) (\(rule.section))\n\(indent(rule.text))")
        }
        switch word {
        case "rules":
            let lines = RuleID.all.map { r -> String in
                let first = r.text.split(separator: "\n").first.map(String.init) ?? ""
                let short = first.count > 100 ? String(first.prefix(99)) + "…" : first
                return "  \(r.name.padding(4))  \(short)"
            }
            return .success("The rules of RULES.md (`help R12` prints one whole):\n" + lines.joined(separator: "\n"))
        case "events":
            return .success(Session.eventsHelp)
        case "paths":
            return .success("Expectation paths: " + ExpectPath.forms.joined(separator: ", "))
        default:
            break
        }
        guard let spec = commandSpec(named: raw) else {
            return .failure(TextError("help: no command or rule named \(quoted(raw)); `help` lists the commands, `help rules` the rules"))
        }
        var text = spec.usage.map { "usage: \($0)" }.joined(separator: "\n")
        if !spec.aliases.isEmpty { text += "\nalso: " + spec.aliases.joined(separator: ", ") }
        text += "\n\n" + spec.summary + "\n" + spec.details
        return .success(text)
    }

    static let overview: String = {
        var text = """
        closelab — a lab for the Windows Sockets 2 SPI close semantics. Every command acts on one live,
        deterministic model and prints the per-handle table after it.

        """
        for group in [CommandSpec.Group.provider, .session, .teaching] {
            text += "\n\(group.rawValue):\n"
            for spec in commandCatalog where spec.group == group {
                text += "  \(spec.name.padding(11)) \(spec.summary)\n"
            }
        }
        text += """

        Provider calls answer to their SPI and API names too (WSPCloseSocket h1, closesocket h1).
        A call may carry its expected result: `close h1 => WSAEWOULDBLOCK`.
        `help <command>` for one command, `help R12` for a rule, `help rules`, `help events`, `help paths`.
        Scripts: `closelab FILE`, `closelab < FILE`, `closelab -c 'socket; close h1'`.
        """
        return text
    }()

    static let eventsHelp = """
    Events, in the order their rules fired:
      WPUCreateSocketHandle hN / WPUModifyIFSHandle hN / WPUCloseSocketHandle hN   the provider's up-calls
      TX sN <bytes>        one stretch of transmission, printed where it ends
      FIN sN, RST sN       sent by us;   PEER-FIN sN, PEER-RST sN   received from the peer
      DISCARD sN <bytes>   queued bytes thrown away by a reset
      COMPLETE opN <bytes>, ABORT opN <error>        an overlapped operation finished
      BLOCK TN <call>, WAKE TN <call> = <result>     a thread blocked / its call finished
      LINGER-TIMEOUT sN, STATE sN <state>, RELEASE sN
    In a close that goes ahead: ABORTs, then WAKEs, then RST/DISCARD/STATE, then the WPU up-call, then RELEASE.
    """

    /// `explain`: the rules that fired in the last provider call, and in the commands after it.
    func explanation() -> String {
        var text = ""
        if let e = explained.call {
            text += Session.callLine(e.call, result: e.result, thread: e.thread, showsThread: e.showsThread) + "\n"
            text += noteLines(e.notes, indent: "  ")
            if e.notes.isEmpty { text += "  (no rule fired: the call did what its arguments asked)\n" }
            text += profileComparison(e)
        } else if explained.later.isEmpty {
            return "Nothing to explain yet: no provider call has been made. Try `socket`, then `explain`."
        } else {
            text += "No provider call yet.\n"
        }
        if !explained.later.isEmpty {
            text += explained.call == nil ? "Rules that fired:\n" : "Since then:\n"
            for (command, notes) in explained.later {
                text += "  \(command)\n" + noteLines(notes, indent: "    ")
            }
        }
        return text
    }

    /// One line per note, without repeating an identical sentence.
    func noteLines(_ notes: [RuleNote], indent: String) -> String {
        var seen = Set<String>()
        var text = ""
        for n in notes {
            let line = n.description
            if seen.insert(line).inserted { text += indent + line + "\n" }
        }
        return text
    }

    func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    // MARK: Completion

    /// Candidates for the word being typed at the end of `lineBeforeCursor` (TAB).
    public func completions(for lineBeforeCursor: String) -> [String] {
        let context = completionContext(lineBeforeCursor)
        let partial = context.partial.lowercased()
        var words: [String] = []
        if context.tokens.isEmpty {
            for spec in commandCatalog {
                words.append(spec.name)
                if !partial.isEmpty { words += spec.aliases }
            }
        } else {
            let head = context.tokens[0].folded
            for wanted in wantedNext(after: context.tokens) {
                switch wanted {
                case .keyword(let k): words.append(k)
                case .name(let kind): words += liveNames(kind)
                case .rest:
                    if head == "expect" { words += expectWords(partial) }
                    if head == "help" || head == "?" {
                        words += commandCatalog.map(\.name) + ["rules", "events", "paths"] + RuleID.all.map(\.name)
                    }
                case .value, .call, .end: break
                }
            }
        }
        var seen = Set<String>()
        return words.filter { $0.lowercased().hasPrefix(partial) && seen.insert($0.lowercased()).inserted }
    }

    func liveNames(_ kind: NameKind) -> [String] {
        switch kind {
        case .handle: world.handles.map(\.id.description)
        case .socket: world.sockets.map(\.id.description)
        case .process: world.processes.filter(\.isAlive).map(\.id.description)
        case .thread: world.threads.filter { $0.state != .exited }.map(\.id.description)
        case .protocolInfo: world.protocolInfos.map(\.id.description)
        case .operation: world.operations.map(\.id.description)
        }
    }

    func expectWords(_ partial: String) -> [String] {
        guard let dot = partial.firstIndex(of: ".") else {
            return ["event", "no", "last", "t"] + liveObjectPrefixes()
        }
        let object = String(partial[..<dot])
        let fields: [String]
        switch object.first {
        case "h": fields = ExpectPath.HandleField.allCases.map(\.rawValue)
        case "s": fields = ExpectPath.SocketField.allCases.map(\.rawValue)
        case "o": fields = ExpectPath.OperationField.allCases.map(\.rawValue)
        case "t": fields = ExpectPath.ThreadField.allCases.map(\.rawValue)
        case "p": fields = ExpectPath.ProcessField.allCases.map(\.rawValue)
        default: fields = []
        }
        let original = partial[..<dot]
        return fields.map { "\(original).\($0)" }
    }

    func liveObjectPrefixes() -> [String] {
        (liveNames(.handle) + liveNames(.socket) + liveNames(.thread) + liveNames(.operation) + liveNames(.process))
            .map { $0 + "." }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
