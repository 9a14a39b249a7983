// Processes, their threads and what a thread can be blocked in, overlapped operations, and the
// protocol-info blocks WSPDuplicateSocket makes: the world's objects besides sockets and descriptors.

/// An overlapped send or receive that did not finish at once: WSA_IO_PENDING, then it completes
/// or is aborted (R18, R20, R36, R44, R45).
public struct OverlappedOperation: Hashable, Sendable {
    /// Send or receive.
    public typealias Kind = OperationKind
    /// Pending, completed, or failed with an error.
    public typealias Status = OperationStatus
    /// Its name (`op1`).
    public let id: OperationID
    /// Send or receive.
    public let kind: Kind
    /// The descriptor it was issued through.
    public let handle: HandleID
    /// The `serial` of the descriptor it was issued through (the name may be reused, R23).
    public let descriptor: Int
    /// The socket it waits on.
    public let socket: SocketID
    /// The process whose thread issued it: a close aborts its operations (R18).
    public let process: ProcessID
    /// The thread that issued it.
    public let thread: ThreadID
    /// The bytes asked for.
    public let requested: Int
    /// Pending until it completes or fails; then final.
    public internal(set) var status: Status = .pending
    /// Bytes transferred (0 until it completes).
    public internal(set) var bytes = 0
    /// Its completion action (event, routine or port) was performed (R18 vs R36).
    public internal(set) var isNotified = false

    /// It has neither completed nor failed yet.
    public var isPending: Bool { status == .pending }
}

/// What a blocked thread is waiting in.
public enum BlockedCall: Hashable, Sendable {
    /// A blocking send still queueing `remaining` of `total` bytes (R44).
    case send(HandleID, SocketID, total: Int, remaining: Int)
    /// A blocking receive of up to `bytes` bytes, waiting for data, the peer's FIN or a reset (R45).
    case recv(HandleID, SocketID, bytes: Int)
    /// A lingering close (R11).
    case close(HandleID, SocketID)

    /// The call, as `BLOCK` and `WAKE` name it.
    public var name: CallName {
        switch self {
        case .send: .send
        case .recv: .recv
        case .close: .closeSocket
        }
    }
    /// The descriptor it was called through: closing it wakes the thread (R19, R49).
    public var handle: HandleID {
        switch self {
        case .send(let h, _, _, _), .recv(let h, _, _), .close(let h, _): h
        }
    }
    /// The socket it waits on.
    public var socket: SocketID {
        switch self {
        case .send(_, let s, _, _), .recv(_, let s, _), .close(_, let s): s
        }
    }
}

/// Where a thread stands (`TN.state`).
public enum ThreadState: Hashable, Sendable, CustomStringConvertible {
    /// It can call. Can move to: blocked (a blocking call, R11, R44, R45), exited (R39).
    case running
    /// Inside one call: every other call it makes fails with WSAEINPROGRESS, except
    /// WSPCancelBlockingCall (R24, R25). Can move to: running (the call finishes, with `WAKE`),
    /// exited (R39).
    case blocked(BlockedCall)
    /// Its process exited (R39). Final.
    case exited
    /// `running`, `blocked` or `exited`.
    public var description: String {
        switch self {
        case .running: "running"
        case .blocked: "blocked"
        case .exited: "exited"
        }
    }
}

/// A thread of a simulated process: provider calls come from one (R5, R24). Named to stay clear
/// of Foundation's `Thread`.
public struct SimulatedThread: Hashable, Sendable {
    /// Its name (`T1`).
    public let id: ThreadID
    /// The process it belongs to: it shares that process's descriptors (R5).
    public let process: ProcessID
    /// Running, blocked in one call, or exited.
    public internal(set) var state: ThreadState = .running
    /// The result of the last call it finished (`TN.result`).
    public internal(set) var lastResult: CallResult? = nil

    /// It is inside a blocking call.
    public var isBlocked: Bool { if case .blocked = state { true } else { false } }
    /// The call it is blocked in, if it is.
    public var blockedCall: BlockedCall? { if case .blocked(let c) = state { c } else { nil } }
}

/// A simulated process: it owns descriptors (R5) and counts its WSPStartup calls (R35). Named to
/// stay clear of Foundation's `Process`.
public struct SimulatedProcess: Hashable, Sendable {
    /// Its name (`P1`).
    public let id: ProcessID
    /// WSPStartup count (R35). P1 starts at 1.
    public internal(set) var startupCount = 1
    /// Its threads, in creation order.
    public internal(set) var threads: [ThreadID]
    /// False once it exited (R39): its threads are exited and it holds no descriptor.
    public internal(set) var isAlive = true
}

/// What WSPDuplicateSocket returned for one target process (R4): a block that process turns into
/// its own descriptor with WSPSocket(FROM_PROTOCOL_INFO), once.
public struct ProtocolInfo: Hashable, Sendable {
    /// Its name (`pi1`).
    public let id: ProtocolInfoID
    /// The socket the new descriptor will refer to.
    public let socket: SocketID
    /// The descriptor WSPDuplicateSocket was called with.
    public let source: HandleID
    /// The only process that may use it (R4).
    public let target: ProcessID
    /// It was used: a second use fails with WSAEINVAL (R4).
    public internal(set) var isUsed = false
}
