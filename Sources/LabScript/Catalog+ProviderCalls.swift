import WinsockModel

private let bytes = Pattern.number("bytes", 0...(1 << 40))
private let u16 = 0...65_535

/// The provider calls: each answers to its SPI and API names (docs/language.md, "Provider calls").
let providerCalls: [CommandSpec] = [
    CommandSpec(
        name: "socket", aliases: ["WSPSocket", "WSASocket"], group: .provider, effect: .changesSession,
        forms: [
            call([.word("from"), .name(.protocolInfo)]) { a in .socketFromProtocolInfo(a.protocolInfo) },
            call([.flags(["stream", "dgram", "overlapped", "nonblocking"])]) { a throws(Diagnostic) in
                let f = a.flags
                if f.contains("stream") && f.contains("dgram") {
                    throw Diagnostic(column: a.commandColumn, "socket: choose stream or dgram, not both")
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
        name: "connect", aliases: ["WSPConnect", "WSAConnect"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle)]) { a in .connect(a.handle) }],
        summary: "WSPConnect: a stream socket becomes ESTABLISHED with a new peer",
        details: """
        A stream socket becomes ESTABLISHED at once with a simulated peer whose receive window is
        `set window` (default 65536). A datagram socket only records its default destination (R47).
        A second connect of a stream socket fails with WSAEISCONN (R43).
        """),
    CommandSpec(
        name: "setsockopt", aliases: ["WSPSetSockOpt"], group: .provider, effect: .changesSession,
        forms: [
            call([.name(.handle), .word("SO_LINGER"), .number("onoff", u16), .number("seconds", u16)]) { a in
                .setLinger(a.handle, onoff: a.number("onoff"), seconds: a.number("seconds"))
            },
            call([.name(.handle), .word("SO_DONTLINGER"), .choice(["0", "1", "true", "false"])]) { a in
                .setDontLinger(a.handle, a.keyword(is: "1") || a.keyword(is: "true"))
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
        name: "getsockopt", aliases: ["WSPGetSockOpt"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), .choice([SocketOption.linger, .dontLinger, .sendBuffer].map(\.rawValue))]) { a in
            .getSockOpt(a.handle, a.keyword(as: SocketOption.self))
        }],
        summary: "WSPGetSockOpt: read SO_LINGER, SO_DONTLINGER or SO_SNDBUF",
        details: """
        SO_LINGER reads `off` or `on 5s`; SO_DONTLINGER reads true exactly when l_onoff is 0 (R28);
        SO_SNDBUF reads the send buffer size.
        """),
    CommandSpec(
        name: "ioctl", aliases: ["WSPIoctl", "ioctlsocket"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), .word("FIONBIO"), .choice(["0", "1"])]) { a in
            .setNonblocking(a.handle, a.keyword(is: "1"))
        }],
        summary: "WSPIoctl: FIONBIO 1 makes the socket nonblocking, 0 blocking",
        details: "The blocking mode belongs to the socket and is shared by all its descriptors (R3)."),
    CommandSpec(
        name: "send", aliases: ["WSPSend", "WSASend"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), bytes, .optional(.word("overlapped"))]) { a in
            .send(a.handle, bytes: a.number("bytes"), overlapped: a.has("overlapped"))
        }],
        summary: "WSPSend: queue bytes for the peer (blocking, nonblocking or overlapped)",
        details: """
        Bytes that fit in the free send buffer are queued at once. Otherwise a blocking socket blocks
        the thread until all are queued; a nonblocking one queues what fits or fails with
        WSAEWOULDBLOCK; an overlapped send fails with WSA_IO_PENDING and becomes opN, queued whole
        later (R44). Queued bytes leave only while the clock advances (R46).
        """),
    CommandSpec(
        name: "recv", aliases: ["WSPRecv", "WSARecv"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), bytes, .optional(.word("overlapped"))]) { a in
            .recv(a.handle, bytes: a.number("bytes"), overlapped: a.has("overlapped"))
        }],
        summary: "WSPRecv: take bytes the peer sent (blocking, nonblocking or overlapped)",
        details: """
        Data waiting: returns up to the count at once. None: after a reset WSAECONNRESET, after the
        peer's FIN 0; otherwise blocks, fails with WSAEWOULDBLOCK, or pends as opN by mode (R45).
        """),
    CommandSpec(
        name: "shutdown", aliases: ["WSPShutdown"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), .choice(ShutdownWord.allCases.map(\.rawValue))]) { a in
            .shutdown(a.handle, how: a.keyword(as: ShutdownWord.self).how)
        }, call([.name(.handle), .number("how", 0...maximumNumber)]) { a in
            .shutdown(a.handle, how: a.number("how"))
        }],
        summary: "WSPShutdown: send|receive|both, or a number passed as how",
        details: """
        SD_SEND: no more sends, FIN after the queued data. SD_RECEIVE: no more receives; data arriving
        with no receive pending resets the connection. Never blocks, ignores linger, frees nothing (R31–R33).
        """),
    CommandSpec(
        name: "close", aliases: ["WSPCloseSocket", "closesocket"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle)]) { a in .close(a.handle) }],
        summary: "WSPCloseSocket: release a descriptor; the last one closes the connection",
        details: """
        Releases exactly this descriptor (R1). Only the last descriptor of a socket acts on the
        connection (R2). Bytes from the peer still unread (RECVQ) make it hard whatever the linger
        option: RST, no wait, no WSAEWOULDBLOCK (R51; receive until 0 first to avoid it, R34).
        Otherwise its linger option decides (R7): graceful in the background (R9), hard with RST
        (R10), lingering while the queue drains (R11), or WSAEWOULDBLOCK when nonblocking (R12).
        Pending overlapped operations through it are aborted (R18); blocked threads wake with WSAEINTR (R19).
        """),
    CommandSpec(
        name: "duplicate", aliases: ["WSPDuplicateSocket", "WSADuplicateSocket"], group: .provider, effect: .changesSession,
        forms: [call([.name(.handle), .name(.process)]) { a in .duplicate(a.handle, a.process) }],
        summary: "WSPDuplicateSocket: make a protocol-info block for a target process (→ piN)",
        details: """
        Changes no reference count: the target process consumes the block with `socket from piN` (run
        it there: `use PN` or `on TN`), and only then does the count rise. A block is single use (R4).
        """),
    CommandSpec(
        name: "startup", aliases: ["WSPStartup", "WSAStartup"], group: .provider, effect: .changesSession,
        forms: [call([]) { _ in .startup }],
        summary: "WSPStartup for the current process (counted, R35)",
        details: "Startups and cleanups are counted per process; P1 starts with a count of 1."),
    CommandSpec(
        name: "cleanup", aliases: ["WSPCleanup", "WSACleanup"], group: .provider, effect: .changesSession,
        forms: [call([]) { _ in .cleanup }],
        summary: "WSPCleanup for the current process (the one reaching 0 acts, R35–R38)",
        details: """
        Only the cleanup that brings the count to 0 acts: it aborts pending operations without their
        completion action, fails blocked calls with WSAEINTR, and resets and releases every descriptor
        the process holds; orphans keep draining (R36–R38).
        """),
    CommandSpec(
        name: "cancel", aliases: ["WSPCancelBlockingCall", "WSACancelBlockingCall"], group: .provider, effect: .changesSession,
        forms: [Form([.optional(.name(.thread))]) { a in .call(.cancelBlockingCall, a.optional.thread) }],
        summary: "WSPCancelBlockingCall from TN's blocking hook (default: the current thread)",
        details: """
        Cancels TN's outstanding blocking call, which fails with WSAEINTR; with none, WSAEINVAL (R25).
        A cancelled send or receive on a stream resets the connection (R26).
        """),
]

/// shutdown's keywords, and the `how` each passes to WSPShutdown.
private enum ShutdownWord: String, CaseIterable {
    case send, receive, both
    case sdSend = "SD_SEND", sdReceive = "SD_RECEIVE", sdBoth = "SD_BOTH"

    var how: Int {
        switch self {
        case .send, .sdSend: ShutdownHow.send
        case .receive, .sdReceive: ShutdownHow.receive
        case .both, .sdBoth: ShutdownHow.both
        }
    }
}
