/// How the provider gives descriptors to the Winsock DLL (R6, R40).
public enum ProviderKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Gets each descriptor with WPUCreateSocketHandle, returns it with WPUCloseSocketHandle.
    case nonIFS = "nonifs"
    /// Registers each descriptor with WPUModifyIFSHandle and makes no close up-call.
    case ifs = "ifs"
    public var description: String { rawValue }
}

/// The semantic profile: the model takes its policy as data (RULES.md section J).
public enum Profile: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// The documentation as RULES.md decides it (the default).
    case docs
    /// What real Windows was recorded doing (Wine's conformance tests).
    case windows
    /// ReactOS's msafd provider, bugs included.
    case reactos

    public var description: String { rawValue }

    /// J/windows: pending operations belong to the underlying socket; only the last close
    /// aborts them (R18's [Windows] note).
    var operationsBelongToSocket: Bool { self == .windows }
    /// J/windows: what the peer's receive reports after sending to an endpoint with no
    /// descriptor left (R43a).
    var peerErrorAfterDataToOrphan: WinsockError { self == .windows ? .connectionAborted : .connectionReset }
    /// J/reactos: the reference count is dropped before WSAEWOULDBLOCK and never restored (R12).
    var losesReferenceOnWouldBlock: Bool { self == .reactos }
    /// J/reactos: a zero-linger close after SD_RECEIVE closes gracefully instead of resetting.
    var zeroLingerAfterReceiveShutdownIsGraceful: Bool { self == .reactos }
    /// J/reactos: WSPCleanup only counts; it resets, aborts and wakes nothing.
    var cleanupOnlyCounts: Bool { self == .reactos }
    /// Whether setting this linger option on a datagram socket succeeds (changing nothing)
    /// instead of failing with WSAENOPROTOOPT (R29 and J).
    func acceptsDatagramSet(of option: SocketOption) -> Bool {
        switch self {
        case .docs: false
        case .windows: option == .linger || option == .dontLinger
        case .reactos: option == .linger
        }
    }
}

/// The session's settings that the model obeys (SPEC.md section 1). Presentation settings
/// (`rows`, `diff`, the format) belong to the session, not here.
public struct Settings: Hashable, Sendable {
    public var provider: ProviderKind = .nonIFS
    /// Bytes per second per socket (> 0).
    public var netRate: Int64 = 1_000_000
    /// When FIN, RST and ACK arrive after they are sent.
    public var netLatency: Span = .zero
    public var isNetworkUp = true
    /// The send buffer of sockets created afterwards, in bytes.
    public var sendBuffer = 65_536
    /// The peer's receive buffer for connections made afterwards, in bytes.
    public var window = 65_536
    /// The provider's give-up time for a graceful close (R9).
    public var gracefulTimeout: Span = .seconds(120)
    public var timeWait: Span = .seconds(240)
    /// R23: hand out the lowest free handle value again.
    public var reusesHandles = false
    public var profile: Profile = .docs

    public init() {}
}
