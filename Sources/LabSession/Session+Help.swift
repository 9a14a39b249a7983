import LabRendering
import LabScript
import WinsockModel

/// `help` and `explain`: the catalog and docs/rules.md, in the user's words.
extension Session {
    func help(_ topic: String?) -> Result<Prose, TextError> {
        guard let raw = topic?.split(separator: " ").first.map(String.init) else { return .success(Session.overview) }
        let word = raw.lowercased()
        if let rule = RuleID(named: raw) {
            var prose = Prose()
            prose.paragraph("\(rule) (\(rule.section))")
            prose.append(Prose.markdown(rule.text))
            return .success(prose)
        }
        switch word {
        case "rules":
            var prose = Prose()
            prose.paragraph("The close rules, R1–R51 (docs/rules.md in the source; `help R12` prints one whole):")
            for r in RuleID.all {
                prose.item("  " + r.name.padding(5) + " ", r.text.split(separator: "\n").first.map(String.init) ?? "")
            }
            return .success(prose)
        case "events":
            return .success(Session.eventsHelp)
        case "paths":
            var prose = Prose()
            prose.item("Expectation paths: ", ExpectPath.forms.joined(separator: ", "))
            return .success(prose)
        case "columns":
            return .success(Session.columnsHelp)
        case "linger", "so_linger", "so_dontlinger":
            return .success(Session.lingerHelp)
        case "states":
            return .success(Session.statesHelp)
        case "profiles":
            return .success(Session.profilesHelp)
        case "sources":
            return .success(Session.sourcesHelp)
        default:
            break
        }
        guard let spec = commandSpec(named: raw) else {
            let topics = Session.helpTopics + commandCatalog.map(\.name) + RuleID.all.map(\.name)
            let meant = closest(to: raw, among: topics).map { " (did you mean `help \($0)`?)" } ?? ""
            return .failure(TextError("help: no command, rule or topic named \(quoted(raw))\(meant); `help` lists the commands and topics"))
        }
        var prose = Prose()
        for usage in spec.usage { prose.item("usage: ", usage) }
        if !spec.aliases.isEmpty { prose.item("also: ", spec.aliases.joined(separator: ", ")) }
        prose.verbatim("")
        prose.paragraph(spec.summary)
        for paragraph in Session.paragraphs(spec.details) { prose.paragraph(paragraph) }
        return .success(prose)
    }

    /// Text written with hard line breaks, as paragraphs: a blank line separates them.
    static func paragraphs(_ text: String) -> [String] {
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " }) {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs
    }

    static let overview: Prose = {
        var prose = Prose()
        prose.paragraph("closelab — a lab for the Windows Sockets 2 SPI close semantics. Every command acts on one live, deterministic model and prints the per-handle table after it.")
        for group in [CommandSpec.Group.provider, .session, .teaching] {
            prose.verbatim("")
            prose.verbatim("\(group.rawValue):")
            for spec in commandCatalog where spec.group == group {
                prose.item("  \(spec.name.padding(11)) ", spec.summary)
            }
        }
        prose.verbatim("")
        prose.paragraph("Provider calls answer to their SPI and API names too (WSPCloseSocket h1, closesocket h1). A call may carry its expected result: `close h1 => WSAEWOULDBLOCK`.")
        prose.paragraph("`help <command>` for one command, `help R12` for a rule; topics: \(Session.helpTopics.map { "`help \($0)`" }.joined(separator: ", ")).")
        prose.paragraph("Scripts: `closelab FILE`, `closelab < FILE`, `closelab -c 'socket; close h1'`.")
        return prose
    }()

    /// The topics `help` answers besides commands and rules.
    static let helpTopics = ["rules", "events", "paths", "columns", "linger", "states", "profiles", "sources"]

    /// `help linger` (also `help SO_LINGER`, `help SO_DONTLINGER`): the linger table and the options.
    static let lingerHelp: Prose = {
        var prose = Prose()
        prose.paragraph("The linger option (l_onoff, l_linger) decides what the last close of a connected stream socket does (R7):")
        prose.append(Prose.markdown(RuleID.r7.text.split(separator: "\n").dropFirst().joined(separator: "\n")))
        prose.paragraph("Unless bytes from the peer are still unread (RECVQ > 0): then the close is hard whatever the option (R51).")
        prose.item("  SO_LINGER <onoff> <seconds>: ", "sets the pair; onoff and seconds are 0–65535 (R16, R27). `setsockopt h1 SO_LINGER 1 0` makes the next last close hard; `1 5` makes it linger up to 5 s.")
        prose.item("  SO_DONTLINGER 1: ", "sets l_onoff 0 and keeps l_linger (R27): the next last close is graceful, and l_linger waits for SO_DONTLINGER 0.")
        prose.item("  SO_DONTLINGER 0: ", "sets l_onoff 1 and reinstates the kept l_linger — 0 on a fresh socket, so SO_DONTLINGER FALSE on a fresh socket makes the next close hard (R27).")
        prose.item("  getsockopt: ", "SO_LINGER reads the pair (the call line shows it: `off (l_onoff 0, l_linger 7)`; `last` reads `off` or `on 7s`), SO_DONTLINGER reads true exactly when l_onoff is 0 (R28).")
        prose.paragraph("A new socket starts with linger off, l_onoff 0 and l_linger 0 (R8). The options belong to the socket, shared by all its descriptors; the one in force at the last close decides (R3). On a datagram socket they fail with WSAENOPROTOOPT (R29; the windows, reactos and linux profiles accept the set).")
        return prose
    }()

    /// A help topic: an opening paragraph, items (lead, text) in order, and an optional closing
    /// paragraph.
    static func topic(_ opening: String, _ items: [(String, String)], closing: String? = nil) -> Prose {
        var prose = Prose()
        prose.paragraph(opening)
        for (lead, text) in items { prose.item(lead, text) }
        if let closing { prose.paragraph(closing) }
        return prose
    }

    /// `help states`: the TCP states and the rule for each transition.
    static let statesHelp = Session.topic(
        "A socket's STATE follows TCP's diagram (R43); a descriptor's reads `closed` once released:",
        [
            ("  CREATED: ", "a new socket (a datagram socket stays here, R47); connect → ESTABLISHED."),
            ("  ESTABLISHED: ", "our FIN sent (a close or SD_SEND, once the send queue is empty: R9, R11, R31) → FIN_WAIT_1; the peer's FIN first → CLOSE_WAIT; a reset → CLOSED."),
            ("  FIN_WAIT_1: ", "the ACK of our FIN → FIN_WAIT_2; the peer's FIN before that ACK → CLOSING. An orphan that drains stays ESTABLISHED until its FIN is sent."),
            ("  FIN_WAIT_2: ", "the peer's FIN → TIME_WAIT; an orphan still here when graceful-timeout runs out is released without a reset (R9)."),
            ("  CLOSING: ", "the ACK of our FIN → TIME_WAIT."),
            ("  CLOSE_WAIT: ", "our FIN sent → LAST_ACK."),
            ("  LAST_ACK: ", "the ACK of our FIN → CLOSED, and RELEASE with no descriptor left."),
            ("  TIME_WAIT: ", "lasts `timewait` (240 s; 60 s under the linux profile), then CLOSED and RELEASE; a last close here sends nothing, not even RST at linger 0 (R43)."),
            ("  CLOSED: ", "after a reset sent or received (R10, R43, R51), or at the end; the socket is released when no descriptor refers to it, and its rows stay visible."),
        ],
        closing: "The peer acknowledges our FIN when the FIN reaches it; FIN, RST and ACK take `net latency` to arrive, and nothing arrives while the network is down (R46, R50)."
    )

    /// `help profiles`: the four profiles and where each comes from.
    static let profilesHelp = Session.topic(
        "The model takes its policy as data: `set profile NAME` or `closelab --profile NAME` (section J of the rules). `compare` runs the session under every profile and shows only where they differ; `explain` says what the other profiles would have done with the same call from the same prior state.",
        [
            ("  docs: ", "the default. Microsoft's documentation of the Winsock 2 SPI and API (WSPCloseSocket, closesocket, \"Closing Sockets\", \"Graceful Shutdown, Linger Options, and Socket Closure\", \"Shared Sockets\", …), with the choices its ambiguities need marked [decided] in the rules."),
            ("  windows: ", "what real Windows was recorded doing by Wine's conformance tests (dlls/ws2_32/tests), which run on Windows: pending operations belong to the socket until its last close, a receive aborted on a connected stream completes with ERROR_CONNECTION_ABORTED, data to an orphan is answered with WSAECONNABORTED, linger options on a datagram socket set without error."),
            ("  reactos: ", "ReactOS's msafd provider (dll/win32/msafd), bugs included: WSAEWOULDBLOCK loses a reference that is never restored (a leak), a zero-linger close after SD_RECEIVE is graceful, WSPCleanup only counts."),
            ("  linux: ", "what the Linux TCP stack (kernel 6.x) does with the same script, each prediction tied to the kernel function that decides it (__tcp_close, inet_release, sk_stream_wait_close, tcp_recvmsg_locked, inet_shutdown), measured on loopback where it could be: a lingering close never returns WSAEWOULDBLOCK and waits for the ACK of its FIN, the linger timeout resets nothing, the descriptor is gone as the close starts, a blocked call, an operation or an unused block holds the socket, SD_RECEIVE only marks it, a reset is reported once, process exit never lingers, no startup counting and no WPU up-calls, handle values reused, TIME_WAIT 60 s; errors show their errno (WSAENOTSOCK (EBADF)). `--backend linux` runs the same commands on the real kernel, and `crosscheck FILE` compares the two; `lesson windows-versus-linux` walks the main differences."),
        ],
        closing: "compare leaves WPU up-call events out of what counts as a difference: linux makes none (R6, R40)."
    )

    /// `help sources`: the pages the rules draw on, each statement in our own words, with its
    /// address and the rules that implement it.
    static let sourcesHelp: Prose = {
        var prose = Session.topic(
            "Microsoft's \"Closing Sockets\" (the SPI page closelab started from), https://learn.microsoft.com/en-us/windows/win32/winsock/closing-sockets-2 — what each statement says and which rules carry it:",
            [
            ("  - ", "Closing a descriptor releases it: later calls through it fail, and the operations the process's threads have pending on it are aborted. → R1, R18, R19"),
            ("  - ", "A socket shared by several descriptors keeps a reference count; only the close of the last one acts on the socket. → R2, R3, R4"),
            ("  - ", "The last close discards the socket's information unless a graceful close is asked for; with SO_DONTLINGER, queued data is sent first if it can be. → R7, R9, R10, R38"),
            ("  - ", "A non-IFS provider gives each released descriptor back to the Winsock DLL with WPUCloseSocketHandle. → R6, R40"),
            ])
        prose.append(Session.topic(
            "The other pages the rules draw on:",
            [
            ("  WSPCloseSocket (SPI): ", "errors, linger, WSAEWOULDBLOCK on a nonblocking lingering close. https://learn.microsoft.com/en-us/previous-versions/windows/hardware/network/ff566273(v=vs.85) → R7–R12, R22"),
            ("  closesocket (API): ", "the linger table, the reset when received data is unread. https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-closesocket → R7, R8, R51"),
            ("  Graceful Shutdown, Linger Options, and Socket Closure: ", "shutting down versus closing, the recommended teardown. https://learn.microsoft.com/en-us/windows/win32/winsock/graceful-shutdown-linger-options-and-socket-closure-2 → R31–R34"),
            ("  Shared Sockets and WSADuplicateSocket: ", "protocol-info blocks, reference counts across processes. https://learn.microsoft.com/en-us/windows/win32/winsock/shared-sockets-2, https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaduplicatesocketa → R2–R5"),
            ("  LINGER structure: ", "l_onoff and l_linger, SO_DONTLINGER. https://learn.microsoft.com/en-us/windows/win32/api/winsock/ns-winsock-linger → R8, R16, R27, R28"),
            ("  shutdown, WSACleanup: ", "https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-shutdown, https://learn.microsoft.com/en-us/windows/win32/api/winsock/nf-winsock-wsacleanup → R31–R33, R35–R39"),
            ("  RFC 1122, section 4.2.2.13: ", "a close with received data pending should send RST. https://www.rfc-editor.org/rfc/rfc1122#section-4.2.2.13 → R51"),
            ("  Wine's conformance tests: ", "what Windows does (the windows profile). https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ws2_32/tests/sock.c"),
            ("  ReactOS msafd: ", "the reactos profile. https://github.com/reactos/reactos/tree/master/dll/win32/msafd"),
            ("  Linux net/ipv4/tcp.c and af_inet.c: ", "__tcp_close, inet_release, sk_stream_wait_close (the linux profile). https://github.com/torvalds/linux/blob/master/net/ipv4/tcp.c"),
            ]))
        return prose
    }()

    static let eventsHelp: Prose = {
        var prose = Prose()
        prose.paragraph("Events, in the order their rules fired:")
        prose.item("  WPUCreateSocketHandle hN, WPUModifyIFSHandle hN, WPUCloseSocketHandle hN: ", "the provider's up-calls (R6, R40)")
        prose.item("  TX sN <bytes>: ", "one stretch of transmission, printed where it ends")
        prose.item("  FIN sN, RST sN: ", "sent by us; PEER-FIN sN, PEER-RST sN: received from the peer")
        prose.item("  DISCARD sN <bytes>: ", "queued bytes of ours thrown away by a reset (never unread received bytes, R51)")
        prose.item("  COMPLETE opN <bytes>, ABORT opN <error>: ", "an overlapped operation finished")
        prose.item("  BLOCK TN <call>, WAKE TN <call> = <result>: ", "a thread blocked / its call finished")
        prose.item("  LINGER-TIMEOUT sN, STATE sN <state>, RELEASE sN: ", "the linger time ran out, a state changed, the provider discarded the socket")
        prose.paragraph("In a close that goes ahead: ABORTs, then WAKEs, then RST/DISCARD/STATE, then the WPU up-call, then RELEASE. A FIN sent by the close itself comes before the WPU up-call. When a blocked close finishes later (R11, R49), its WPU up-call and RELEASE come before the closing thread's own WAKE TN WSPCloseSocket.")
        prose.paragraph("During `advance`, each event shows the instant it happened; the peer acknowledges our FIN when the FIN reaches it, and the ACK arrives net latency later.")
        return prose
    }()

    /// `help columns`: every column of the tables, its short header on a narrow terminal, and
    /// what its values mean.
    static let columnsHelp: Prose = {
        var prose = Prose()
        prose.paragraph("The handle table, one row per descriptor (on a narrow terminal the short header and labels in brackets are used; expectation paths and json keep the full names):")
        let handle: [(HandleColumn, String)] = [
            (.handle, "the descriptor (hN), valid only in its own process (R5)."),
            (.process, "the process that owns it (PN)."),
            (.socket, "the underlying socket it refers to (sN); dups and duplicates share one (R2)."),
            (.refcount, "open descriptors of its socket, in all processes (R2); the last close acts on the connection."),
            (.pending, "overlapped operations issued through this descriptor still pending (R18)."),
            (.sendQueue, "bytes accepted by WSPSend and not yet delivered to the peer (R13)."),
            (.receiveQueue, "bytes that arrived from the peer and were not yet read: any left make the last close hard (R51)."),
            (.linger, "off (l_onoff 0) or on Ns (l_onoff ≠ 0, l_linger N): off closes gracefully (R9), on 0s hard (R10), on Ns lingers (R11, R12). SO_DONTLINGER FALSE turns linger on again with the kept l_linger (R27, R28)."),
            (.mode, "blocking or nonblocking [block, nonblk] (FIONBIO; shared by all descriptors, R3)."),
            (.state, "the socket's TCP state (R43) — CREATED, ESTABLISHED [ESTAB], FIN_WAIT_1 [FIN_W1], FIN_WAIT_2 [FIN_W2], CLOSING, CLOSE_WAIT [CLOSE_W], LAST_ACK, TIME_WAIT [TIME_W], CLOSED — or closed once the descriptor is released; closed (just released) [released] in the command that released it."),
        ]
        for (column, meaning) in handle { prose.item("  \(column.rawValue) [\(column.compactName)]: ", meaning) }
        prose.verbatim("")
        prose.paragraph("The sockets table, shown while a socket has no descriptor but still exists (an orphan, R9):")
        let socket: [(SocketColumn, String)] = [
            (.type, "stream [strm] or dgram."),
            (.holder, "who holds it: descriptors [descr]; orphan (no descriptor, a graceful close finishing, R9); leaked (reactos only, J); released t=… [released] (discarded for good, its row stays as CLOSED)."),
            (.discarded, "bytes of ours thrown away by resets (not unread received bytes, R51)."),
            (.peerReceived, "bytes delivered to the peer's stack (R41)."),
            (.peerRead, "bytes the peer application read."),
            (.peerSees, "what the peer's next receive reports: none (data may still come), 0 (our FIN with every byte read, R42), or an error after our RST, WSAECONNRESET [CONNRESET] (R42, R43a)."),
        ]
        for (column, meaning) in socket { prose.item("  \(column.rawValue) [\(column.compactName)]: ", meaning) }
        prose.paragraph("SOCKET, REFCNT, SENDQ, LINGER, MODE and STATE mean what they mean in the handle table.")
        return prose
    }()

    /// `explain`: the rules that fired in the last provider call, and in the commands after it.
    func explanation() -> Prose {
        var prose = Prose()
        if let e = explained.call {
            prose.verbatim(e.line.text)
            prose.append(noteLines(e.notes, indent: "  "))
            if let backend {
                if e.notes.isEmpty { prose.paragraph("  (observed on the \(backend.name) kernel: no rule is cited for what a real stack did)") }
            } else {
                if e.notes.isEmpty { prose.paragraph("  (no rule fired: the call did what its arguments asked)") }
                prose.append(profileComparison(e))
            }
        } else if explained.later.isEmpty {
            prose.paragraph("Nothing to explain yet: no provider call has been made. Try `socket`, then `explain`.")
            return prose
        } else {
            prose.paragraph("No provider call yet.")
        }
        if !explained.later.isEmpty {
            prose.paragraph(explained.call == nil ? "Rules that fired:" : "Since then:")
            for (command, notes) in explained.later {
                prose.verbatim("  \(command)")
                prose.append(noteLines(notes, indent: "    "))
            }
        }
        return prose
    }

    /// One item per note (`R12: …`, continuation lines under the sentence), without repeating an
    /// identical sentence.
    func noteLines(_ notes: [RuleNote], indent: String) -> Prose {
        var seen = Set<String>()
        var prose = Prose()
        for n in notes {
            let text = n.text
            if seen.insert("\(n.rule): \(text)").inserted { prose.item("\(indent)\(n.rule): ", text) }
        }
        return prose
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
                case .path: words += ExpectPath.completions(of: context.partial, names: liveNames)
                case .comparison: words += Comparison.allCases.map(\.rawValue)
                case .rest(let label):
                    if head == "help" || head == "?" {
                        words += commandCatalog.map(\.name) + Session.helpTopics + RuleID.all.map(\.name)
                    } else if head == "lesson" {
                        words += lessons.map(\.name)
                    } else if head == "restore" {
                        words += snapshots.keys.sorted()
                    } else if label == "file" {
                        // Paths are completed as typed (case kept), by the executable's file system.
                        return environment.listFiles(context.partial)
                    }
                case .value, .call, .command, .end: break
                }
            }
        }
        var seen = Set<String>()
        return words.filter { $0.lowercased().hasPrefix(partial) && seen.insert($0.lowercased()).inserted }
    }

    func liveNames(_ kind: NameKind) -> [String] {
        let state = self.state
        switch kind {
        case .handle: return (1...max(1, state.handleCount)).prefix(state.handleCount).map { "h\($0)" }
        case .socket: return (1...max(1, state.socketCount)).prefix(state.socketCount).map { "s\($0)" }
        case .process:
            return (0..<state.processCount).compactMap { state.processRow(ProcessID(rawValue: $0 + 1)) }
                .filter(\.isAlive).map(\.id.description)
        case .thread:
            return (0..<state.threadCount).compactMap { state.threadRow(ThreadID(rawValue: $0 + 1)) }
                .filter { $0.state != .exited }.map(\.id.description)
        case .protocolInfo: return (1...max(1, state.protocolInfoCount)).prefix(state.protocolInfoCount).map { "pi\($0)" }
        case .operation: return (1...max(1, state.operationCount)).prefix(state.operationCount).map { "op\($0)" }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
