/// The semantic profile: the model takes its policy as data (docs/rules.md section J). Each
/// property below is one item of section J, named for what it decides; the calls read the
/// property, never the profile's name.
public enum Profile: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// The documentation as docs/rules.md decides it (the default).
    case docs
    /// What real Windows was recorded doing (Wine's conformance tests).
    case windows
    /// ReactOS's msafd provider, bugs included.
    case reactos
    /// What the Linux TCP stack (kernel 6.x) does with the same script, each item tied to the kernel
    /// function that decides it; `--backend linux` and `crosscheck` check it against the real kernel.
    case linux

    /// The profile's name, as `set profile` spells it.
    public var description: String { rawValue }

    // MARK: windows and reactos

    /// J/windows: pending operations belong to the underlying socket; only the last close
    /// aborts them (R18's [Windows] note).
    var operationsBelongToSocket: Bool { self == .windows }
    /// J/windows: what the peer's receive reports after sending to an endpoint with no
    /// descriptor left (R43a).
    var peerErrorAfterDataToOrphan: WinsockError { self == .windows ? .connectionAborted : .connectionReset }
    /// J/reactos: the reference count is dropped before WSAEWOULDBLOCK and never restored (R12).
    var losesReferenceOnWouldBlock: Bool { self == .reactos }
    /// J/reactos: a zero-linger close after SD_RECEIVE closes gracefully instead of resetting.
    var zeroLingerAfterReceiveShutdownIsGraceful: Bool { self == .reactos }
    /// J/reactos: WSPCleanup only counts; it resets, aborts and wakes nothing.
    var cleanupOnlyCounts: Bool { self == .reactos }
    /// Whether setting this linger option on a datagram socket succeeds instead of failing with
    /// WSAENOPROTOOPT (R29 and J); `storesDatagramLinger` says whether it also changes anything.
    func acceptsDatagramSet(of option: SocketOption) -> Bool {
        switch self {
        case .docs: false
        case .windows, .linux: option == .linger || option == .dontLinger
        case .reactos: option == .linger
        }
    }

    // MARK: linux: the close (__tcp_close, inet_release, sk_stream_wait_close)

    /// J/linux: a lingering close blocks on a nonblocking socket too, never WSAEWOULDBLOCK
    /// (`inet_release` never looks at O_NONBLOCK).
    var lingersWhateverTheMode: Bool { self == .linux }
    /// J/linux: the descriptor is released as the close starts, before it lingers (`close_fd`), and
    /// the lingering close waits until our FIN is acknowledged (`sk_stream_wait_close`); at its
    /// timeout, or when cancelled, it returns 0 and resets nothing: the socket finishes as a
    /// graceful orphan (`__tcp_close`). Otherwise R11, R25 and R49 hold.
    var lingersOnAnOrphan: Bool { self == .linux }
    /// J/linux: a blocked call, a pending operation and an unused protocol-info block each hold a
    /// reference to the socket (its open file, `fput`): closing a descriptor wakes and aborts
    /// nothing, and the socket's own close waits for the last of them. Otherwise R18, R19, R4.
    var callsHoldTheSocket: Bool { self == .linux }
    /// J/linux: a process's exit closes each of its descriptors as `close` would but never lingers
    /// (`inet_release` under PF_EXITING); otherwise it is a final cleanup (R39).
    var exitClosesWithoutLingering: Bool { self == .linux }
    /// J/linux: an orphan that cannot finish is dropped at `graceful-timeout` without an RST
    /// (`tcp_write_err`); otherwise the provider resets it (R9).
    var orphanGivesUpWithReset: Bool { self != .linux }
    /// J/linux: how long an orphan may stay in FIN_WAIT_2 (`tcp_fin_timeout`, counted from entering
    /// it); nil: only `graceful-timeout` limits it (R9).
    var finWait2Timeout: Span? { self == .linux ? .seconds(60) : nil }
    /// How long TIME_WAIT lasts unless `set timewait` says otherwise (R43; J/linux: `TCP_TIMEWAIT_LEN`).
    public var timeWait: Span { self == .linux ? .seconds(60) : .seconds(240) }
    /// J/linux: once both FINs are exchanged, a socket that still has a descriptor is CLOSED; the
    /// TIME_WAIT belongs to a separate timewait socket (`tcp_time_wait`).
    var keepsTimeWaitOnlyForOrphans: Bool { self == .linux }

    // MARK: linux: the data path (tcp_recvmsg_locked, inet_shutdown, tcp_reset)

    /// J/linux: a cancelled blocking send or receive does not reset the connection (no R26), and a
    /// cancelled send that had queued bytes returns their count (`sk_stream_wait_memory`).
    var cancelledCallResets: Bool { self != .linux }
    /// J/linux: SD_RECEIVE only marks the socket (`inet_shutdown`): a receive returns what is queued,
    /// then 0, and data arriving later is kept (no RST unless our FIN is owed or sent).
    var receiveShutdownOnlyMarks: Bool { self == .linux }
    /// J/linux: shutdown on a CLOSED connection fails with WSAENOTCONN (`inet_shutdown`), also after
    /// an orderly end; otherwise it succeeds after our FIN (R33).
    var shutdownOfFinishedConnectionFails: Bool { self == .linux }
    /// J/linux: a reset's error is reported once (`sock_error`), after the bytes already received
    /// (`tcp_recvmsg_locked`); then receives return 0 and sends fail with EPIPE. A reset that comes
    /// after the FIN is not reported at all. Otherwise R42 and R43: unread bytes are lost and
    /// the error stays.
    var reportsResetOnce: Bool { self == .linux }

    // MARK: linux: the provider (no SPI)

    /// WSPStartup and WSPCleanup are counted (R35); not under `linux`, which has no such calls.
    var countsStartups: Bool { self != .linux }
    /// The WPU up-calls of R6 and R40; none under `linux` (every socket is a file).
    var makesUpCalls: Bool { self != .linux }
    /// J/linux: handle values are always reused, lowest first, as the kernel's descriptors are
    /// (`reuse on`, R23).
    var alwaysReusesHandles: Bool { self == .linux }
    /// J/linux: SO_LINGER and SO_DONTLINGER on a datagram socket are stored and read back as on a
    /// stream socket (`sk_setsockopt`); its close still never lingers (R15).
    var storesDatagramLinger: Bool { self == .linux }
    /// What getsockopt(SO_SNDBUF) reads on a socket made with `set sndbuf` at `chosen` (nil: never
    /// set) and a queue of `size` bytes. J/linux: what the kernel keeps (`__sock_set_sndbuf`): twice
    /// the value set, at least SOCK_MIN_SNDBUF (4608), at most twice wmem_max (4 MiB here); unset,
    /// its default (16384 for TCP from tcp_wmem, 212992 for UDP). The model's queue still holds `size`.
    func sendBufferReadBack(chosen: Int?, size: Int, type: SocketType) -> Int {
        switch self {
        case .docs, .windows, .reactos: size
        case .linux: chosen.map { max(min($0, 4_194_304) * 2, 4608) } ?? (type == .stream ? 16_384 : 212_992)
        }
    }
    /// J/linux: a failed call shows the errno beside the Winsock name (`Outcome.hostError`).
    var showsErrno: Bool { self == .linux }
}
