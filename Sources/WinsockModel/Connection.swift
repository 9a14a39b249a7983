/// What a socket talks to, by kind: each case carries only the state that kind has. The lifecycle
/// diagram at the top of Entities.swift draws both.
public enum Endpoint: Hashable, Sendable {
    /// A connection-oriented stream socket, and where its connection stands (R43).
    case stream(StreamConnection)
    /// A datagram socket: it never connects; WSPConnect only records its default destination (R47).
    case datagram(DatagramState)

    /// The socket type this endpoint belongs to (`socket stream|dgram`).
    public var type: SocketType {
        switch self {
        case .stream: .stream
        case .datagram: .dgram
        }
    }

    /// The TCP-like state the tables show (R43): a connection's own state while connected,
    /// CREATED before, CLOSED after.
    public var state: TCPState {
        switch self {
        case .stream(.unconnected), .datagram(.unaddressed), .datagram(.addressed): .created
        case .stream(.connected(let c)): c.state
        case .stream(.finished), .stream(.reset), .stream(.closed), .datagram(.closed): .closed
        }
    }
}

/// Where a stream socket's connection stands (R41–R43, R26). The peer appears with the
/// connection and stays with it to the end, so that the peer's side can still be read after ours
/// is CLOSED.
public enum StreamConnection: Hashable, Sendable {
    /// CREATED: never connected. Sends, receives and shutdown fail with WSAENOTCONN (R33, R44, R45).
    /// Can move to: connected (WSPConnect, R41), closed (its last close, R15; a final cleanup, R37).
    case unconnected
    /// Connected to its peer: ESTABLISHED through TIME_WAIT.
    /// Can move to: finished (LAST_ACK's ACK or the end of TIME_WAIT, R43; an orphan given up on in
    /// FIN_WAIT_2, R9), reset (an RST sent or received, R43; a cancelled blocking call, R26).
    case connected(Connection)
    /// CLOSED after an orderly close: both FINs went their way, or the provider gave up on an orphan
    /// in FIN_WAIT_2 without a reset (R9). A receive returns what is left, then 0. Final.
    case finished(Peer)
    /// CLOSED by a reset: later sends and receives fail with the cause's error once the data already
    /// received is read (R43, R26). Final.
    case reset(ResetCause, Peer)
    /// CLOSED without ever connecting: released at its last close (R15) or final cleanup (R37). Final.
    case closed
}

/// A datagram socket's state (R47): no connection, only a default destination.
public enum DatagramState: Hashable, Sendable {
    /// CREATED with no default destination: a send fails with WSAENOTCONN.
    /// Can move to: addressed (WSPConnect), closed (its last close, R15).
    case unaddressed
    /// CREATED with the default destination WSPConnect recorded: a datagram leaves at once.
    /// Can move to: addressed (another WSPConnect), closed (its last close, R15).
    case addressed
    /// CLOSED: its last descriptor was closed and it is released (R15). Final.
    case closed
}

/// A connected stream's connection: its TCP state, our FIN, the peer's FIN and the peer (R43).
public struct Connection: Hashable, Sendable {
    /// ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSING, CLOSE_WAIT, LAST_ACK or TIME_WAIT. Never CREATED
    /// or CLOSED: those are `StreamConnection`'s other cases.
    public internal(set) var state: TCPState = .established
    /// Our FIN. Agrees with `state`: sent exactly in FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK and
    /// TIME_WAIT (`World.invariantViolations()` checks it).
    public internal(set) var fin: FinProgress = .notOwed
    /// The peer's FIN reached us: a receive with nothing waiting returns 0 (R45). True exactly in
    /// CLOSE_WAIT, CLOSING, LAST_ACK and TIME_WAIT.
    public internal(set) var hasPeerFinArrived = false
    /// The simulated remote end (R41, R42).
    public internal(set) var peer: Peer

    init(peer: Peer) { self.peer = peer }
}

/// How far our FIN has got (R9, R11, R14, R31).
public enum FinProgress: CaseIterable, Hashable, Sendable {
    /// Nothing owes a FIN yet. A lingering close still sends one when the queue empties in time (R11).
    /// Can move to: owed (SD_SEND, R31; a graceful close, R9), sent (a close with nothing queued).
    case notOwed
    /// Owed after the queued data: it leaves when the send queue empties (R9, R31).
    /// Can move to: sent.
    case owed
    /// Sent: ESTABLISHED became FIN_WAIT_1, or CLOSE_WAIT became LAST_ACK (R43). A later graceful
    /// close sends no second FIN (R14). Final.
    case sent
}

/// How a connection was reset, and so what later calls on it report.
public enum ResetCause: CaseIterable, Hashable, Sendable {
    /// An RST, sent or received: later calls fail with WSAECONNRESET (R43).
    case reset
    /// A cancelled blocking send or receive (R26): later calls fail with WSAECONNABORTED.
    case cancelledCall
    /// Linux only (J): an RST whose error a call has already reported, once (`sock_error` clears
    /// it): later receives return 0 and sends fail with EPIPE (WSAECONNABORTED, or WSAESHUTDOWN
    /// after our own SD_SEND).
    case reportedReset

    /// The error later sends and receives report.
    var error: WinsockError {
        switch self {
        case .reset: .connectionReset
        case .cancelledCall, .reportedReset: .connectionAborted
        }
    }
}

/// The simulated remote end of a connected stream socket (R41, R42): a TCP stack with a receive
/// window, and an application that reads and sends when the session says so (`peer sN …`).
public struct Peer: Hashable, Sendable {
    /// Its receive buffer, in bytes (R41).
    public internal(set) var window: Int
    /// Bytes delivered to its stack.
    public internal(set) var received = 0
    /// Bytes its application has read.
    public internal(set) var read = 0
    /// Our FIN reached it.
    public internal(set) var hasReceivedFin = false
    /// Our RST reached it (`sN.peer.reset`).
    public internal(set) var hasReceivedReset = false
    /// What its next receive reports because of our RST (R42, R43a); nil before it arrived. Under
    /// `linux` (J) nil also once a receive has reported it (the kernel reports it once), and when
    /// the RST came after our FIN (the kernel does not report it at all).
    public internal(set) var resetError: WinsockError? = nil
    /// How its application ended its side: no, FIN or reset (no more sends after either).
    public internal(set) var closing = PeerClosing.no
    /// Bytes its application has sent to us.
    public internal(set) var sent = 0
    /// When its earlier segments have all left (its next segment leaves then).
    var nextDeparture = Instant.zero

    init(window: Int, nextDeparture: Instant = .zero) {
        self.window = window
        self.nextDeparture = nextDeparture
    }

    /// Bytes received and not yet read by its application.
    public var unread: Int { received - read }
    /// The free part of its receive window (never negative): what we may still transmit (R41).
    public var freeWindow: Int { max(0, window - unread) }

    /// What the peer's next receive reports (the `sN.peer.error` path): its reset error,
    /// end of stream after our FIN (or, under `linux`, after a reset it no longer reports) with
    /// every byte read, else nothing decided.
    public var nextReceive: PeerReceive {
        if let e = resetError { return .error(e) }
        if (hasReceivedFin || hasReceivedReset) && read == received { return .endOfStream }
        return .none
    }
    /// `nextReceive` as the tables print it (`none`, `0` or an error name).
    public var nextReceiveError: String { nextReceive.description }
}
