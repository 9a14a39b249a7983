import WinsockModel

/// Teaching and time travel (docs/language.md, "Teaching and time travel").
let teachingCommands: [CommandSpec] = [
    CommandSpec(
        name: "lesson", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [
            command([]) { _ in .lesson(.list) },
            command([.word("stop")]) { _ in .lesson(.stop) },
            command([.word("restart")]) { _ in .lesson(.restart) },
            command([.rest("name")]) { a in .lesson(.start(a.text)) },
        ],
        summary: "lesson [NAME|stop|restart]: list the lessons, or walk one step by step (Enter runs the next step)",
        details: """
        Each lesson narrates a step, runs it, and names the rule it shows. At the prompt, Enter on an
        empty line runs the next step; any other command works as usual; `lesson stop` ends the lesson
        and gives your own session back; `lesson restart` starts the lesson over in a fresh session.
        A lesson always runs in a session of its own. `closelab --lesson NAME` runs one without stopping; `closelab --list-lessons` lists them.
        """),
    CommandSpec(
        name: "trace", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [
            command([]) { _ in .trace(nil, pcap: nil) },
            command([.name(.socket)]) { a in .trace(a.socket, pcap: nil) },
            command([.word("--pcap"), .rest("file")]) { a in .trace(nil, pcap: a.text) },
            command([.name(.socket), .word("--pcap"), .rest("file")]) { a in .trace(a.socket, pcap: a.text) },
        ],
        summary: "trace [sN] [--pcap FILE]: what crossed the wire, as a ladder diagram (or a pcap capture)",
        details: """
        A ladder diagram against virtual time: data segments with byte counts, FIN, ACK, RST, both ways.
        `--pcap FILE` writes the same as a pcap capture of synthetic TCP segments between two loopback
        addresses (a handshake at connect, data in segments of at most 1460 bytes, each acknowledged),
        which Wireshark and tshark open.
        """),
    CommandSpec(
        name: "undo", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([]) { _ in .undo }],
        summary: "undo: take back the last command that changed the session",
        details: "The session is rebuilt from its history without that command (the model is deterministic)."),
    CommandSpec(
        name: "snapshot", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([.rest("name")]) { a in .snapshot(a.text) }],
        summary: "snapshot NAME: remember the session as it is now",
        details: "`restore NAME` brings it back, tables, clock, profile and all."),
    CommandSpec(
        name: "restore", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([.rest("name")]) { a in .restore(a.text) }],
        summary: "restore NAME: go back to a snapshot",
        details: "The session continues from the snapshot; its history is the snapshot's."),
    CommandSpec(
        name: "whatif", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([.command]) { a in .whatif(a.command) }],
        summary: "whatif <command>: what a command would do — result, events, rows — without doing it",
        details: "For example `whatif close h1` under the current linger setting. Nothing changes."),
    CommandSpec(
        name: "record", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([.rest("file")]) { a in .record(a.text) }],
        summary: "record FILE: write the session so far as a runnable script with each call's result",
        details: "Each provider call is written with its observed result inline (`close h1 => WSAEWOULDBLOCK`)."),
    CommandSpec(
        name: "compare", aliases: [], group: .teaching, effect: .controlsSession,
        forms: [command([]) { _ in .compare }],
        summary: "compare: the session so far under every profile, only where they differ",
        details: "Runs the commands so far under docs, windows and reactos and prints, command by command, the results, events and table cells that differ (section J of the rules)."),
    CommandSpec(
        name: "crosscheck", aliases: [], group: .teaching, effect: .changesNothing,
        forms: [command([.rest("file")]) { a in .crosscheck(a.text) }],
        summary: "crosscheck FILE: run a script in the model and on the Linux kernel, and show where they differ",
        details: """
        Runs FILE in a fresh model session under this session's profile and on a fresh linux backend
        (real sockets on the loopback interface), command by command, and prints both sides with the
        differences marked, then a summary. Compared: each provider call's result as `last` reads it;
        after each advance and at the end, each connected socket's peer fin, reset and error and each
        thread's state and last result; every expect line's verdict. Byte counts, queues, TCP states
        and events are shown, not compared; what has no counterpart on Linux shows n/a. Any
        difference counts as a failed expectation. `closelab --crosscheck FILE` does the same from the
        command line (with --profile, linux by default).
        """),
]
