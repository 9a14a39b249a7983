/// How errors reach the caller: a reset's error on each side of the connection (R42, R43; J/linux:
/// reported once, `tcp_reset` and `tcp_recvmsg_locked`), and the errno a failed call shows beside its
/// Winsock name under `linux` (J).
extension World {
    /// Our RST reaches the peer (R42, R43a). J/linux: the peer keeps the bytes it had received and
    /// reports the error once, after them; a peer that already had our FIN does not report it at
    /// all (`tcp_reset` records EPIPE for a peer in CLOSE_WAIT, and its receive stops at the FIN).
    mutating func resetArrivedAtPeer(_ id: SocketID, _ peer: Peer, _ error: WinsockError) {
        let unread = peer.unread
        guard settings.profile.reportsResetOnce else {
            updateSocket(id) { _ = $0.updatePeer { $0.hasReceivedReset = true; $0.resetError = error } }
            note(.r42, "our RST reached the peer of \(id): its next receive fails with \(error); it never sees the discarded bytes\(unread > 0 ? ", and the \(unread) bytes it had received but not read are lost too" : "").")
            return
        }
        let reported: WinsockError? = peer.hasReceivedFin ? nil : error
        updateSocket(id) { _ = $0.updatePeer { $0.hasReceivedReset = true; $0.resetError = reported } }
        if peer.hasReceivedFin {
            note(.r42, "[linux] our RST reached the peer of \(id) after our FIN had: tcp_reset records EPIPE, not ECONNRESET, and tcp_recvmsg_locked stops at the FIN, so the peer's receive keeps returning 0 (its sends fail with EPIPE).")
        } else {
            note(.r42, "[linux] our RST reached the peer of \(id): tcp_reset keeps its receive queue, so it still reads the \(unread) byte\(unread == 1 ? "" : "s") it had received; then its receive reports \(error) once (tcp_recvmsg_locked, sock_error) and returns 0 after that. It never sees the bytes our reset discarded.")
        }
    }

    /// J/linux: a call of ours reported the reset's error; the kernel clears it (`sock_error`), so
    /// later receives return 0 and sends fail with EPIPE.
    mutating func noteResetReported(_ s: SocketID) {
        guard settings.profile.reportsResetOnce, case .stream(.reset(.reset, let peer)) = sockets[live: s.index].endpoint else { return }
        updateSocket(s) { $0.endpoint = .stream(.reset(.reportedReset, peer)) }
    }

    /// The errno a failed call shows beside its Winsock name under `linux` (J): EBADF as WSAENOTSOCK,
    /// EAGAIN as WSAEWOULDBLOCK, ECONNRESET, EPIPE as WSAESHUTDOWN after our own SD_SEND and as
    /// WSAECONNABORTED otherwise, EINTR, ENOTCONN, EINVAL. Nil where the kernel is not asked: the
    /// lab's own checks (R24's WSAEINPROGRESS, R25 and R4's WSAEINVAL) and what has no errno.
    static func linuxErrno(for error: WinsockError, in call: ProviderCall) -> String? {
        switch error {
        case .notSocket: "EBADF"
        case .wouldBlock: "EAGAIN"
        case .connectionReset: "ECONNRESET"
        case .shutdown, .connectionAborted: "EPIPE"
        case .interrupted: "EINTR"
        case .notConnected: "ENOTCONN"
        case .isConnected: "EISCONN"
        case .noProtocolOption: "ENOPROTOOPT"
        case .networkDown: "ENETDOWN"
        case .invalidArgument:
            switch call {
            case .cancelBlockingCall, .duplicate, .socketFromProtocolInfo: nil
            case .socket, .connect, .setLinger, .setDontLinger, .getSockOpt, .setNonblocking, .send, .recv, .shutdown,
                 .close, .startup, .cleanup:
                "EINVAL"
            }
        case .inProgress, .notInitialised, .ioPending, .operationAborted, .connectionAbortedWindows: nil
        }
    }
}
