/// What the tables, expectation paths and JSON records read, as typed values: one row per object.
///
/// The model's `World` provides them, and so does a live backend that ran the same calls against a
/// real TCP stack and observed the results. Presentation (labels, width, colour) is decided later,
/// from these values; nothing here is text to be read back.

/// A descriptor's state column: its socket's TCP state while it is open, `closed` once released.
public enum HandleState: Hashable, Sendable, CustomStringConvertible {
    /// Open: its socket's state (R43).
    case open(TCPState)
    /// Released (R1).
    case closed
    /// The STATE column: the TCP state, or `closed`.
    public var description: String {
        switch self {
        case .open(let s): s.description
        case .closed: "closed"
        }
    }
}

/// Who holds a socket (the sockets table's HELD column).
public enum SocketHolder: Hashable, Sendable, CustomStringConvertible {
    /// At least one descriptor refers to it.
    case descriptors
    /// No descriptor left; a graceful close finishes in the background (R9).
    case orphan
    /// ReactOS's lost reference count (J): no descriptor left and never released.
    case leaked
    /// Linux (J): no descriptor left, but a blocked call, a pending operation or an unused
    /// protocol-info block holds the socket's open file; it closes when the last of them ends.
    case held
    /// The provider discarded it at this instant.
    case released(at: Instant)

    /// The HELD column: `descriptors`, `orphan`, `leaked`, `held`, `released t=<ms>ms`.
    public var description: String {
        switch self {
        case .descriptors: "descriptors"
        case .orphan: "orphan"
        case .leaked: "leaked"
        case .held: "held"
        case .released(let at): "released t=\(at.milliseconds)ms"
        }
    }
    /// No descriptor refers to it but it still exists (an orphan, a leak, or held by a call).
    public var isUnreferencedButAlive: Bool {
        switch self {
        case .orphan, .leaked, .held: true
        case .descriptors, .released: false
        }
    }
}

/// What the peer's next receive reports (the `sN.peer.error` path).
public enum PeerReceive: Hashable, Sendable, CustomStringConvertible {
    /// Nothing decided yet: data may still come (`none`).
    case none
    /// End of stream: our FIN arrived and every byte was read (`0`).
    case endOfStream
    /// Our RST arrived: the receive fails with this error.
    case error(WinsockError)

    /// The `sN.peer.error` value: `none`, `0` or an error name.
    public var description: String {
        switch self {
        case .none: "none"
        case .endOfStream: "0"
        case .error(let e): e.description
        }
    }
}

/// How the peer application ended its side (the peers table's PEER CLOSED column).
public enum PeerClosing: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// It has not ended its side: it may still send.
    case no
    /// It sent its FIN.
    case fin = "FIN"
    /// It sent RST.
    case reset
    /// `no`, `FIN` or `reset`, as the peers table prints it.
    public var description: String { rawValue }
}

/// One row of the handle table (docs/language.md, "Tables").
public struct HandleRow: Hashable, Sendable {
    /// Its name.
    public var id: HandleID
    /// The process it belongs to (R5).
    public var process: ProcessID
    /// The socket it refers to.
    public var socket: SocketID
    /// Open descriptors of its socket, in all processes.
    public var refcount: Int
    /// Pending overlapped operations issued through this descriptor.
    public var pending: Int
    /// Bytes queued on its socket and not yet delivered (R13).
    public var sendQueue: Int
    /// Bytes that arrived from the peer and were not yet read (R51).
    public var receiveQueue: Int
    /// Its socket's linger option (R27).
    public var linger: Linger
    /// Its socket's blocking mode (R3).
    public var isNonblocking: Bool
    /// Its socket's TCP state, or `closed` once released.
    public var state: HandleState

    /// A row with these cells.
    public init(id: HandleID, process: ProcessID, socket: SocketID, refcount: Int, pending: Int, sendQueue: Int,
                receiveQueue: Int, linger: Linger, isNonblocking: Bool, state: HandleState) {
        self.id = id; self.process = process; self.socket = socket; self.refcount = refcount
        self.pending = pending; self.sendQueue = sendQueue; self.receiveQueue = receiveQueue
        self.linger = linger; self.isNonblocking = isNonblocking; self.state = state
    }
}

/// The peer of a connected stream socket, as the sockets and peers tables show it.
public struct PeerRow: Hashable, Sendable {
    /// Its receive buffer.
    public var window: Int
    /// Bytes delivered to its stack / read by its application.
    public var received: Int
    /// Bytes its application has read.
    public var read: Int
    /// Our FIN / our RST reached it.
    public var hasReceivedFin: Bool
    /// Our RST reached it (R42).
    public var hasReceivedReset: Bool
    /// What its next receive reports (`sN.peer.error`).
    public var nextReceive: PeerReceive
    /// Bytes the peer application sent to us.
    public var sent: Int
    /// How its application ended its side.
    public var closing: PeerClosing

    /// A row with these cells.
    public init(window: Int, received: Int, read: Int, hasReceivedFin: Bool, hasReceivedReset: Bool,
                nextReceive: PeerReceive, sent: Int, closing: PeerClosing) {
        self.window = window; self.received = received; self.read = read; self.hasReceivedFin = hasReceivedFin
        self.hasReceivedReset = hasReceivedReset; self.nextReceive = nextReceive; self.sent = sent
        self.closing = closing
    }
}

/// One row of the sockets table (docs/language.md, "Tables").
public struct SocketRow: Hashable, Sendable {
    /// Its name.
    public var id: SocketID
    /// Stream or datagram.
    public var type: SocketType
    /// Open descriptors referring to it, in all processes (R2).
    public var refcount: Int
    /// Bytes queued and not yet delivered (R13).
    public var sendQueue: Int
    /// Bytes that arrived from the peer and were not yet read (R51).
    public var receiveQueue: Int
    /// Its linger option (R27).
    public var linger: Linger
    /// Its blocking mode (R3).
    public var isNonblocking: Bool
    /// Its TCP state (R43).
    public var state: TCPState
    /// Who holds it: descriptors, nobody while it drains, or nobody for good.
    public var holder: SocketHolder
    /// Bytes thrown away by resets (`sN.discarded`): unsent data only (R51).
    public var discarded: Int
    /// Nil for a socket that never had a peer.
    public var peer: PeerRow?

    /// A row with these cells.
    public init(id: SocketID, type: SocketType, refcount: Int, sendQueue: Int, receiveQueue: Int, linger: Linger,
                isNonblocking: Bool, state: TCPState, holder: SocketHolder, discarded: Int, peer: PeerRow?) {
        self.id = id; self.type = type; self.refcount = refcount; self.sendQueue = sendQueue
        self.receiveQueue = receiveQueue; self.linger = linger; self.isNonblocking = isNonblocking
        self.state = state; self.holder = holder; self.discarded = discarded; self.peer = peer
    }
}

/// One row of the operations table.
public struct OperationRow: Hashable, Sendable {
    /// Its name.
    public var id: OperationID
    /// Send or receive.
    public var kind: OperationKind
    /// The descriptor it was issued through.
    public var handle: HandleID
    /// The socket it waits on.
    public var socket: SocketID
    /// The thread that issued it.
    public var thread: ThreadID
    /// The bytes asked for.
    public var requested: Int
    /// Pending, completed, or failed with an error.
    public var status: OperationStatus
    /// Bytes transferred (0 while pending).
    public var bytes: Int
    /// Its completion action was performed (R18 versus R36).
    public var isNotified: Bool

    /// A row with these cells.
    public init(id: OperationID, kind: OperationKind, handle: HandleID, socket: SocketID, thread: ThreadID,
                requested: Int, status: OperationStatus, bytes: Int, isNotified: Bool) {
        self.id = id; self.kind = kind; self.handle = handle; self.socket = socket; self.thread = thread
        self.requested = requested; self.status = status; self.bytes = bytes; self.isNotified = isNotified
    }
}

/// What an overlapped operation does.
public enum OperationKind: String, Hashable, Sendable, CustomStringConvertible {
    /// An overlapped WSPSend (R44).
    case send
    /// An overlapped WSPRecv (R45).
    case recv
    /// `send` or `recv`, as the operations table prints it.
    public var description: String { rawValue }
}

/// Where an overlapped operation stands.
public enum OperationStatus: Hashable, Sendable, CustomStringConvertible {
    /// Not finished yet (WSA_IO_PENDING was returned). Can move to: completed, failed.
    case pending
    /// Completed with `bytes` transferred (R44, R45). Final.
    case completed
    /// Failed with this error: aborted by a close, a cleanup or a reset (R18, R36, R43). Final.
    case failed(WinsockError)
    /// `pending`, `completed` or the error's name.
    public var description: String {
        switch self {
        case .pending: "pending"
        case .completed: "completed"
        case .failed(let e): e.description
        }
    }
}

/// One row of the threads table.
public struct ThreadRow: Hashable, Sendable {
    /// Its name.
    public var id: ThreadID
    /// The process it belongs to.
    public var process: ProcessID
    /// Running, blocked in one call, or exited.
    public var state: ThreadState
    /// The result of the last call it finished (`TN.result`).
    public var lastResult: CallResult?

    /// A row with these cells.
    public init(id: ThreadID, process: ProcessID, state: ThreadState, lastResult: CallResult?) {
        self.id = id; self.process = process; self.state = state; self.lastResult = lastResult
    }
}

/// One row of the processes table.
public struct ProcessRow: Hashable, Sendable {
    /// Its name.
    public var id: ProcessID
    /// Its WSPStartup count (R35).
    public var startupCount: Int
    /// Its threads, in creation order.
    public var threads: [ThreadID]
    /// False once it exited (R39).
    public var isAlive: Bool

    /// A row with these cells.
    public init(id: ProcessID, startupCount: Int, threads: [ThreadID], isAlive: Bool) {
        self.id = id; self.startupCount = startupCount; self.threads = threads; self.isAlive = isAlive
    }
}

/// One protocol-info block made by WSPDuplicateSocket (R4).
public struct ProtocolInfoRow: Hashable, Sendable {
    /// Its name.
    public var id: ProtocolInfoID
    /// The socket its descriptor will refer to.
    public var socket: SocketID
    /// The descriptor WSPDuplicateSocket was called with.
    public var source: HandleID
    /// The only process that may use it (R4).
    public var target: ProcessID
    /// It was used once (a second use fails, R4).
    public var isUsed: Bool

    /// A row with these cells.
    public init(id: ProtocolInfoID, socket: SocketID, source: HandleID, target: ProcessID, isUsed: Bool) {
        self.id = id; self.socket = socket; self.source = source; self.target = target; self.isUsed = isUsed
    }
}

/// Everything the tables, the expectation paths and the JSON records read, from whichever engine
/// ran the calls: the model (`World`) or a live backend's observations. Objects are numbered from
/// 1 densely (`handleCount` rows: `h1` … `hN`), as names are handed out.
public protocol SessionState {
    /// The clock: virtual time for the model, time since the session began for a live stack.
    var now: Instant { get }
    /// The semantic profile in force (docs/rules.md section J).
    var profile: Profile { get }
    /// The thread provider calls come from; nil when no process is live (R39).
    var currentThread: ThreadID? { get }
    /// The last provider call's result (`last`).
    var lastResult: CallResult? { get }

    /// Handles ever named: rows `h1` … `hN`.
    var handleCount: Int { get }
    /// Sockets ever made: rows `s1` … `sN`.
    var socketCount: Int { get }
    /// Overlapped operations ever made: rows `op1` … `opN`.
    var operationCount: Int { get }
    /// Threads ever made: rows `T1` … `TN`.
    var threadCount: Int { get }
    /// Processes ever made: rows `P1` … `PN`.
    var processCount: Int { get }
    /// Protocol-info blocks ever made: rows `pi1` … `piN`.
    var protocolInfoCount: Int { get }

    /// The handle table's row for `id`; nil if no such handle was ever named.
    func handleRow(_ id: HandleID) -> HandleRow?
    /// The sockets table's row for `id`; nil if no such socket was made.
    func socketRow(_ id: SocketID) -> SocketRow?
    /// The operations table's row for `id`; nil if no such operation was made.
    func operationRow(_ id: OperationID) -> OperationRow?
    /// The threads table's row for `id`; nil if no such thread was made.
    func threadRow(_ id: ThreadID) -> ThreadRow?
    /// The processes table's row for `id`; nil if no such process was made.
    func processRow(_ id: ProcessID) -> ProcessRow?
    /// The protocol-info row for `id`; nil if no such block was made.
    func protocolInfoRow(_ id: ProtocolInfoID) -> ProtocolInfoRow?

    /// Whether a socket has no descriptor but still exists (then the sockets table is shown).
    var hasUnreferencedSockets: Bool { get }
    /// The handle rows an outcome changed, in ID order: descriptors touched directly, and every
    /// descriptor of a socket that changed (their rows show the socket's columns).
    func changedHandles(in outcome: Outcome) -> [HandleID]
}
