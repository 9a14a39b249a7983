/// The objects of the world. Each lifecycle is an enum whose cases carry what is valid in
/// that state.
///
/// A socket's life, as the provider sees it:
///
///       WSPSocket                          last close (graceful, R9)        FIN_WAIT_2 / TIME_WAIT
///     ───────────▶ referenced ──────────────────────────────▶ orphaned ─────────────────────────▶ released
///                  (refcount ≥ 1)  │  last close (hard R10, R15,   (refcount 0,   ▲  give-up time, reset,
///                      │   ▲       │  or reset while orphaned)     draining)     │  LAST_ACK's ACK
///                      │   │       └───────────────────────────────────────────────▶ released
///        WSPSocket(FROM_PROTOCOL_INFO) raises the count; a non-last close lowers it (R2, R4).
///
/// Its TCP state runs independently (R43): CREATED → ESTABLISHED → FIN_WAIT_1 → FIN_WAIT_2 →
/// TIME_WAIT → CLOSED, or → CLOSE_WAIT → LAST_ACK → CLOSED; FIN_WAIT_1 → CLOSING → TIME_WAIT;
/// any → CLOSED on a reset.

/// TCP-like states (R43). Datagram sockets stay `CREATED`.
public enum TCPState: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case created = "CREATED"
    case established = "ESTABLISHED"
    case finWait1 = "FIN_WAIT_1"
    case finWait2 = "FIN_WAIT_2"
    case closing = "CLOSING"
    case closeWait = "CLOSE_WAIT"
    case lastAck = "LAST_ACK"
    case timeWait = "TIME_WAIT"
    case closed = "CLOSED"
    public var description: String { rawValue }
}

/// Who holds a socket.
public enum SocketLifecycle: Hashable, Sendable {
    /// At least one descriptor refers to it. Can move to: orphaned, released, leaked.
    case referenced
    /// No descriptor left; a graceful close finishes in the background (R9). Can move to: released.
    case orphaned(since: Instant)
    /// ReactOS only: the reference count was lost (J), the last descriptor went away without a
    /// disconnect and the socket is never released. Final.
    case leaked
    /// The provider discarded it. Final: its row stays visible as CLOSED.
    case released(at: Instant)
}

/// How a connection was reset, if it was.
public enum ResetCause: Hashable, Sendable {
    /// By us or by the peer: later calls fail with WSAECONNRESET.
    case reset
    /// After a cancelled blocking send or receive (R26): later calls fail with WSAECONNABORTED.
    case cancelledCall

    var error: WinsockError { self == .reset ? .connectionReset : .connectionAborted }
}

/// Who waits on a socket: a thread blocked in a call, or a pending overlapped operation.
public enum Waiter: Hashable, Sendable {
    case thread(ThreadID)
    case operation(OperationID)
}

/// A blocking close that lingers (R11): the closing thread and descriptor.
public struct LingeringClose: Hashable, Sendable {
    public var thread: ThreadID
    public var handle: HandleID
    /// Tells this linger's timeout from an earlier, cancelled one.
    var generation: Int
}

/// The simulated remote end of a connected stream socket (R41, R42).
public struct Peer: Hashable, Sendable {
    /// Its receive buffer.
    public var window: Int
    /// Bytes delivered to its stack.
    public var received = 0
    /// Bytes its application has read.
    public var read = 0
    /// Our FIN reached it.
    public var hasReceivedFin = false
    /// Our RST reached it, and what its next receive then reports.
    public var resetError: WinsockError? = nil
    /// The peer application sent its FIN / its RST (no more sends after either).
    public var hasSentFin = false
    public var hasSentReset = false
    /// Bytes the peer application has sent to us.
    public var sent = 0
    /// When the peer's earlier segments have all left (its next segment leaves then).
    var nextDeparture = Instant.zero

    public var hasReceivedReset: Bool { resetError != nil }
    public var unread: Int { received - read }
    /// The free part of its receive window (never negative).
    public var freeWindow: Int { max(0, window - unread) }

    /// What the peer's next receive reports (the `sN.peer.error` path): its reset error,
    /// `0` after our FIN with every byte read, else `none`.
    public var nextReceiveError: String {
        if let e = resetError { return e.description }
        if hasReceivedFin && read == received { return "0" }
        return "none"
    }
}

/// The provider's underlying socket.
public struct Socket: Hashable, Sendable {
    public let id: SocketID
    public let type: SocketType
    public internal(set) var state: TCPState = .created
    public internal(set) var lifecycle: SocketLifecycle = .referenced
    /// Open descriptors referring to it, in all processes (R2).
    public internal(set) var refcount = 1
    public internal(set) var linger = Linger.default
    public internal(set) var isNonblocking: Bool
    public let sendBufferSize: Int
    /// Bytes accepted by WSPSend and not yet delivered to the peer (R13).
    public internal(set) var sendQueue = 0
    public internal(set) var isSendShutdown = false
    public internal(set) var isReceiveShutdown = false
    /// A stream socket that ever connected; a datagram socket with a default destination.
    public internal(set) var hasConnected = false
    public internal(set) var resetCause: ResetCause? = nil
    /// Our FIN is owed after the queued data (R31) / was sent.
    public internal(set) var isFinOwed = false
    public internal(set) var isFinSent = false
    /// Bytes received from the peer and not yet read.
    public internal(set) var receiveBuffer = 0
    public internal(set) var hasPeerFinArrived = false
    public internal(set) var sendWaiters: [Waiter] = []
    public internal(set) var receiveWaiters: [Waiter] = []
    public internal(set) var lingeringClose: LingeringClose? = nil
    public internal(set) var peer: Peer? = nil
    /// Bytes thrown away by resets (`sN.discarded`).
    public internal(set) var discarded = 0
    /// Accounting for the invariant accepted = delivered + discarded + queued.
    public internal(set) var accepted = 0
    public internal(set) var delivered = 0
    /// Every descriptor that ever referred to it, in order (its rows in the handle table).
    public internal(set) var handleIDs: [HandleID] = []
    /// ReactOS only: references lost before WSAEWOULDBLOCK (J).
    public internal(set) var lostReferences = 0

    // Transmission (R46): bytes move at `net rate` while the clock advances.
    var isTransmitting = false
    var transmitAnchor = Instant.zero
    /// Fractional credit carried between instants, in byte·nanoseconds·rate units (÷ 1e9 = bytes).
    var transmitCredit: Int128 = 0
    /// Bytes transmitted in the current TX stretch, and when it began.
    var stretch = 0
    var stretchStart = Instant.zero
    var lingerGeneration = 0

    init(id: SocketID, type: SocketType, nonblocking: Bool, sendBufferSize: Int) {
        self.id = id
        self.type = type
        self.isNonblocking = nonblocking
        self.sendBufferSize = sendBufferSize
    }

    public var isReleased: Bool { if case .released = lifecycle { true } else { false } }
    public var isOrphan: Bool { if case .orphaned = lifecycle { true } else { false } }
    /// No descriptor refers to it, but the provider still holds it (an orphan or a leak).
    public var isUnreferencedButAlive: Bool {
        switch lifecycle {
        case .orphaned, .leaked: true
        case .referenced, .released: false
        }
    }
    public var freeSendBuffer: Int { max(0, sendBufferSize - sendQueue) }
    /// A connected stream socket that is not reset or finished.
    var isConnectedStream: Bool { type == .stream && hasConnected && resetCause == nil && state != .closed }
}

/// A descriptor: valid only in its own process (R5).
public struct Handle: Hashable, Sendable {
    public let id: HandleID
    public let process: ProcessID
    public let socket: SocketID
    public internal(set) var isOpen = true
    /// Pending overlapped operations issued through it.
    public internal(set) var pendingCount = 0
}

/// An overlapped send or receive that did not finish at once.
public struct Operation: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case send, recv }
    public enum Status: Hashable, Sendable, CustomStringConvertible {
        case pending
        case completed
        case failed(WinsockError)
        public var description: String {
            switch self {
            case .pending: "pending"
            case .completed: "completed"
            case .failed(let e): e.description
            }
        }
    }
    public let id: OperationID
    public let kind: Kind
    public let handle: HandleID
    public let socket: SocketID
    public let process: ProcessID
    public let thread: ThreadID
    public let requested: Int
    public internal(set) var status: Status = .pending
    /// Bytes transferred (0 until it completes).
    public internal(set) var bytes = 0
    /// Its completion action (event, routine or port) was performed (R18 vs R36).
    public internal(set) var isNotified = false

    public var isPending: Bool { status == .pending }
}

/// What a blocked thread is waiting in.
public enum BlockedCall: Hashable, Sendable {
    /// A blocking send still queueing `remaining` of `total` bytes (R44).
    case send(HandleID, SocketID, total: Int, remaining: Int)
    case recv(HandleID, SocketID, bytes: Int)
    /// A lingering close (R11).
    case close(HandleID, SocketID)

    public var name: CallName {
        switch self {
        case .send: .send
        case .recv: .recv
        case .close: .closeSocket
        }
    }
    public var handle: HandleID {
        switch self {
        case .send(let h, _, _, _), .recv(let h, _, _), .close(let h, _): h
        }
    }
    public var socket: SocketID {
        switch self {
        case .send(_, let s, _, _), .recv(_, let s, _), .close(_, let s): s
        }
    }
}

public enum ThreadState: Hashable, Sendable, CustomStringConvertible {
    case running
    case blocked(BlockedCall)
    case exited
    public var description: String {
        switch self {
        case .running: "running"
        case .blocked: "blocked"
        case .exited: "exited"
        }
    }
}

public struct SimulatedThread: Hashable, Sendable {
    public let id: ThreadID
    public let process: ProcessID
    public internal(set) var state: ThreadState = .running
    /// The result of the last call it finished (`TN.result`).
    public internal(set) var lastResult: CallResult? = nil

    public var isBlocked: Bool { if case .blocked = state { true } else { false } }
    public var blockedCall: BlockedCall? { if case .blocked(let c) = state { c } else { nil } }
}

public struct SimulatedProcess: Hashable, Sendable {
    public let id: ProcessID
    /// WSPStartup count (R35). P1 starts at 1.
    public internal(set) var startupCount = 1
    public internal(set) var threads: [ThreadID]
    public internal(set) var isAlive = true
}

/// What WSPDuplicateSocket returned for one target process (R4).
public struct ProtocolInfo: Hashable, Sendable {
    public let id: ProtocolInfoID
    public let socket: SocketID
    public let source: HandleID
    public let target: ProcessID
    public internal(set) var isUsed = false
}
