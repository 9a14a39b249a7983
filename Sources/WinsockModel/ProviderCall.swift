/// A provider call as the model receives it: already parsed, with its arguments checked for
/// range (R16), but not yet for meaning (bad handles are results, R1).
public enum ProviderCall: Hashable, Sendable {
    case socket(SocketType, nonblocking: Bool)
    case socketFromProtocolInfo(ProtocolInfoID)
    case connect(HandleID)
    case setLinger(HandleID, onoff: Int, seconds: Int)
    case setDontLinger(HandleID, Bool)
    case getSockOpt(HandleID, SocketOption)
    case setNonblocking(HandleID, Bool)
    case send(HandleID, bytes: Int, overlapped: Bool)
    case recv(HandleID, bytes: Int, overlapped: Bool)
    case shutdown(HandleID, how: Int)
    case close(HandleID)
    case duplicate(HandleID, ProcessID)
    case startup
    case cleanup
    /// WSPCancelBlockingCall, issued from the blocking hook of the calling thread.
    case cancelBlockingCall

    /// The SPI entry point this call goes to.
    public var name: CallName {
        switch self {
        case .socket, .socketFromProtocolInfo: .socket
        case .connect: .connect
        case .setLinger, .setDontLinger: .setSockOpt
        case .getSockOpt: .getSockOpt
        case .setNonblocking: .ioctl
        case .send: .send
        case .recv: .recv
        case .shutdown: .shutdown
        case .close: .closeSocket
        case .duplicate: .duplicateSocket
        case .startup: .startup
        case .cleanup: .cleanup
        case .cancelBlockingCall: .cancelBlockingCall
        }
    }

    /// The descriptor the call goes through, if it takes one.
    public var handle: HandleID? {
        switch self {
        case .connect(let h), .setLinger(let h, _, _), .setDontLinger(let h, _), .getSockOpt(let h, _),
             .setNonblocking(let h, _), .send(let h, _, _), .recv(let h, _, _), .shutdown(let h, _),
             .close(let h), .duplicate(let h, _):
            h
        case .socket, .socketFromProtocolInfo, .startup, .cleanup, .cancelBlockingCall:
            nil
        }
    }

    /// The call in API form, as the call line prints it: `WSPSend(h1, 3000)`.
    public var apiForm: String {
        switch self {
        case .socket(let type, let nonblocking):
            return "WSPSocket(\(type)\(nonblocking ? ", nonblocking" : ""))"
        case .socketFromProtocolInfo(let pi): return "WSPSocket(FROM_PROTOCOL_INFO \(pi))"
        case .connect(let h): return "WSPConnect(\(h))"
        case .setLinger(let h, let onoff, let seconds): return "WSPSetSockOpt(\(h), SO_LINGER, {\(onoff), \(seconds)})"
        case .setDontLinger(let h, let on): return "WSPSetSockOpt(\(h), SO_DONTLINGER, \(on ? "TRUE" : "FALSE"))"
        case .getSockOpt(let h, let opt): return "WSPGetSockOpt(\(h), \(opt))"
        case .setNonblocking(let h, let on): return "WSPIoctl(\(h), FIONBIO, \(on ? 1 : 0))"
        case .send(let h, let n, let ov): return "WSPSend(\(h), \(n)\(ov ? ", overlapped" : ""))"
        case .recv(let h, let n, let ov): return "WSPRecv(\(h), \(n)\(ov ? ", overlapped" : ""))"
        case .shutdown(let h, let how): return "WSPShutdown(\(h), \(ShutdownHow.name(of: how)))"
        case .close(let h): return "WSPCloseSocket(\(h))"
        case .duplicate(let h, let p): return "WSPDuplicateSocket(\(h), \(p))"
        case .startup: return "WSPStartup()"
        case .cleanup: return "WSPCleanup()"
        case .cancelBlockingCall: return "WSPCancelBlockingCall()"
        }
    }
}

public enum SocketType: String, Hashable, Sendable, CustomStringConvertible {
    case stream, dgram
    public var description: String { rawValue }
}

public enum SocketOption: String, Hashable, Sendable, CustomStringConvertible {
    case linger = "SO_LINGER"
    case dontLinger = "SO_DONTLINGER"
    case sendBuffer = "SO_SNDBUF"
    public var description: String { rawValue }
}

/// WSPShutdown's `how`.
public enum ShutdownHow {
    public static let send = 1, receive = 0, both = 2
    static func name(of how: Int) -> String {
        switch how {
        case 0: "SD_RECEIVE"
        case 1: "SD_SEND"
        case 2: "SD_BOTH"
        default: String(how)
        }
    }
}

/// What a provider call returned, as `last` and `TN.result` read it.
public enum CallResult: Hashable, Sendable, CustomStringConvertible {
    case value(CallValue)
    case failure(WinsockError)
    /// An overlapped call that will complete later: SOCKET_ERROR with WSA_IO_PENDING.
    case pending(OperationID)
    /// The calling thread blocked in the call.
    case blocked

    /// The error it reports, if it failed (WSA_IO_PENDING counts).
    public var error: WinsockError? {
        switch self {
        case .failure(let e): e
        case .pending: .ioPending
        case .value, .blocked: nil
        }
    }

    /// What the `last` expectation path reads.
    public var lastValue: String {
        switch self {
        case .value(let v): v.description
        case .failure(let e): e.description
        case .pending: WinsockError.ioPending.description
        case .blocked: "blocked"
        }
    }

    public var description: String { lastValue }
}

/// A successful call's return value.
public enum CallValue: Hashable, Sendable, CustomStringConvertible {
    case zero
    case count(Int)
    case handle(HandleID)
    case protocolInfo(ProtocolInfoID)
    case linger(Linger)
    case bool(Bool)

    public var description: String {
        switch self {
        case .zero: "0"
        case .count(let n): String(n)
        case .handle(let h): h.description
        case .protocolInfo(let pi): pi.description
        case .linger(let l): l.description
        case .bool(let b): b ? "true" : "false"
        }
    }
}

/// The LINGER structure: `l_onoff` and `l_linger` (an unsigned 16-bit count of seconds, R16).
public struct Linger: Hashable, Sendable, CustomStringConvertible {
    public var onoff: Int
    public var seconds: Int
    public init(onoff: Int, seconds: Int) { self.onoff = onoff; self.seconds = seconds }

    /// R8: l_onoff = 0, l_linger = 0 (SO_DONTLINGER TRUE).
    public static let `default` = Linger(onoff: 0, seconds: 0)
    public var isEnabled: Bool { onoff != 0 }

    /// R27: `off` when l_onoff = 0, `on <l_linger>s` otherwise.
    public var description: String { isEnabled ? "on \(seconds)s" : "off" }
}
