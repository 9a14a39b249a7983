import WinsockModel

// The lab's own records of what it made. The kernel holds the truth about each socket; these
// hold the lab's names for it (h1, s1, pi1, T1), the descriptors it owns, and what it has seen
// (latched: a FIN or RST observed once stays observed, even after a read consumed its trace).

/// A descriptor the lab handed out (`hN`): its name for one fd of one process. Names are reused,
/// lowest free first, as the kernel reuses descriptor numbers (J: `reuse on`, R23): a released `hN`
/// goes to the next descriptor made, in any process.
struct HandleRecord {
    let id: HandleID
    let socket: SocketID
    /// The process whose descriptor table holds it (R5: valid only there).
    let process: ProcessID
    /// Which descriptor this is among all the lab made: a reused name is a new descriptor, so an
    /// operation points at this, not at the name.
    let serial: Int
    /// The fd, that process's number for it, while the handle is open; nil from the moment its
    /// close is issued or its process ended. A released handle never reaches the kernel again
    /// (R1): the kernel reuses numbers, and the lab's peer, listener or a newer socket may own that
    /// number now.
    var fd: Int32?
    var isOpen: Bool { fd != nil }
}

/// What was last read from the kernel about a socket: kept for when no descriptor is left to
/// ask through (an orphan shows the values /proc/net/tcp gives, and the options it had).
struct SocketReading: Hashable, Sendable {
    var state: TCPState = .created
    var sendQueue = 0
    var receiveQueue = 0
    var linger = Linger.default
    var isNonblocking = false
}

/// An underlying socket (`sN`): everything the lab knows about it besides its descriptors.
struct SocketRecord {
    let id: SocketID
    let type: SocketType
    /// Every descriptor that ever referred to it, in order.
    var handles: [HandleID] = []
    /// A stream socket that connected (or started to); a datagram socket with a destination.
    var hasConnected = false
    /// Its own port once connected: with the listener's port, its 4-tuple in /proc/net/tcp.
    var localPort: UInt16?
    /// It did shutdown(SHUT_WR) / shutdown(SHUT_RD) itself (EPIPE's meaning, R31).
    var didShutdownSend = false
    var didShutdownReceive = false
    /// The accepted end of its connection (`sN.peer`).
    var peer: PeerRecord?
    /// Our socket observed the peer's FIN / RST (`PEER-FIN sN`, `PEER-RST sN`), latched.
    var sawPeerFin = false
    var sawPeerReset = false
    /// Who holds it, as last observed.
    var holder: SocketHolder = .descriptors
    var reading = SocketReading()

    var isReleased: Bool {
        if case .released = holder { true } else { false }
    }
}

/// The accepted socket at the other end of one connection: the peer application (R41, R42).
struct PeerRecord: Hashable {
    /// Its descriptor; nil after `peer sN reset` closed it.
    var fd: Int32?
    /// Bytes its application read / sent.
    var read = 0
    var sent = 0
    /// Our FIN / our RST reached it (poll: POLLRDHUP / POLLERR), latched.
    var hasReceivedFin = false
    var hasReceivedReset = false
    /// Its receive already reported the reset (then it reads 0: J).
    var hasReportedReset = false
    var closing: PeerClosing = .no
    /// Last read from the kernel: bytes arrived and not read (SIOCINQ), its SO_RCVBUF.
    var unread = 0
    var window = 0

    /// What its next receive reports (`sN.peer.error`). After our RST it is WSAECONNRESET until
    /// a receive has reported it (Linux first hands over the bytes it already had, J), and 0 after
    /// that; after our FIN, 0 once every byte was read. A reset that came after our FIN is not
    /// reported to it at all (J: the kernel sets EPIPE, and a receive after the FIN returns 0).
    var nextReceive: PeerReceive {
        if hasReceivedReset && !hasReceivedFin && !hasReportedReset { return .error(.connectionReset) }
        if (hasReceivedFin || hasReportedReset) && unread == 0 { return .endOfStream }
        return .none
    }
}

/// A protocol-info block made by `duplicate hN PN` (R4). Under Linux the descriptor is made or
/// sent at once, so an unused block keeps the socket alive, as J says it does: the block holds a
/// dup(2) in the target process, or the SCM_RIGHTS message that carries the descriptor to it.
struct ProtocolInfoRecord {
    let id: ProtocolInfoID
    let socket: SocketID
    let source: HandleID
    let target: ProcessID
    /// What holds the descriptor until `socket from` takes it; nil once taken, or once the target
    /// process ended (its exit closed the dup or the mailbox, and the message with it).
    var holding: BlockHolding?
    var isUsed = false
}

/// Where an unused block's descriptor is; both numbers are the target process's.
enum BlockHolding: Hashable {
    /// `duplicate hN PN` within PN: a dup(2) of the source, already in PN's table.
    case duplicate(fd: Int32)
    /// `duplicate hN PN` to another process: in flight, in an SCM_RIGHTS message queued on a
    /// socket pair (the mailbox) whose receiving end `mailbox` PN holds; `socket from` receives it.
    case message(mailbox: Int32)
}

/// A provider call handed to a worker and not yet answered.
struct CallInFlight {
    let call: ProviderCall
    /// The socket the call acts on, if any.
    let socket: SocketID?
    /// Set once the call was reported blocked (`BLOCK TN …`): its WAKE is then owed.
    var isBlocked = false
    /// A blocking send's progress.
    var progress: SendProgress?
}

/// One of the lab's threads (`TN`) and the real thread behind it.
struct ThreadRecord {
    let id: ThreadID
    let process: ProcessID
    let host: ThreadHost
    var inFlight: CallInFlight?
    /// The result of the last call it finished (`TN.result`).
    var lastResult: CallResult?
    /// Its process ended (R39: its threads are exited).
    var isExited = false

    var isBlocked: Bool { inFlight?.isBlocked ?? false }
}

/// Where a lab thread's real thread runs.
enum ThreadHost {
    /// A worker of the lab's own process (P1).
    case lab(Worker)
    /// Thread number `index` of a helper process, kernel thread id `kernelThreadID` there.
    case helper(HelperProcess, index: Int, kernelThreadID: Int32)
}

/// One of the lab's processes (`PN`): P1 is closelab itself, every other one a helper.
struct ProcessRecord {
    let id: ProcessID
    /// Nil for P1.
    let helper: HelperProcess?
    var threads: [ThreadID] = []
    /// How it ended, once it did (`process exit`, or killed from outside).
    var ending: HelperEnding?

    var isAlive: Bool { ending == nil }
}

/// An overlapped send or receive that did not finish at once (`opN`): its first attempt's
/// duplicate of the descriptor keeps the socket while a thread of its own finishes it (J).
struct OperationRecord {
    let id: OperationID
    let kind: OperationKind
    let handle: HandleID
    /// The `serial` of the descriptor it was issued through (the name may be reused since).
    let descriptor: Int
    let socket: SocketID
    let thread: ThreadID
    let requested: Int
    var status: OperationStatus = .pending
    /// Bytes transferred once it ended (0 while pending).
    var bytes = 0
    /// What runs it while it is pending; nil once it ended.
    var runner: OperationRunner?
}

/// The thread that finishes a pending operation.
enum OperationRunner {
    /// A worker of the lab's own process, made for this operation alone.
    case lab(Worker)
    /// A thread of a helper, which reports the end as `operationDone`.
    case helper(HelperProcess)
}
