/// The Winsock error codes the model reports. Swifty names inside, Winsock spelling outside:
/// `description` is the name users read and write (`WSAEWOULDBLOCK`).
public enum WinsockError: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Winsock error 10038: the descriptor is not a socket (closed, unknown, or another process's).
    case notSocket = "WSAENOTSOCK"
    /// Winsock error 10035: a nonblocking call cannot complete at once.
    case wouldBlock = "WSAEWOULDBLOCK"
    /// Winsock error 10036: a blocking call is in progress on this thread.
    case inProgress = "WSAEINPROGRESS"
    /// Winsock error 10004: a blocking call was interrupted.
    case interrupted = "WSAEINTR"
    /// Winsock error 10050: the network subsystem has failed.
    case networkDown = "WSAENETDOWN"
    /// Winsock error 10093: no successful WSPStartup is in force.
    case notInitialised = "WSANOTINITIALISED"
    /// Winsock error 10022: an invalid argument.
    case invalidArgument = "WSAEINVAL"
    /// Winsock error 10042: the option is not supported for this socket type.
    case noProtocolOption = "WSAENOPROTOOPT"
    /// Winsock error 10058: the socket was shut down in that direction.
    case shutdown = "WSAESHUTDOWN"
    /// Winsock error 10057: the socket is not connected.
    case notConnected = "WSAENOTCONN"
    /// Winsock error 10054: the connection was reset.
    case connectionReset = "WSAECONNRESET"
    /// Winsock error 10053: the connection was aborted locally (after a cancelled blocking call).
    case connectionAborted = "WSAECONNABORTED"
    /// Winsock error 10056: the socket is already connected.
    case isConnected = "WSAEISCONN"
    /// Winsock error 997: an overlapped operation was started and will complete later.
    case ioPending = "WSA_IO_PENDING"
    /// Winsock error 995: an overlapped operation was aborted by a close.
    case operationAborted = "WSA_OPERATION_ABORTED"
    /// Windows error 1236: how real Windows completes a receive aborted on a connected stream.
    case connectionAbortedWindows = "ERROR_CONNECTION_ABORTED"

    /// The Winsock name: `WSAEWOULDBLOCK`.
    public var description: String { rawValue }

    /// Looks an error up by its name, ignoring case.
    public init?(name: String) {
        let upper = name.uppercased()
        guard let e = WinsockError.allCases.first(where: { $0.rawValue == upper }) else { return nil }
        self = e
    }
}
