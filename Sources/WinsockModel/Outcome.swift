// What a request returns: its Outcome, and the values an outcome carries.

/// What one request did.
public struct Outcome: Hashable, Sendable {
    /// The provider call's result; nil for session commands.
    public var result: CallResult?
    /// The events with the instant each happened (instants may fall between milliseconds
    /// during `advance`). One array, not two: a command allocates as little as it can.
    public var timedEvents: [TimedEvent]
    /// The events, in the order their rules fired.
    public var events: [Event] { timedEvents.map(\.event) }
    /// When each event happened.
    public var eventTimes: [Instant] { timedEvents.map(\.time) }
    /// The rules that fired, with the sentence `explain` prints for each, in the order they fired.
    public var notes: [RuleNote]
    /// Rows touched, in the order they were touched (with repeats), and descriptors released; nil
    /// when there are none (a quiet run tracks no rows), so that an outcome is cheap to copy.
    private var changes: Changes?
    struct Changes: Hashable, Sendable {
        var handles: [HandleID]
        var sockets: [SocketID]
        var operations: [OperationID]
        var released: [HandleID]
    }
    /// Rows touched, in the order they were touched (with repeats). Sorting them is left to the
    /// views that print tables: a quiet run never pays for it.
    var touchedHandles: [HandleID] { changes?.handles ?? [] }
    var touchedSockets: [SocketID] { changes?.sockets ?? [] }
    var touchedOperations: [OperationID] { changes?.operations ?? [] }
    /// Descriptors this request released.
    public var releasedHandles: [HandleID] { changes?.released ?? [] }
    /// The object a session command made (`process new` → P2, `thread new` → T3), if any.
    public var created: CreatedObject?
    /// The host stack's own name for the error of a failed call (`EBADF`), shown beside the Winsock
    /// name: set by the `linux` profile and by a live backend, nil otherwise.
    public var hostError: String? = nil

    /// An outcome made outside the model (a live backend's observations).
    public init(result: CallResult?, timedEvents: [TimedEvent], notes: [RuleNote] = [],
                changedHandles: [HandleID] = [], changedSockets: [SocketID] = [],
                changedOperations: [OperationID] = [], releasedHandles: [HandleID] = [],
                created: CreatedObject? = nil, hostError: String? = nil) {
        self.result = result; self.timedEvents = timedEvents; self.notes = notes
        if !(changedHandles.isEmpty && changedSockets.isEmpty && changedOperations.isEmpty && releasedHandles.isEmpty) {
            changes = Changes(handles: changedHandles, sockets: changedSockets, operations: changedOperations,
                              released: releasedHandles)
        }
        self.created = created; self.hostError = hostError
    }

    /// No result, no event: what a request that did nothing observable returns.
    public static let nothing = Outcome(result: nil, timedEvents: [])

    /// Sockets that changed, in ID order.
    public var changedSockets: [SocketID] { uniqueSorted(touchedSockets) }
    /// Descriptors touched directly, in ID order (their sockets' other descriptors not included:
    /// `SessionState.changedHandles(in:)` adds those).
    public var touchedHandleIDs: [HandleID] { uniqueSorted(touchedHandles) }
    /// Operations that changed, in ID order.
    public var changedOperations: [OperationID] { uniqueSorted(touchedOperations) }
}

/// What a session command made: `process new` makes a process (with its first thread), `thread
/// new` a thread. Its `description` is the new object's name (`P2`, `T3`).
public enum CreatedObject: Hashable, Sendable, CustomStringConvertible {
    /// A new process, started, with one new thread (`process new`).
    case process(ProcessID)
    /// A new thread (`thread new`).
    case thread(ThreadID)

    /// The new object's name: `P2`, `T3`.
    public var description: String {
        switch self {
        case .process(let p): p.description
        case .thread(let t): t.description
        }
    }
}

/// One thing that crossed (or is crossing) the wire between a socket and its peer.
public struct WireRecord: Hashable, Sendable {
    /// Which way it went.
    public enum Direction: Hashable, Sendable {
        /// From our socket to the peer.
        case toPeer
        /// From the peer to our socket.
        case fromPeer
    }
    /// What it was.
    public enum Kind: Hashable, Sendable {
        /// The three-way handshake of `connect`.
        case handshake
        /// Data: one TX stretch of ours, or one segment of the peer's.
        case data(Int)
        /// A FIN.
        case fin
        /// An RST.
        case rst
        /// The acknowledgement of a FIN.
        case ack
    }
    /// The socket whose connection it belongs to.
    public var socket: SocketID {
        get { SocketID(rawValue: Int(socketNumber)) }
        set { socketNumber = UInt32(newValue.rawValue) }
    }
    /// Which way it went.
    public var direction: Direction {
        get { tag & 0x80 == 0 ? .toPeer : .fromPeer }
        set { tag = (tag & 0x7f) | (newValue == .toPeer ? 0 : 0x80) }
    }
    /// What it was.
    public var kind: Kind {
        get {
            switch tag & 0x7f {
            case 0: .handshake
            case 1: .data(Int(amount))
            case 2: .fin
            case 3: .rst
            default: .ack
            }
        }
        set {
            let code: UInt8
            amount = 0
            switch newValue {
            case .handshake: code = 0
            case .data(let n): code = 1; amount = Int64(n)
            case .fin: code = 2
            case .rst: code = 3
            case .ack: code = 4
            }
            tag = (tag & 0x80) | code
        }
    }
    /// When it left (for our data, when the stretch began).
    public var sent: Instant
    /// When it arrived (for our data, when the stretch ended); nil while in flight.
    public var arrived: Instant? {
        get { arrivedNanoseconds == Int64.min ? nil : Instant(nanoseconds: arrivedNanoseconds) }
        set { arrivedNanoseconds = newValue?.nanoseconds ?? Int64.min }
    }

    // Packed: the wire log keeps a record for every segment of a session (four per connection),
    // so 32 bytes instead of 56 is 19 MB less after a million commands.
    private var arrivedNanoseconds: Int64
    /// A data record's byte count.
    private var amount: Int64 = 0
    private var socketNumber: UInt32
    /// The kind's code in the low bits, the direction in the top bit.
    private var tag: UInt8 = 0

    /// A record of `kind` that went `direction` at `sent` (and arrived at `arrived`, nil while in
    /// flight).
    public init(socket: SocketID, direction: Direction, kind: Kind, sent: Instant, arrived: Instant?) {
        self.sent = sent
        self.arrivedNanoseconds = arrived?.nanoseconds ?? Int64.min
        self.socketNumber = UInt32(truncatingIfNeeded: socket.rawValue)
        self.kind = kind
        self.direction = direction
    }
}

/// An event and the instant it happened.
public struct TimedEvent: Hashable, Sendable {
    /// What happened.
    public var event: Event
    /// When (it may fall between milliseconds during `advance`).
    public var time: Instant
    /// `event`, at `time`.
    public init(event: Event, time: Instant) { self.event = event; self.time = time }
}

/// A request the model refuses as an invalid line: it names a session object that does not
/// exist or breaks a session precondition (docs/language.md, "Commands").
public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// One line that says why: `there is no process P9`.
    public let message: String
    /// A refusal that says `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
