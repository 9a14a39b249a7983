/// How the provider gives descriptors to the Winsock DLL (R6, R40).
public enum ProviderKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Gets each descriptor with WPUCreateSocketHandle, returns it with WPUCloseSocketHandle.
    case nonIFS = "nonifs"
    /// Registers each descriptor with WPUModifyIFSHandle and makes no close up-call.
    case ifs = "ifs"
    /// `nonifs` or `ifs`, as `set provider` spells it.
    public var description: String { rawValue }
}

/// The session's settings that the model obeys (docs/language.md, "The model"). Presentation settings
/// (`rows`, `diff`, the format) belong to the session, not here.
public struct Settings: Hashable, Sendable {
    /// Non-IFS (WPU up-calls for every descriptor) or IFS (R6, R40).
    public var provider: ProviderKind = .nonIFS
    /// Bytes per second per socket (> 0).
    public var netRate: Int64 = 1_000_000
    /// When FIN, RST and ACK arrive after they are sent.
    public var netLatency: Span = .zero
    /// `set network up|down`: while down nothing is transmitted or arrives, and a close returns
    /// WSAENETDOWN (R22, R50).
    public var isNetworkUp = true
    /// The send buffer of sockets created afterwards, in bytes: `set sndbuf`, else 65536.
    public var sendBuffer: Int {
        get { chosenSendBuffer ?? 65_536 }
        set { chosenSendBuffer = newValue }
    }
    /// `set sndbuf`, once given (J/linux reads back the kernel's default until then).
    public var chosenSendBuffer: Int? = nil
    /// The peer's receive buffer for connections made afterwards, in bytes.
    public var window = 65_536
    /// The provider's give-up time for a graceful close (R9).
    public var gracefulTimeout: Span = .seconds(120)
    /// How long TIME_WAIT lasts (R43): `set timewait`, else the profile's own (`Profile.timeWait`:
    /// 240 s; 60 s under `linux`, J).
    public var timeWait: Span {
        get { chosenTimeWait ?? profile.timeWait }
        set { chosenTimeWait = newValue }
    }
    /// `set timewait`, once given: it wins over the profile's own TIME_WAIT.
    public var chosenTimeWait: Span? = nil
    /// R23: hand out the lowest free handle value again (`linux` always does, J).
    public var reusesHandles = false
    /// The semantic profile (docs/rules.md section J).
    public var profile: Profile = .docs

    /// The defaults of docs/language.md, "The model".
    public init() {}
}
