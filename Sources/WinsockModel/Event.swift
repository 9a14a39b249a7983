/// Something that happened, as a past-tense fact. The model returns events in the order their
/// rules fired; `description` is the canonical line of docs/language.md, "What is printed".
public enum Event: Hashable, Sendable, CustomStringConvertible {
    /// `WPUCreateSocketHandle hN`: a non-IFS provider got a new descriptor from the Winsock DLL (R6).
    case handleCreated(HandleID)
    /// `WPUModifyIFSHandle hN`: an IFS provider registered a new descriptor (R6).
    case handleRegistered(HandleID)
    /// `WPUCloseSocketHandle hN`: a non-IFS provider returned a released descriptor (R40).
    case handleReturned(HandleID)
    /// `TX sN <bytes>`: one stretch of transmission, reported where it ends (R46).
    case transmitted(SocketID, Int)
    /// `FIN sN`: our FIN left (R9, R11, R31, R43).
    case finSent(SocketID)
    /// `RST sN`: our RST left (R10, R11, R26, R37, R43a, R51).
    case resetSent(SocketID)
    /// `PEER-FIN sN`: the peer's FIN reached us (R43).
    case peerFinReceived(SocketID)
    /// `PEER-RST sN`: the peer's RST reached us (R43).
    case peerResetReceived(SocketID)
    /// `DISCARD sN <bytes>`: queued bytes thrown away by a reset (never for 0; R10, R51).
    case discarded(SocketID, Int)
    /// `COMPLETE opN <bytes>`: an overlapped operation completed (R44, R45).
    case operationCompleted(OperationID, Int)
    /// `ABORT opN <error>`: an overlapped operation failed (R18, R36, R43).
    case operationAborted(OperationID, WinsockError)
    /// `BLOCK TN <call>`: a thread blocked in a call (R11, R44, R45).
    case threadBlocked(ThreadID, CallName)
    /// `WAKE TN <call> = <result>`: its call finished, with the result as `last` reads it.
    case threadWoke(ThreadID, CallName, CallResult)
    /// `LINGER-TIMEOUT sN`: a lingering close's timeout ran out (R11).
    case lingerTimedOut(SocketID)
    /// `STATE sN <state>`: every change of the socket's state (R43).
    case stateChanged(SocketID, TCPState)
    /// `RELEASE sN`: the provider discarded the socket for good.
    case socketReleased(SocketID)

    /// The canonical line (docs/language.md, "Events"): `RST s1`, `WAKE T1 WSPCloseSocket = 0`.
    public var description: String {
        switch self {
        case .handleCreated(let h): "WPUCreateSocketHandle \(h)"
        case .handleRegistered(let h): "WPUModifyIFSHandle \(h)"
        case .handleReturned(let h): "WPUCloseSocketHandle \(h)"
        case .transmitted(let s, let n): "TX \(s) \(n)"
        case .finSent(let s): "FIN \(s)"
        case .resetSent(let s): "RST \(s)"
        case .peerFinReceived(let s): "PEER-FIN \(s)"
        case .peerResetReceived(let s): "PEER-RST \(s)"
        case .discarded(let s, let n): "DISCARD \(s) \(n)"
        case .operationCompleted(let op, let n): "COMPLETE \(op) \(n)"
        case .operationAborted(let op, let e): "ABORT \(op) \(e)"
        case .threadBlocked(let t, let call): "BLOCK \(t) \(call)"
        case .threadWoke(let t, let call, let r): "WAKE \(t) \(call) = \(r.lastValue)"
        case .lingerTimedOut(let s): "LINGER-TIMEOUT \(s)"
        case .stateChanged(let s, let st): "STATE \(s) \(st)"
        case .socketReleased(let s): "RELEASE \(s)"
        }
    }

    /// The socket this event is about, if any (the trace and the change tracking use it).
    public var socket: SocketID? {
        switch self {
        case .transmitted(let s, _), .finSent(let s), .resetSent(let s), .peerFinReceived(let s),
             .peerResetReceived(let s), .discarded(let s, _), .lingerTimedOut(let s),
             .stateChanged(let s, _), .socketReleased(let s):
            s
        case .handleCreated, .handleRegistered, .handleReturned, .operationCompleted,
             .operationAborted, .threadBlocked, .threadWoke:
            nil
        }
    }
}

/// The SPI entry points, by the name events and the call line use.
public enum CallName: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// WSPSocket: a new socket, or a descriptor from a protocol-info block (R4, R6).
    case socket = "WSPSocket"
    /// WSPConnect (R41, R47).
    case connect = "WSPConnect"
    /// WSPSetSockOpt: SO_LINGER, SO_DONTLINGER (R27).
    case setSockOpt = "WSPSetSockOpt"
    /// WSPGetSockOpt (R28).
    case getSockOpt = "WSPGetSockOpt"
    /// WSPIoctl: FIONBIO (R3).
    case ioctl = "WSPIoctl"
    /// WSPSend (R44).
    case send = "WSPSend"
    /// WSPRecv (R45).
    case recv = "WSPRecv"
    /// WSPShutdown (R31–R33).
    case shutdown = "WSPShutdown"
    /// WSPCloseSocket (sections B–D).
    case closeSocket = "WSPCloseSocket"
    /// WSPDuplicateSocket (R4).
    case duplicateSocket = "WSPDuplicateSocket"
    /// WSPStartup (R35).
    case startup = "WSPStartup"
    /// WSPCleanup (R35–R38).
    case cleanup = "WSPCleanup"
    /// WSPCancelBlockingCall (R25).
    case cancelBlockingCall = "WSPCancelBlockingCall"

    /// The SPI name: `WSPCloseSocket`.
    public var description: String { rawValue }
}
