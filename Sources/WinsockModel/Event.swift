/// Something that happened, as a past-tense fact. The model returns events in the order their
/// rules fired; `description` is the canonical line of SPEC.md section 3.
public enum Event: Hashable, Sendable, CustomStringConvertible {
    case handleCreated(HandleID)            // WPUCreateSocketHandle (non-IFS)
    case handleRegistered(HandleID)         // WPUModifyIFSHandle (IFS)
    case handleReturned(HandleID)           // WPUCloseSocketHandle (non-IFS)
    case transmitted(SocketID, Int)         // TX: one stretch of transmission
    case finSent(SocketID)
    case resetSent(SocketID)
    case peerFinReceived(SocketID)
    case peerResetReceived(SocketID)
    case discarded(SocketID, Int)
    case operationCompleted(OperationID, Int)
    case operationAborted(OperationID, WinsockError)
    case threadBlocked(ThreadID, CallName)
    case threadWoke(ThreadID, CallName, CallResult)
    case lingerTimedOut(SocketID)
    case stateChanged(SocketID, TCPState)
    case socketReleased(SocketID)

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
    case socket = "WSPSocket"
    case connect = "WSPConnect"
    case setSockOpt = "WSPSetSockOpt"
    case getSockOpt = "WSPGetSockOpt"
    case ioctl = "WSPIoctl"
    case send = "WSPSend"
    case recv = "WSPRecv"
    case shutdown = "WSPShutdown"
    case closeSocket = "WSPCloseSocket"
    case duplicateSocket = "WSPDuplicateSocket"
    case startup = "WSPStartup"
    case cleanup = "WSPCleanup"
    case cancelBlockingCall = "WSPCancelBlockingCall"

    public var description: String { rawValue }
}
