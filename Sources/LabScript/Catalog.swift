import WinsockModel

/// One command of the language: its names, grammar, and help. The one catalog below drives
/// parsing, `help`, `help <command>`, usage errors and TAB completion (STYLE.md habit 8).
/// A class: specs are immutable and shared, so a lookup hands out a reference, not a copy.
public final class CommandSpec: Sendable {
    public enum Group: String, Sendable {
        case provider = "Provider calls"
        case session = "Session commands"
        case teaching = "Teaching and time travel"
    }
    public let name: String
    /// Other names: the SPI name and the API name for provider calls.
    public let aliases: [String]
    public let group: Group
    public let forms: [Form]
    public let summary: String
    public let details: String

    init(name: String, aliases: [String], group: Group, forms: [Form], summary: String, details: String) {
        self.name = name; self.aliases = aliases; self.group = group; self.forms = forms
        self.summary = summary; self.details = details
    }

    /// The usage lines, one per form: `setsockopt hN SO_LINGER <onoff> <seconds>`.
    public var usage: [String] {
        forms.map { form in ([name] + form.patterns.map(\.usage)).joined(separator: " ") }
    }

    /// Whether `word` names this command (case-insensitive).
    public func answers(to word: String) -> Bool {
        let w = word.lowercased()
        return name == w || aliases.contains { $0.lowercased() == w }
    }
}

/// One way to write a command.
public struct Form: Sendable {
    public let patterns: [Pattern]
    let build: @Sendable ([Argument]) throws(Diagnostic) -> Built

    init(_ patterns: [Pattern], _ build: @escaping @Sendable ([Argument]) throws(Diagnostic) -> Built) {
        self.patterns = patterns
        self.build = build
    }
}

enum Built {
    case call(ProviderCall, ThreadID?)
    case command(Command)
}

private func call(_ patterns: [Pattern], _ make: @escaping @Sendable ([Argument]) throws(Diagnostic) -> ProviderCall) -> Form {
    Form(patterns) { args throws(Diagnostic) in .call(try make(args), nil) }
}

private func command(_ patterns: [Pattern], _ make: @escaping @Sendable ([Argument]) throws(Diagnostic) -> Command) -> Form {
    Form(patterns) { args throws(Diagnostic) in .command(try make(args)) }
}

private let bytes = Pattern.number("bytes", 0...(1 << 40))
private let window = Pattern.number("bytes", 0...(1 << 40))
private let u16 = 0...65_535

/// The whole language.
public let commandCatalog: [CommandSpec] = [
    // MARK: Provider calls
    CommandSpec(
        name: "socket", aliases: ["WSPSocket", "WSASocket"], group: .provider,
        forms: [
            call([.word("from"), .name(.protocolInfo)]) { a in .socketFromProtocolInfo(a[1].protocolInfo!) },
            call([.flags(["stream", "dgram", "overlapped", "nonblocking"])]) { a throws(Diagnostic) in
                guard case .flags(let f) = a[0] else { return .socket(.stream, nonblocking: false) }
                if f.contains("stream") && f.contains("dgram") {
                    throw Diagnostic(column: 1, "socket: choose stream or dgram, not both")
                }
                return .socket(f.contains("dgram") ? .dgram : .stream, nonblocking: f.contains("nonblocking"))
            },
        ],
        summary: "WSPSocket: make a socket and its descriptor in the current process (→ hN)",
        details: """
        Makes an underlying socket sN (stream by default) and a descriptor hN in the current process,
        with linger off, blocking, overlapped attribute on. The provider registers the descriptor:
        WPUCreateSocketHandle (non-IFS) or WPUModifyIFSHandle (IFS) (R6).
        `socket from piN` is WSPSocket with FROM_PROTOCOL_INFO: the target process of a block made by
        `duplicate` turns it into its own descriptor, and only then does the count rise (R4).
        """),
    CommandSpec(
        name: "connect", aliases: ["WSPConnect", "WSAConnect"], group: .provider,
        forms: [call([.name(.handle)]) { a in .connect(a[0].handle!) }],
        summary: "WSPConnect: a stream socket becomes ESTABLISHED with a new peer",
        details: """
        A stream socket becomes ESTABLISHED at once with a simulated peer whose receive window is
        `set window` (default 65536). A datagram socket only records its default destination (R47).
        A second connect of a stream socket fails with WSAEISCONN (R43).
        """),
    CommandSpec(
        name: "setsockopt", aliases: ["WSPSetSockOpt"], group: .provider,
        forms: [
            call([.name(.handle), .word("SO_LINGER"), .number("onoff", u16), .number("seconds", u16)]) { a in
                .setLinger(a[0].handle!, onoff: a[2].number!, seconds: a[3].number!)
            },
            call([.name(.handle), .word("SO_DONTLINGER"), .choice(["0", "1", "true", "false"])]) { a in
                let k = a[2].keyword!
                return .setDontLinger(a[0].handle!, k == "1" || k == "true")
            },
        ],
        summary: "WSPSetSockOpt: SO_LINGER <onoff> <seconds> or SO_DONTLINGER 0|1",
        details: """
        SO_LINGER sets (l_onoff, l_linger); onoff and seconds are 0–65535 (R16). SO_DONTLINGER TRUE sets
        l_onoff 0 and keeps l_linger; FALSE sets l_onoff 1 and reinstates the stored l_linger (R27).
        The linger option decides the type of the last close (R7): off → graceful, on 0s → hard,
        on Ns → lingering. On a datagram socket both fail with WSAENOPROTOOPT (R29).
        """),
    CommandSpec(
        name: "getsockopt", aliases: ["WSPGetSockOpt"], group: .provider,
        forms: [call([.name(.handle), .choice(["SO_LINGER", "SO_DONTLINGER", "SO_SNDBUF"])]) { a in
            let option: SocketOption = switch a[1].keyword! {
            case "so_linger": .linger
            case "so_dontlinger": .dontLinger
            default: .sendBuffer
            }
            return .getSockOpt(a[0].handle!, option)
        }],
        summary: "WSPGetSockOpt: read SO_LINGER, SO_DONTLINGER or SO_SNDBUF",
        details: """
        SO_LINGER reads `off` or `on 5s`; SO_DONTLINGER reads true exactly when l_onoff is 0 (R28);
        SO_SNDBUF reads the send buffer size.
        """),
    CommandSpec(
        name: "ioctl", aliases: ["WSPIoctl", "ioctlsocket"], group: .provider,
        forms: [call([.name(.handle), .word("FIONBIO"), .choice(["0", "1"])]) { a in
            .setNonblocking(a[0].handle!, a[2].keyword! == "1")
        }],
        summary: "WSPIoctl: FIONBIO 1 makes the socket nonblocking, 0 blocking",
        details: "The blocking mode belongs to the socket and is shared by all its descriptors (R3)."),
    CommandSpec(
        name: "send", aliases: ["WSPSend", "WSASend"], group: .provider,
        forms: [call([.name(.handle), bytes, .optional(.word("overlapped"))]) { a in
            .send(a[0].handle!, bytes: a[1].number!, overlapped: a[2] != .absent)
        }],
        summary: "WSPSend: queue bytes for the peer (blocking, nonblocking or overlapped)",
        details: """
        Bytes that fit in the free send buffer are queued at once. Otherwise a blocking socket blocks
        the thread until all are queued; a nonblocking one queues what fits or fails with
        WSAEWOULDBLOCK; an overlapped send fails with WSA_IO_PENDING and becomes opN, queued whole
        later (R44). Queued bytes leave only while the clock advances (R46).
        """),
    CommandSpec(
        name: "recv", aliases: ["WSPRecv", "WSARecv"], group: .provider,
        forms: [call([.name(.handle), bytes, .optional(.word("overlapped"))]) { a in
            .recv(a[0].handle!, bytes: a[1].number!, overlapped: a[2] != .absent)
        }],
        summary: "WSPRecv: take bytes the peer sent (blocking, nonblocking or overlapped)",
        details: """
        Data waiting: returns up to the count at once. None: after a reset WSAECONNRESET, after the
        peer's FIN 0; otherwise blocks, fails with WSAEWOULDBLOCK, or pends as opN by mode (R45).
        """),
    CommandSpec(
        name: "shutdown", aliases: ["WSPShutdown"], group: .provider,
        forms: [Form([.name(.handle), .choice(["send", "receive", "both", "SD_SEND", "SD_RECEIVE", "SD_BOTH"])]) { a in
            let how = switch a[1].keyword! {
            case "send", "sd_send": ShutdownHow.send
            case "receive", "sd_receive": ShutdownHow.receive
            default: ShutdownHow.both
            }
            return .call(.shutdown(a[0].handle!, how: how), nil)
        }, call([.name(.handle), .number("how", 0...maximumNumber)]) { a in
            .shutdown(a[0].handle!, how: a[1].number!)
        }],
        summary: "WSPShutdown: send|receive|both, or a number passed as how",
        details: """
        SD_SEND: no more sends, FIN after the queued data. SD_RECEIVE: no more receives; data arriving
        with no receive pending resets the connection. Never blocks, ignores linger, frees nothing (R31–R33).
        """),
    CommandSpec(
        name: "close", aliases: ["WSPCloseSocket", "closesocket"], group: .provider,
        forms: [call([.name(.handle)]) { a in .close(a[0].handle!) }],
        summary: "WSPCloseSocket: release a descriptor; the last one closes the connection",
        details: """
        Releases exactly this descriptor (R1). Only the last descriptor of a socket acts on the
        connection (R2), as its linger option decides (R7): graceful in the background (R9), hard with
        RST (R10), lingering while the queue drains (R11), or WSAEWOULDBLOCK when nonblocking (R12).
        Pending overlapped operations through it are aborted (R18); blocked threads wake with WSAEINTR (R19).
        """),
    CommandSpec(
        name: "duplicate", aliases: ["WSPDuplicateSocket", "WSADuplicateSocket"], group: .provider,
        forms: [call([.name(.handle), .name(.process)]) { a in .duplicate(a[0].handle!, a[1].process!) }],
        summary: "WSPDuplicateSocket: make a protocol-info block for a target process (→ piN)",
        details: """
        Changes no reference count: the target process consumes the block with `socket from piN` (run
        it there: `use PN` or `on TN`), and only then does the count rise. A block is single use (R4).
        """),
    CommandSpec(
        name: "startup", aliases: ["WSPStartup", "WSAStartup"], group: .provider,
        forms: [call([]) { _ in .startup }],
        summary: "WSPStartup for the current process (counted, R35)",
        details: "Startups and cleanups are counted per process; P1 starts with a count of 1."),
    CommandSpec(
        name: "cleanup", aliases: ["WSPCleanup", "WSACleanup"], group: .provider,
        forms: [call([]) { _ in .cleanup }],
        summary: "WSPCleanup for the current process (the one reaching 0 acts, R35–R38)",
        details: """
        Only the cleanup that brings the count to 0 acts: it aborts pending operations without their
        completion action, fails blocked calls with WSAEINTR, and resets and releases every descriptor
        the process holds; orphans keep draining (R36–R38).
        """),
    CommandSpec(
        name: "cancel", aliases: ["WSPCancelBlockingCall", "WSACancelBlockingCall"], group: .provider,
        forms: [Form([.optional(.name(.thread))]) { a in .call(.cancelBlockingCall, a[0].thread) }],
        summary: "WSPCancelBlockingCall from TN's blocking hook (default: the current thread)",
        details: """
        Cancels TN's outstanding blocking call, which fails with WSAEINTR; with none, WSAEINVAL (R25).
        A cancelled send or receive on a stream resets the connection (R26).
        """),

    // MARK: Session commands
    CommandSpec(
        name: "process", aliases: [], group: .session,
        forms: [
            command([.word("new")]) { _ in .processNew },
            command([.word("exit"), .name(.process)]) { a in .processExit(a[1].process!) },
        ],
        summary: "process new | process exit PN",
        details: """
        `process new` adds a started process with one new thread (it becomes current only when no
        process is live). `process exit PN` ends one, as a final cleanup (R39).
        """),
    CommandSpec(
        name: "thread", aliases: [], group: .session,
        forms: [command([.word("new"), .optional(.name(.process))]) { a in .threadNew(a[1].process) }],
        summary: "thread new [PN]: add a thread (default: to the current process)",
        details: "Threads are numbered across all processes. The current thread does not change."),
    CommandSpec(
        name: "use", aliases: [], group: .session,
        forms: [
            command([.name(.process)]) { a in .useProcess(a[0].process!) },
            command([.name(.thread)]) { a in .useThread(a[0].thread!) },
        ],
        summary: "use PN | use TN: make a process (its first running thread) or a thread current",
        details: "The prompt shows the current process and thread: [t=0ms] P1/T1>"),
    CommandSpec(
        name: "on", aliases: [], group: .session,
        forms: [Form([.name(.thread), .call]) { a throws(Diagnostic) in
            guard case .call(let c, let other) = a[1] else { throw Diagnostic(column: 1, "on: missing provider call") }
            let t = a[0].thread!
            if let other, other != t {
                throw Diagnostic(column: 1, "on \(t): a cancel from \(t)'s blocking hook cannot name \(other)")
            }
            return .call(c, t)
        }],
        summary: "on TN <provider call>: issue one call from TN without changing the current thread",
        details: "For example `on T2 recv h1 100` or `on T2 cancel`."),
    CommandSpec(
        name: "peer", aliases: [], group: .session,
        forms: [
            command([.name(.socket), .word("read"), .optional(.number("bytes", 0...(1 << 40)))]) { a in
                .peer(a[0].socket!, .read(a[2].number))
            },
            command([.name(.socket), .word("send"), .number("bytes", 1...(1 << 40))]) { a in
                .peer(a[0].socket!, .send(a[2].number!))
            },
            command([.name(.socket), .word("close")]) { a in .peer(a[0].socket!, .close) },
            command([.name(.socket), .word("reset")]) { a in .peer(a[0].socket!, .reset) },
            command([.name(.socket), .word("window"), window]) { a in .peer(a[0].socket!, .window(a[2].number!)) },
        ],
        summary: "peer sN read [n] | send <n> | close | reset | window <n>: the remote application acts",
        details: """
        The simulated peer of a connected stream socket: `read` takes bytes from its receive buffer
        (all unread when no count) and reopens its window; `send` is one data segment to us; `close`
        sends its FIN after its earlier segments; `reset` sends RST; `window` resizes its buffer (R41–R43a).
        """),
    CommandSpec(
        name: "advance", aliases: [], group: .session,
        forms: [command([.duration("duration")]) { a in .advance(a[0].span!) }],
        summary: "advance <duration>: move the virtual clock (250ms, 2s, 1m)",
        details: """
        Bytes leave send queues only while the clock advances, at `net rate`, into the peer's free
        window; FIN, RST and ACK arrive after `net latency`; timers fire (R46).
        """),
    CommandSpec(
        name: "set", aliases: [], group: .session,
        forms: [
            command([.word("provider"), .choice(["nonifs", "ifs"])]) { a in
                .set(.model(.provider(a[1].keyword! == "ifs" ? .ifs : .nonIFS)))
            },
            command([.word("net"), .word("rate"), .number("bytes-per-second", 1...maximumNumber)]) { a in
                .set(.model(.netRate(Int64(a[2].number!))))
            },
            command([.word("net"), .word("latency"), .duration("duration")]) { a in .set(.model(.netLatency(a[2].span!))) },
            command([.word("network"), .choice(["up", "down"])]) { a in .set(.model(.network(up: a[1].keyword! == "up"))) },
            command([.word("sndbuf"), .number("bytes", 1...(1 << 40))]) { a in .set(.model(.sendBuffer(a[1].number!))) },
            command([.word("window"), window]) { a in .set(.model(.window(a[1].number!))) },
            command([.word("graceful-timeout"), .duration("duration")]) { a in .set(.model(.gracefulTimeout(a[1].span!))) },
            command([.word("timewait"), .duration("duration")]) { a in .set(.model(.timeWait(a[1].span!))) },
            command([.word("reuse"), .choice(["on", "off"])]) { a in .set(.model(.reuse(a[1].keyword! == "on"))) },
            command([.word("rows"), .number("rows", 1...1_000_000)]) { a in .set(.rows(a[1].number!)) },
            command([.word("profile"), .choice(Profile.allCases.map(\.rawValue))]) { a in
                .set(.model(.profile(Profile(rawValue: a[1].keyword!)!)))
            },
            command([.word("diff"), .choice(["on", "off"])]) { a in .set(.diff(a[1].keyword! == "on")) },
        ],
        summary: "set <name> <value>: provider, net rate, net latency, network, sndbuf, window, graceful-timeout, timewait, reuse, rows, profile, diff",
        details: """
        Defaults: provider nonifs; net rate 1000000 (bytes/s); net latency 0ms; network up; sndbuf 65536
        (for sockets made afterwards); window 65536 (for connections made afterwards); graceful-timeout
        120s (R9); timewait 240s; reuse off (R23); rows 40; profile docs. `set provider` only while no
        socket is in any state but CLOSED.
        """),
    CommandSpec(
        name: "show", aliases: [], group: .session,
        forms: [command([.optional(.choice(ShowTopic.allCases.map(\.rawValue)))]) { a in
            .show(a[0].keyword.flatMap(ShowTopic.init(rawValue:)) ?? .handles)
        }],
        summary: "show [handles|sockets|ops|threads|peers|all]: print tables without acting",
        details: "`show` alone prints the handles table (and the sockets table when an orphan exists); all rows, whatever `rows` says."),
    CommandSpec(
        name: "format", aliases: [], group: .session,
        forms: [command([.choice(OutputFormat.allCases.map(\.rawValue))]) { a in
            .format(OutputFormat(rawValue: a[0].keyword!)!)
        }],
        summary: "format box|plain|json|off: how output is printed from now on",
        details: "box: Unicode tables (default on a terminal); plain: ASCII columns (default otherwise); json: one object per command; off: only errors and failed expectations."),
    CommandSpec(
        name: "expect", aliases: [], group: .session,
        forms: [
            command([.word("event"), .rest("event")]) { a in .expect(.event(a[1].text!, present: true)) },
            command([.word("no"), .word("event"), .rest("event")]) { a in .expect(.event(a[2].text!, present: false)) },
            Form([.rest("path> <op> <value")]) { a throws(Diagnostic) in .command(.expect(try parseExpectation(a[0]))) },
        ],
        summary: "expect <path> <op> <value> | expect [no] event <event>: an assertion",
        details: """
        Ops: == != < <= > >= (ordering on numbers only); the value is the rest of the line, compared
        case-insensitively. Paths: \(ExpectPath.forms.joined(separator: ", ")).
        `expect event RST s1` is about the events of the most recent command other than expect, show,
        help, explain and format. A failed expectation prints `file:line: expected …, got …` (exit 1).
        """),
    CommandSpec(
        name: "explain", aliases: [], group: .session,
        forms: [command([]) { _ in .explain }],
        summary: "explain: why the last provider call did what it did, citing RULES.md",
        details: "Lists the rules that fired in the last provider call, and in the commands after it."),
    CommandSpec(
        name: "source", aliases: [], group: .session,
        forms: [command([.rest("file")]) { a in .source(a[0].text!) }],
        summary: "source FILE: run a script's commands in this session",
        details: "As sqlite3's .read. Its lines are reported as FILE:line."),
    CommandSpec(
        name: "help", aliases: ["?"], group: .session,
        forms: [command([.optional(.rest("command or rule"))]) { a in .help(a[0].text) }],
        summary: "help [command|R<n>]: this list, one command, or one rule of RULES.md",
        details: "`help close`, `help expect`, `help R12`, `help rules`, `help events`."),
    CommandSpec(
        name: "reset", aliases: [], group: .session,
        forms: [command([]) { _ in .reset }],
        summary: "reset: start a fresh session (settings back to defaults; the format stays)",
        details: "Everything goes back to the state at start: P1/T1, no sockets, t=0ms, default settings."),
    CommandSpec(
        name: "quit", aliases: ["exit"], group: .session,
        forms: [command([]) { _ in .quit }],
        summary: "quit: end the current file (or the prompt)",
        details: "In a script, ends that file; at the prompt, leaves closelab (as Ctrl-D)."),
    // MARK: Teaching and time travel
    CommandSpec(
        name: "lesson", aliases: [], group: .teaching,
        forms: [
            command([]) { _ in .lesson(.list) },
            command([.word("stop")]) { _ in .lesson(.stop) },
            command([.rest("name")]) { a in .lesson(.start(a[0].text!)) },
        ],
        summary: "lesson [NAME|stop]: list the lessons, or walk one step by step (Enter runs the next step)",
        details: """
        Each lesson narrates a step, runs it, and names the rule it shows. At the prompt, Enter on an
        empty line runs the next step; any other command works as usual; `lesson stop` ends the lesson.
        `closelab --lesson NAME` runs one without stopping; `closelab --list-lessons` lists them.
        """),
    CommandSpec(
        name: "trace", aliases: [], group: .teaching,
        forms: [
            command([]) { _ in .trace(nil, pcap: nil) },
            command([.name(.socket)]) { a in .trace(a[0].socket, pcap: nil) },
            command([.word("--pcap"), .rest("file")]) { a in .trace(nil, pcap: a[1].text) },
            command([.name(.socket), .word("--pcap"), .rest("file")]) { a in .trace(a[0].socket, pcap: a[2].text) },
        ],
        summary: "trace [sN] [--pcap FILE]: what crossed the wire, as a ladder diagram (or a pcap capture)",
        details: """
        A ladder diagram against virtual time: data segments with byte counts, FIN, ACK, RST, both ways.
        `--pcap FILE` writes the same as a pcap capture of synthetic TCP segments between two loopback
        addresses (a handshake at connect, data in segments of at most 1460 bytes, each acknowledged),
        which Wireshark and tshark open.
        """),
    CommandSpec(
        name: "undo", aliases: [], group: .teaching,
        forms: [command([]) { _ in .undo }],
        summary: "undo: take back the last command that changed the session",
        details: "The session is rebuilt from its history without that command (the model is deterministic)."),
    CommandSpec(
        name: "snapshot", aliases: [], group: .teaching,
        forms: [command([.rest("name")]) { a in .snapshot(a[0].text!) }],
        summary: "snapshot NAME: remember the session as it is now",
        details: "`restore NAME` brings it back, tables, clock, profile and all."),
    CommandSpec(
        name: "restore", aliases: [], group: .teaching,
        forms: [command([.rest("name")]) { a in .restore(a[0].text!) }],
        summary: "restore NAME: go back to a snapshot",
        details: "The session continues from the snapshot; its history is the snapshot's."),
    CommandSpec(
        name: "whatif", aliases: [], group: .teaching,
        forms: [Form([.rest("command")]) { a throws(Diagnostic) in
            let pieces = splitLine(a[0].text!)
            guard pieces.count == 1 else { throw Diagnostic(column: 1, "whatif: one command only") }
            let inner = try parse(pieces[0].tokens)
            guard inner.scriptText != nil, !inner.isTimeTravel else {
                throw Diagnostic(column: 1, "whatif: \(quoted(pieces[0].tokens[0].text)) does not change the session; try a provider call, advance, peer or set")
            }
            return .command(.whatif(inner))
        }],
        summary: "whatif <command>: what a command would do — result, events, rows — without doing it",
        details: "For example `whatif close h1` under the current linger setting. Nothing changes."),
    CommandSpec(
        name: "record", aliases: [], group: .teaching,
        forms: [command([.rest("file")]) { a in .record(a[0].text!) }],
        summary: "record FILE: write the session so far as a runnable script with each call's result",
        details: "Each provider call is written with its observed result inline (`close h1 => WSAEWOULDBLOCK`)."),
    CommandSpec(
        name: "compare", aliases: [], group: .teaching,
        forms: [command([]) { _ in .compare }],
        summary: "compare: the session so far under every profile, only where they differ",
        details: "Runs the commands so far under docs, windows and reactos and prints, command by command, the results, events and table cells that differ (RULES.md section J)."),
]

/// Every name and alias, lowercased, to its place in the catalog.
let commandIndex: [String: Int] = {
    var index: [String: Int] = [:]
    for (i, spec) in commandCatalog.enumerated() {
        for name in [spec.name] + spec.aliases { index[name.lowercased()] = i }
    }
    return index
}()

/// Looks a command up by name or alias, ignoring case.
public func commandSpec(named word: String) -> CommandSpec? {
    commandIndex[asciiLowercased(word)].map { commandCatalog[$0] }
}
