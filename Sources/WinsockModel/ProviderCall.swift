/// A provider call as the model receives it: already parsed, with its arguments checked for
/// range (R16), but not yet for meaning (bad handles are results, R1).
public enum ProviderCall: Hashable, Sendable {
    /// WSPSocket: a new socket and its first descriptor in the calling process (R6, R8).
    case socket(SocketType, nonblocking: Bool)
    /// WSPSocket with FROM_PROTOCOL_INFO: the target process's own descriptor (R4).
    case socketFromProtocolInfo(ProtocolInfoID)
    /// WSPConnect: a stream connects at once with a new peer (R41); a datagram socket records its
    /// destination (R47).
    case connect(HandleID)
    /// WSPSetSockOpt(SO_LINGER): `onoff` and `seconds` each 0–65535 (R16, R27).
    case setLinger(HandleID, onoff: Int, seconds: Int)
    /// WSPSetSockOpt(SO_DONTLINGER): TRUE turns linger off, FALSE on with the stored timeout (R27).
    case setDontLinger(HandleID, Bool)
    /// WSPGetSockOpt (R28).
    case getSockOpt(HandleID, SocketOption)
    /// WSPIoctl(FIONBIO): true makes the socket nonblocking (R3).
    case setNonblocking(HandleID, Bool)
    /// WSPSend: blocks, fails with WSAEWOULDBLOCK or pends, by mode (R44).
    case send(HandleID, bytes: Int, overlapped: Bool)
    /// WSPRecv: blocks, fails with WSAEWOULDBLOCK or pends, by mode (R45).
    case recv(HandleID, bytes: Int, overlapped: Bool)
    /// WSPShutdown, with `how` as given, so that bad values can be tried (R31–R33; `ShutdownHow`).
    case shutdown(HandleID, how: Int)
    /// WSPCloseSocket (sections B–D of docs/rules.md).
    case close(HandleID)
    /// WSPDuplicateSocket: a protocol-info block for the process (R4).
    case duplicate(HandleID, ProcessID)
    /// WSPStartup (R35).
    case startup
    /// WSPCleanup (R35–R38).
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

/// The kind of socket WSPSocket makes.
public enum SocketType: String, Hashable, Sendable, CustomStringConvertible {
    /// Connection-oriented (TCP-like): connections, FINs, linger (sections B–G).
    case stream
    /// Datagrams: no connection; linger options do not apply (R29, R47).
    case dgram
    /// `stream` or `dgram`, as the command language spells it.
    public var description: String { rawValue }
}

/// The socket options the model knows.
public enum SocketOption: String, Hashable, Sendable, CustomStringConvertible {
    /// The linger pair (l_onoff, l_linger) (R27, R28).
    case linger = "SO_LINGER"
    /// A boolean view of `l_onoff == 0` (R27, R28).
    case dontLinger = "SO_DONTLINGER"
    /// The send buffer's size (read only here).
    case sendBuffer = "SO_SNDBUF"
    /// The option's Winsock name: `SO_LINGER`.
    public var description: String { rawValue }
}

/// WSPShutdown's `how` values. `ProviderCall.shutdown` takes any integer, so that a bad value can
/// be tried (WSAEINVAL, R33).
public enum ShutdownHow {
    /// SD_SEND (1): no more sends; FIN follows the queued data (R31).
    public static let send = 1
    /// SD_RECEIVE (0): no more receives (R31).
    public static let receive = 0
    /// SD_BOTH (2).
    public static let both = 2
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
    /// The call succeeded with this value.
    case value(CallValue)
    /// SOCKET_ERROR with this error.
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

    /// `lastValue`: `0`, `WSAEWOULDBLOCK`, `blocked`.
    public var description: String { lastValue }
}

/// A successful call's return value.
public enum CallValue: Hashable, Sendable, CustomStringConvertible {
    /// 0: the call succeeded (close, connect, setsockopt, shutdown, …).
    case zero
    /// A byte count: sent, received, or SO_SNDBUF.
    case count(Int)
    /// The new descriptor of WSPSocket.
    case handle(HandleID)
    /// The block WSPDuplicateSocket made.
    case protocolInfo(ProtocolInfoID)
    /// SO_LINGER's pair.
    case linger(Linger)
    /// SO_DONTLINGER.
    case bool(Bool)

    /// The value as `last` reads it: `0`, `3000`, `h2`, `pi1`, `on 5s`, `true`.
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
    /// `l_onoff`: any nonzero value turns linger on.
    public var onoff: Int
    /// `l_linger`: the timeout in seconds; kept while linger is off (R27).
    public var seconds: Int
    /// The pair as given to SO_LINGER.
    public init(onoff: Int, seconds: Int) { self.onoff = onoff; self.seconds = seconds }

    /// R8: l_onoff = 0, l_linger = 0 (SO_DONTLINGER TRUE).
    public static let `default` = Linger(onoff: 0, seconds: 0)
    /// Linger is on: the last close is hard at 0 seconds, lingering otherwise (R7).
    public var isEnabled: Bool { onoff != 0 }

    /// R27: `off` when l_onoff = 0, `on <l_linger>s` otherwise.
    public var description: String { isEnabled ? "on \(seconds)s" : "off" }
}
