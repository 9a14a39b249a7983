import WinsockModel

private let window = Pattern.number("bytes", 0...(1 << 40))

/// The session commands: they make no provider call (docs/language.md, "Session commands").
let sessionCommands: [CommandSpec] = [
    CommandSpec(
        name: "process", aliases: [], group: .session, effect: .changesSession,
        forms: [
            command([.word("new")]) { _ in .processNew },
            command([.word("exit"), .name(.process)]) { a in .processExit(a.process) },
        ],
        summary: "process new | process exit PN",
        details: """
        `process new` adds a started process with one new thread (it becomes current only when no
        process is live). `process exit PN` ends one, as a final cleanup (R39).
        """),
    CommandSpec(
        name: "thread", aliases: [], group: .session, effect: .changesSession,
        forms: [command([.word("new"), .optional(.name(.process))]) { a in .threadNew(a.optional.process) }],
        summary: "thread new [PN]: add a thread (default: to the current process)",
        details: "Threads are numbered across all processes. The current thread does not change."),
    CommandSpec(
        name: "use", aliases: [], group: .session, effect: .changesSession,
        forms: [
            command([.name(.process)]) { a in .useProcess(a.process) },
            command([.name(.thread)]) { a in .useThread(a.thread) },
        ],
        summary: "use PN | use TN: make a process (its first running thread) or a thread current",
        details: "The prompt shows the current process and thread: [t=0ms] P1/T1>"),
    CommandSpec(
        name: "on", aliases: [], group: .session, effect: .changesSession,
        forms: [Form([.name(.thread), .call]) { a throws(Diagnostic) in
            let t = a.thread
            let (c, other) = a.call
            if let other, other != t {
                throw Diagnostic(column: a.commandColumn, "on \(t): a cancel from \(t)'s blocking hook cannot name \(other)")
            }
            return .call(c, t)
        }],
        summary: "on TN <provider call>: issue one call from TN without changing the current thread",
        details: "For example `on T2 recv h1 100` or `on T2 cancel`."),
    CommandSpec(
        name: "peer", aliases: [], group: .session, effect: .changesSession,
        forms: [
            command([.name(.socket), .word("read"), .optional(.number("bytes", 0...(1 << 40)))]) { a in
                .peer(a.socket, .read(a.optional.number("bytes")))
            },
            command([.name(.socket), .word("send"), .number("bytes", 1...(1 << 40))]) { a in
                .peer(a.socket, .send(a.number("bytes")))
            },
            command([.name(.socket), .word("close")]) { a in .peer(a.socket, .close) },
            command([.name(.socket), .word("reset")]) { a in .peer(a.socket, .reset) },
            command([.name(.socket), .word("window"), window]) { a in .peer(a.socket, .window(a.number("bytes"))) },
        ],
        summary: "peer sN read [n] | send <n> | close | reset | window <n>: the remote application acts",
        details: """
        The simulated peer of a connected stream socket: `read` takes bytes from its receive buffer
        (all unread when no count) and reopens its window; `send` is one data segment to us; `close`
        sends its FIN after its earlier segments; `reset` sends RST; `window` resizes its buffer (R41–R43a).
        Once our RST has reached the peer, `read` reads nothing: an arriving reset flushes the peer's
        unread data, so its receive fails with WSAECONNRESET (R42), and `send`, `close` and `reset`
        are refused.
        """),
    CommandSpec(
        name: "advance", aliases: [], group: .session, effect: .changesSession,
        forms: [command([.duration("duration")]) { a in .advance(a.span) }],
        summary: "advance <duration>: move the virtual clock (250ms, 2s, 1m)",
        details: """
        Bytes leave send queues only while the clock advances, at `net rate`, into the peer's free
        window; FIN, RST and ACK arrive after `net latency`; timers fire (R46).
        """),
    CommandSpec(
        name: "set", aliases: [], group: .session, effect: .changesSession,
        forms: [
            command([.word("provider"), .choice(ProviderKind.allCases.map(\.rawValue))]) { a in
                .set(.model(.provider(a.keyword(as: ProviderKind.self))))
            },
            command([.word("net"), .word("rate"), .number("bytes-per-second", 1...maximumNumber)]) { a in
                .set(.model(.netRate(Int64(a.number("bytes-per-second")))))
            },
            command([.word("net"), .word("latency"), .duration("duration")]) { a in .set(.model(.netLatency(a.span))) },
            command([.word("network"), .choice(["up", "down"])]) { a in .set(.model(.network(up: a.keyword(is: "up")))) },
            command([.word("sndbuf"), .number("bytes", 1...(1 << 40))]) { a in .set(.model(.sendBuffer(a.number("bytes")))) },
            command([.word("window"), window]) { a in .set(.model(.window(a.number("bytes")))) },
            command([.word("graceful-timeout"), .duration("duration")]) { a in .set(.model(.gracefulTimeout(a.span))) },
            command([.word("timewait"), .duration("duration")]) { a in .set(.model(.timeWait(a.span))) },
            command([.word("reuse"), .choice(["on", "off"])]) { a in .set(.model(.reuse(a.keyword(is: "on")))) },
            command([.word("rows"), .number("rows", 1...maximumNumber)]) { a in .set(.rows(a.number("rows"))) },
            command([.word("profile"), .choice(Profile.allCases.map(\.rawValue))]) { a in
                .set(.model(.profile(a.keyword(as: Profile.self))))
            },
            command([.word("diff"), .choice(["on", "off"])]) { a in .set(.diff(a.keyword(is: "on"))) },
            command([.word("tables"), .choice(TablesMode.allCases.map(\.rawValue))]) { a in
                .set(.tables(a.keyword(as: TablesMode.self)))
            },
            command([.word("backend"), .choice(BackendChoice.allCases.map(\.rawValue))]) { a in
                .set(.backend(a.keyword(as: BackendChoice.self)))
            },
        ],
        summary: "set <name> <value>: provider, net rate, net latency, network, sndbuf, window, graceful-timeout, timewait, reuse, rows, profile, diff, tables, backend",
        details: """
        Defaults: provider nonifs; net rate 1000000 (bytes/s); net latency 0ms; network up; sndbuf 65536
        (for sockets made afterwards); window 65536 (for connections made afterwards); graceful-timeout
        120s (R9); timewait 240s (60s under the linux profile); reuse off (R23; always on under linux); rows 40; profile docs; tables always; backend model.
        `set provider` only while no socket is in any state but CLOSED.

        `set tables changed` prints a command's tables only when a row changed, and one line saying so
        otherwise (for a projector); `always` prints them after every command.

        `set backend linux` runs the calls from now on as real socket calls on the Linux kernel's
        loopback interface, in a fresh session (as `closelab --backend linux`); `set backend model`
        goes back to the model, also in a fresh session. Under the linux backend `sndbuf` and `window`
        set SO_SNDBUF and the peer's SO_RCVBUF (approximately: the kernel doubles what is asked and
        has minimums of about 2.3 KB); the other settings have no counterpart there.
        """),
    CommandSpec(
        name: "show", aliases: [], group: .session, effect: .changesNothing,
        forms: [command([.optional(.choice(ShowTopic.allCases.map(\.rawValue)))]) { a in
            .show(a.optional.keyword(as: ShowTopic.self) ?? .handles)
        }],
        summary: "show [handles|sockets|ops|threads|peers|pi|all]: print tables without acting",
        details: "`show` alone prints the handles table (and the sockets table when an orphan exists); all rows, whatever `rows` says. `show pi` lists the protocol-info blocks WSPDuplicateSocket made (R4)."),
    CommandSpec(
        name: "format", aliases: [], group: .session, effect: .changesNothing,
        forms: [command([.choice(OutputFormat.allCases.map(\.rawValue))]) { a in
            .format(a.keyword(as: OutputFormat.self))
        }],
        summary: "format box|plain|json|off: how output is printed from now on",
        details: "box: Unicode tables (default on a terminal); plain: ASCII columns (default otherwise); json: one object per command; off: only errors and failed expectations."),
    CommandSpec(
        name: "expect", aliases: [], group: .session, effect: .changesNothing,
        forms: [
            command([.word("event"), .event]) { a in .expect(.event(a.event, present: true)) },
            command([.word("no"), .word("event"), .event]) { a in .expect(.event(a.event, present: false)) },
            command([.path, .comparison, .expectedValue]) { a in .expect(.value(a.path, a.comparison, a.expectedValue)) },
        ],
        summary: "expect <path> <op> <value> | expect [no] event <event>: an assertion",
        details: """
        Ops: == != < <= > >= (ordering on numbers only); the value is the rest of the line, compared
        case-insensitively. Paths: \(ExpectPath.forms.joined(separator: ", ")).
        `expect event RST s1` is about the events of the most recent command other than expect, show,
        help, explain and format. A failed expectation prints `file:line: expected …, got …` (exit 1).
        """),
    CommandSpec(
        name: "explain", aliases: [], group: .session, effect: .changesNothing,
        forms: [command([]) { _ in .explain }],
        summary: "explain: why the last provider call did what it did, citing the rules by number",
        details: "Lists the rules that fired in the last provider call, and in the commands after it; then what the other profiles would have done with that call from the same prior state (its profile switched; `compare` runs the whole session under each)."),
    CommandSpec(
        name: "source", aliases: [], group: .session, effect: .controlsSession,
        forms: [command([.rest("file")]) { a in .source(a.text) }],
        summary: "source FILE: run a script's commands in this session",
        details: "As sqlite3's .read. Its lines are reported as FILE:line."),
    CommandSpec(
        name: "help", aliases: ["?"], group: .session, effect: .changesNothing,
        forms: [command([.optional(.rest("command or rule"))]) { a in .help(a.optional.text) }],
        summary: "help [command|R<n>]: this list, one command, or one rule (R1–R51)",
        details: """
        `help close`, `help expect`, `help R12`. Topics: `help rules` (every rule's first line), `help
        events`, `help paths` (what expect reads), `help columns` (every column of every table and its
        values), `help linger` (the linger table), `help states` (the TCP states and the rule for each
        transition), `help profiles`, `help sources` (the pages the rules come from).
        """),
    CommandSpec(
        name: "reset", aliases: [], group: .session, effect: .controlsSession,
        forms: [command([]) { _ in .reset }],
        summary: "reset: start a fresh session (settings back to defaults; the format stays)",
        details: "Everything goes back to the state at start: P1/T1, no sockets, t=0ms, default settings."),
    CommandSpec(
        name: "quit", aliases: ["exit"], group: .session, effect: .changesNothing,
        forms: [command([]) { _ in .quit }],
        summary: "quit: end the current file (or the prompt)",
        details: "In a script, ends that file; at the prompt, leaves closelab (as Ctrl-D)."),
]
