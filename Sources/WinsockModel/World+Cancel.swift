/// WSPCancelBlockingCall (R25, R26): from the calling thread's blocking hook. J/linux: the signal
/// that stands for it ends the wait without touching the connection.
extension World {
    mutating func cancelBlockingCall(by t: ThreadID) -> CallResult {
        guard let call = threads[t.index].blockedCall else {
            note(.r25, "\(t) has no blocking call outstanding, so WSPCancelBlockingCall fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        let resets = settings.profile.cancelledCallResets
        switch call {
        case .close(let h, let s):
            if settings.profile.lingersOnAnOrphan {
                note(.r25, "[linux] the signal that cancels the lingering close of \(h) ends sk_stream_wait_close, which touches nothing: the close returns 0 (not WSAEINTR), \(h) was released when the close began, and \(s) goes on as a graceful orphan with no RST.")
                endLingerOnOrphan(s)
                return .value(.zero)
            }
            wake(t, with: .failure(.interrupted))   // TN.result reads WSAEINTR, not the cancel's 0
            let linger = sockets[live: s.index].linger
            note(.r25, "WSPCancelBlockingCall cancels the lingering close of \(h) by \(t): it fails with WSAEINTR; \(h) stays valid and linger stays \(linger).")
        case .send(_, let s, let total, let remaining):
            let queued = total - remaining
            if !resets && queued > 0 {
                note(.r25, "[linux] the signal that cancels \(t)'s blocking WSPSend ends sk_stream_wait_memory after \(queued) of \(total) bytes were queued, so tcp_sendmsg_locked returns that count instead of WSAEINTR.")
                wake(t, with: .value(.count(queued)))
            } else {
                wake(t, with: .failure(.interrupted))
                note(.r25, "WSPCancelBlockingCall cancels \(t)'s blocking \(call.name): it fails with WSAEINTR.")
            }
            resetAfterCancel(s, resets: resets)
        case .recv(_, let s, _):
            wake(t, with: .failure(.interrupted))
            note(.r25, "WSPCancelBlockingCall cancels \(t)'s blocking \(call.name): it fails with WSAEINTR.")
            resetAfterCancel(s, resets: resets)
        }
        return .value(.zero)
    }

    /// R26: a cancelled blocking send or receive on a stream resets the connection. J/linux: it
    /// does not (`tcp_recvmsg_locked` and `sk_stream_wait_memory` end their waits with EINTR).
    private mutating func resetAfterCancel(_ s: SocketID, resets: Bool) {
        guard sockets[live: s.index].connection != nil else { return }
        guard resets else {
            note(.r26, "[linux] no reset follows: tcp_recvmsg_locked and sk_stream_wait_memory end their waits at a signal with EINTR and leave the connection of \(s) as it was.")
            return
        }
        note(.r26, "a cancelled blocking send or receive on a stream resets the connection of \(s); later sends, receives and shutdowns fail with WSAECONNABORTED; close still works.")
        resetConnection(s, cause: .cancelledCall, sendsReset: true)
    }
}
