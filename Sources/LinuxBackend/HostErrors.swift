@preconcurrency import Glibc
import WinsockModel

/// How a kernel errno reads in the lab's Winsock vocabulary (RULES.md section J, `linux`: errno
/// values are shown by their Winsock names with the errno beside them, in `Outcome.hostError`).
///
/// Only errnos with a real Winsock counterpart are mapped (the default of the switch below is
/// the host's open-ended errno space, not one of the project's enums); any other is reported as a refusal
/// that names it, never forced into a Winsock name it does not have.
enum HostErrors {
    /// The Winsock error for `code` from a call on `socket` (nil for a call on no socket), or nil
    /// when it has none.
    static func winsockError(for code: Int32, on socket: SocketRecord?) -> WinsockError? {
        switch code {
        case EBADF: .notSocket
        case EAGAIN: .wouldBlock   // EWOULDBLOCK is the same number on Linux
        // A nonblocking connect still in its handshake: Winsock's own answer is WSAEWOULDBLOCK.
        case EINPROGRESS: .wouldBlock
        case ECONNRESET: .connectionReset
        case EPIPE: brokenPipe(on: socket)
        // A datagram send with no destination (R47); Winsock's send reports it as WSAENOTCONN.
        case EDESTADDRREQ: .notConnected
        case EINTR: .interrupted
        case ENOTCONN: .notConnected
        case EINVAL: .invalidArgument
        case EISCONN: .isConnected
        case ENOPROTOOPT: .noProtocolOption
        case ECONNABORTED: .connectionAborted
        default: nil
        }
    }

    /// EPIPE says only that the stream cannot carry our data. After our own shutdown(SHUT_WR) it
    /// is WSAESHUTDOWN (R31); on a stream socket that never connected, WSAENOTCONN (R44: the
    /// kernel's sk_stream_wait_connect answers EPIPE there); otherwise the other end ended the
    /// connection: WSAECONNABORTED (J).
    private static func brokenPipe(on socket: SocketRecord?) -> WinsockError {
        guard let socket else { return .connectionAborted }
        if socket.didShutdownSend { return .shutdown }
        if socket.type == .stream && !socket.hasConnected { return .notConnected }
        return .connectionAborted
    }

    /// The one-line refusal for an errno with no Winsock counterpart.
    static func unmapped(_ code: Int32, in call: CallName) -> Refusal {
        Refusal("\(call) failed in the kernel with \(Kernel.errnoName(code)) (\(Kernel.errnoText(code))), "
            + "which has no Winsock counterpart in the lab")
    }
}
