/// The objects of the world. Each lifecycle is an enum whose cases carry what is valid in that
/// state; each case says where it can go ("Can move to: …"), and the diagrams below draw them.
///
/// Who holds a socket (`Socket.lifecycle`, R2, R4, R9, J):
///
///     WSPSocket ─▶ referenced ── last close, the connection still closing (R9, R43) ──▶ orphaned(since:)
///                   │ ▲  │  │                                                                   │
///                   └─┘  │  │                                     finished, reset, or given up  │
///     a new descriptor   │  │                                     on (R9, R43)                  ▼
///     (R4), a non-last   │  └── last close, nothing left to finish (R10, R15, R51) ────▶ released(at:)
///     close (R2)         │                                                                      ▲
///                        ├── [reactos] last descriptor gone, count lost (J) ──▶ leaked(by:) ────┤
///                        │                                reset, or its process exits (R39)     │
///                        └── [linux] last descriptor gone while a call, an operation or an      │
///                            unused block holds it (J) ──▶ held ── the last hold ends: the ─────┘
///                                     ▲                    │       socket's own close (or orphaned)
///                                     └─ socket from piN ──┘
///
/// A stream socket's connection (`Socket.endpoint`'s `.stream`, R41–R43, R26):
///
///     unconnected ──── WSPConnect (R41) ────▶ connected(Connection)
///      (CREATED)                              (ESTABLISHED … TIME_WAIT)
///         │                                     │                  │
///         │       LAST_ACK's ACK, TIME_WAIT's   │                  │  RST sent or received (R43),
///         │       end, give-up in FIN_WAIT_2    │                  │  a cancelled blocking call (R26)
///         │       (R9, R43)                     ▼                  ▼
///         │                               finished(Peer)     reset(ResetCause, Peer)
///         │                                 (CLOSED)               (CLOSED)
///         │
///         └── last close (R15), final cleanup (R37) ──▶ closed (CLOSED)
///
/// Inside `connected`, the TCP state (R43), with our FIN (`FinProgress`) and the peer's:
///
///     ESTABLISHED ── our FIN ──▶ FIN_WAIT_1 ── ACK ──▶ FIN_WAIT_2 ── peer's FIN ──▶ TIME_WAIT
///          │                          │                                                ▲
///          │ peer's FIN               └── peer's FIN ──▶ CLOSING ─────── ACK ──────────┘
///          ▼
///     CLOSE_WAIT ── our FIN ──▶ LAST_ACK
///
/// A datagram socket (`.datagram`, R47):
///
///     unaddressed ── WSPConnect ──▶ addressed ⟲ WSPConnect again
///         │                             │
///         └─────────────────────────────┴── last close (R15) ──▶ closed (CLOSED)
///
/// A descriptor (`Handle.lifecycle`, R1, R18, R37, R39):
///
///     WSPSocket ─▶ open(pending:) ── close, final cleanup, process exit ──▶ released(stillPending:)

/// TCP-like states (R43), as the STATE column and `STATE sN <state>` events show them. Datagram
/// sockets stay CREATED until they are closed.
public enum TCPState: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Not connected: a stream socket before WSPConnect, any datagram socket.
    /// Can move to: ESTABLISHED (a stream's WSPConnect), CLOSED (its last close, R15).
    case created = "CREATED"
    /// Connected; neither side has sent its FIN.
    /// Can move to: FIN_WAIT_1 (our FIN), CLOSE_WAIT (the peer's FIN), CLOSED (a reset).
    case established = "ESTABLISHED"
    /// Our FIN is sent and not yet acknowledged.
    /// Can move to: FIN_WAIT_2 (the ACK), CLOSING (the peer's FIN first), CLOSED (a reset).
    case finWait1 = "FIN_WAIT_1"
    /// Our FIN is acknowledged; the peer's has not come.
    /// Can move to: TIME_WAIT (the peer's FIN), CLOSED (a reset, or R9's give-up).
    case finWait2 = "FIN_WAIT_2"
    /// Both FINs crossed: the peer's arrived before the ACK of ours.
    /// Can move to: TIME_WAIT (the ACK), CLOSED (a reset).
    case closing = "CLOSING"
    /// The peer's FIN arrived first; ours is not sent yet.
    /// Can move to: LAST_ACK (our FIN), CLOSED (a reset).
    case closeWait = "CLOSE_WAIT"
    /// Our FIN followed the peer's and waits for its ACK.
    /// Can move to: CLOSED (the ACK, or a reset).
    case lastAck = "LAST_ACK"
    /// Both FINs are done; the socket waits `timewait` before it is CLOSED.
    /// Can move to: CLOSED (when it ends).
    case timeWait = "TIME_WAIT"
    /// Finished, reset, or closed unconnected. Final.
    case closed = "CLOSED"
    /// The name as printed (`FIN_WAIT_1`).
    public var description: String { rawValue }
}

/// Who holds a socket.
public enum SocketLifecycle: Hashable, Sendable {
    /// At least one descriptor refers to it. Can move to: orphaned, released, leaked.
    case referenced
    /// No descriptor left; a graceful close finishes in the background (R9), or TIME_WAIT runs out
    /// (R43). Can move to: released.
    case orphaned(since: Instant)
    /// ReactOS only: the reference count was lost (J), the last descriptor of process `by` went
    /// away without a disconnect and the provider never releases the socket by itself; it is
    /// treated as an orphan (peer data draws RST, R43a; its process's exit resets it, R39).
    /// Can move to: released.
    case leaked(by: ProcessID)
    /// Linux only (J): no descriptor is left, but a blocked call, a pending overlapped operation or
    /// a protocol-info block not yet used still holds the socket's open file (`fput`), so it has not
    /// been closed: the connection carries on as if a descriptor were open.
    /// Can move to: referenced (the block is used, R4), orphaned or released (the last hold ends
    /// and the socket's own close runs: `inet_release`, `__tcp_close`).
    case held
    /// The provider discarded it. Final: its row stays visible as CLOSED.
    case released(at: Instant)
}

/// Who waits on a socket: a thread blocked in a call, or a pending overlapped operation.
public enum Waiter: Hashable, Sendable {
    /// A thread blocked in a send or receive (R44, R45).
    case thread(ThreadID)
    /// A pending overlapped send or receive.
    case operation(OperationID)
}

/// A blocking close that lingers (R11): the closing thread and descriptor.
public struct LingeringClose: Hashable, Sendable {
    /// The thread blocked in WSPCloseSocket.
    public var thread: ThreadID
    /// The descriptor it closes: still valid until the close finishes (R49).
    public var handle: HandleID
    /// Tells this linger's timeout from an earlier, cancelled one.
    var generation: Int
}

/// The provider's underlying socket: what every descriptor of it shares (R3).
public struct Socket: Hashable, Sendable {
    // Stored in an order that wastes no padding (a million commands keep 200,000 sockets):
    // the 16-byte-aligned credit first, then the 8-byte fields, then the odd-sized enums and flags.
    /// Transmission (R46): fractional credit carried between instants, in byte·nanoseconds·rate
    /// units (÷ 1e9 = bytes).
    var transmitCredit: Int128 = 0
    /// Its name (`s1`).
    public let id: SocketID
    /// Open descriptors referring to it, in all processes (R2), less any ReactOS lost (J).
    public internal(set) var refcount = 1
    /// SO_LINGER / SO_DONTLINGER (R27, R28): the setting at the last close decides its type (R7).
    public internal(set) var linger = Linger.default
    /// Its send buffer, in bytes: `set sndbuf` when it was made.
    public let sendBufferSize: Int
    /// What getsockopt(SO_SNDBUF) reads (J/linux: the kernel's doubled value; else `sendBufferSize`).
    public let sendBufferReadBack: Int
    /// Bytes accepted by WSPSend and not yet delivered to the peer (R13).
    public internal(set) var sendQueue = 0
    /// Bytes received from the peer and not yet read (RECVQ; R45, R51).
    public internal(set) var receiveBuffer = 0
    /// Blocked senders and pending overlapped sends, in the order they came (R44).
    public internal(set) var sendWaiters: [Waiter] = []
    /// Blocked receivers and pending overlapped receives, in the order they came (R45).
    public internal(set) var receiveWaiters: [Waiter] = []
    /// Bytes thrown away by resets (`sN.discarded`): unsent data only (R51).
    public internal(set) var discarded = 0
    /// Bytes WSPSend accepted, for the invariant accepted = delivered + discarded + queued.
    public internal(set) var accepted = 0
    /// Bytes the peer's stack received (a datagram counts as delivered when it leaves).
    public internal(set) var delivered = 0
    /// Every descriptor that ever referred to it, in order (its rows in the handle table).
    public internal(set) var handleIDs = HandleList()
    /// ReactOS only: references lost before WSAEWOULDBLOCK (J).
    public internal(set) var lostReferences = 0
    // Transmission (R46): bytes move at `net rate` while the clock advances.
    var transmitAnchor = Instant.zero
    /// Bytes transmitted in the current TX stretch, and when it began.
    var stretch = 0
    var stretchStart = Instant.zero
    var lingerGeneration = 0
    /// Its kind, and what that kind keeps: a stream's connection, a datagram socket's destination.
    public internal(set) var endpoint: Endpoint
    /// Who holds it: descriptors, nobody while it drains (an orphan), or nobody for good.
    public internal(set) var lifecycle: SocketLifecycle = .referenced
    /// The blocking close that lingers on it, if one does (R11).
    public internal(set) var lingeringClose: LingeringClose? = nil
    /// FIONBIO (R3).
    public internal(set) var isNonblocking: Bool
    /// SD_SEND was done: sends fail with WSAESHUTDOWN (R31).
    public internal(set) var isSendShutdown = false
    /// SD_RECEIVE was done: receives fail with WSAESHUTDOWN, and unexpected data resets (R31).
    public internal(set) var isReceiveShutdown = false
    var isTransmitting = false

    init(id: SocketID, type: SocketType, nonblocking: Bool, sendBufferSize: Int, readBack: Int? = nil) {
        self.sendBufferReadBack = readBack ?? sendBufferSize
        self.id = id
        self.endpoint = switch type {
        case .stream: .stream(.unconnected)
        case .dgram: .datagram(.unaddressed)
        }
        self.isNonblocking = nonblocking
        self.sendBufferSize = sendBufferSize
    }

    /// Stream or datagram.
    public var type: SocketType { endpoint.type }
    /// The STATE column (R43).
    public var state: TCPState { endpoint.state }
    /// The connection while the socket is connected (ESTABLISHED … TIME_WAIT), else nil.
    public var connection: Connection? {
        if case .stream(.connected(let c)) = endpoint { c } else { nil }
    }
    /// Its peer, from the connect on, also once the connection is CLOSED; nil if it never connected.
    public var peer: Peer? {
        switch endpoint {
        case .stream(.connected(let c)): c.peer
        case .stream(.finished(let p)), .stream(.reset(_, let p)): p
        case .stream(.unconnected), .stream(.closed), .datagram: nil
        }
    }

    /// The provider discarded it.
    public var isReleased: Bool { if case .released = lifecycle { true } else { false } }
    /// No descriptor is left and a graceful close finishes in the background (R9).
    public var isOrphan: Bool { if case .orphaned = lifecycle { true } else { false } }
    /// No descriptor refers to it, but the provider still holds it (an orphan or a leak): data
    /// from the peer draws RST (R43a), and it is released once its connection ends.
    public var isUnreferencedButAlive: Bool {
        switch lifecycle {
        case .orphaned, .leaked: true
        case .referenced, .released, .held: false
        }
    }
    /// No descriptor refers to it, yet it exists: an orphan, a leak, or (linux) a socket a call
    /// holds. The sockets table is shown while one does.
    public var existsWithoutDescriptor: Bool {
        switch lifecycle {
        case .orphaned, .leaked, .held: true
        case .referenced, .released: false
        }
    }
    /// Room left in the send buffer (never negative).
    public var freeSendBuffer: Int { max(0, sendBufferSize - sendQueue) }

    /// Changes the connection, if the socket is connected; returns nil otherwise.
    mutating func updateConnection<T>(_ body: (inout Connection) -> T) -> T? {
        guard case .stream(.connected(var c)) = endpoint else { return nil }
        let result = body(&c)
        endpoint = .stream(.connected(c))
        return result
    }

    /// Changes the peer, if the socket ever connected; returns nil otherwise.
    mutating func updatePeer<T>(_ body: (inout Peer) -> T) -> T? {
        switch endpoint {
        case .stream(.connected(var c)):
            let result = body(&c.peer)
            endpoint = .stream(.connected(c))
            return result
        case .stream(.finished(var p)):
            let result = body(&p)
            endpoint = .stream(.finished(p))
            return result
        case .stream(.reset(let cause, var p)):
            let result = body(&p)
            endpoint = .stream(.reset(cause, p))
            return result
        case .stream(.unconnected), .stream(.closed), .datagram:
            return nil
        }
    }
}

/// A descriptor: valid only in its own process (R5).
public struct Handle: Hashable, Sendable {
    /// Its name (`h1`): with `set reuse on`, a later descriptor may bear it too (R23).
    public let id: HandleID
    /// The process it belongs to (R5).
    public let process: ProcessID
    /// The socket it refers to.
    public let socket: SocketID
    /// Which descriptor this is among all the session ever made: with `set reuse on` a name is
    /// handed out again (R23), so operations point at this, not at the name.
    public let serial: Int
    /// Open, or released.
    public internal(set) var lifecycle = HandleLifecycle.open(pending: 0)

    /// Calls through it are accepted (R1).
    public var isOpen: Bool {
        switch lifecycle {
        case .open: true
        case .released: false
        }
    }
    /// Overlapped operations issued through it that are still pending (the PENDING column).
    public var pendingCount: Int {
        switch lifecycle {
        case .open(let n), .released(let n): n
        }
    }

    /// An operation issued through it started (R44, R45) or ended (`by`: +1 or −1).
    mutating func countPending(by delta: Int) {
        switch lifecycle {
        case .open(let n): lifecycle = .open(pending: n + delta)
        case .released(let n): lifecycle = .released(stillPending: n + delta)
        }
    }

    /// It is released; what is still pending through it stays counted (J/windows).
    mutating func release() {
        if case .open(let n) = lifecycle { lifecycle = .released(stillPending: n) }
    }
}

/// Whether a descriptor is still valid, and how many overlapped operations issued through it are
/// pending.
public enum HandleLifecycle: Hashable, Sendable {
    /// Valid in its process. Can move to: released (a close that goes ahead, R1; a final cleanup,
    /// R37; its process's exit, R39).
    case open(pending: Int)
    /// Released: any call through it fails with WSAENOTSOCK (R1). Its pending operations were
    /// aborted as it was released (R18, R36) — except under `windows`, where they belong to the
    /// socket and stay pending until its last close (J): `stillPending` counts those. Final; with
    /// `set reuse on` its name may go to a new descriptor (R23).
    case released(stillPending: Int)
}

