/// WSPRecv (R45, R47, R48): data already received first, then the connection's end (a reset, the
/// peer's FIN), then a receive that blocks, fails with WSAEWOULDBLOCK or pends.
extension World {
    mutating func recv(_ h: HandleID, bytes n: Int, overlapped: Bool, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        // What the connection decides once the data already received is read (R43, R45).
        let cause: ResetCause?
        let peerHasFinished: Bool
        switch sock.endpoint {
        case .stream(.unconnected), .stream(.closed):
            note(.r45, "\(s) is a stream socket that never connected, so the receive fails with WSAENOTCONN.")
            return .failure(.notConnected)
        case .stream(.connected(let c)):
            (cause, peerHasFinished) = (nil, c.hasPeerFinArrived)
        case .stream(.finished):
            // Both FINs went their way (TIME_WAIT and LAST_ACK come after the peer's FIN; an orphan
            // given up on in FIN_WAIT_2 has no descriptor left to receive through).
            (cause, peerHasFinished) = (nil, true)
        case .stream(.reset(let why, _)):
            (cause, peerHasFinished) = (why, false)
        case .datagram:
            (cause, peerHasFinished) = (nil, false)
        }
        if cause == .cancelledCall {
            note(.r26, "a cancelled blocking call reset \(s), so receives fail with WSAECONNABORTED.")
            return .failure(.connectionAborted)
        }
        let onlyMarked = settings.profile.receiveShutdownOnlyMarks
        if sock.isReceiveShutdown && !onlyMarked {
            note(.r31, "\(s) was shut down for receiving (SD_RECEIVE), so the receive fails with WSAESHUTDOWN.")
            return .failure(.shutdown)
        }
        if sock.receiveBuffer > 0 {
            let k = min(n, sock.receiveBuffer)
            updateSocket(s) { $0.receiveBuffer -= k }
            note(.r45, "\(sock.receiveBuffer) bytes were waiting, so the receive returns \(k) at once.")
            if sock.isReceiveShutdown {
                note(.r31, "[linux] SD_RECEIVE only marked \(s) (inet_shutdown): tcp_recvmsg_locked still returns the data queued.")
            }
            return .value(.count(k))
        }
        if cause == .reset {
            note(.r45, "no data is waiting and the connection of \(s) was reset, so the receive fails with WSAECONNRESET (a reset outranks a FIN).")
            if settings.profile.reportsResetOnce {
                note(.r43, "[linux] the kernel reports a reset's error once (sock_error clears it): later receives on \(s) return 0, and sends fail with EPIPE.")
                noteResetReported(s)
            }
            return .failure(.connectionReset)
        }
        if cause == .reportedReset {
            note(.r43, "[linux] the reset of \(s) was already reported once; with no data waiting, tcp_recvmsg_locked returns 0 (the socket is shut down both ways).")
            return .value(.count(0))
        }
        if peerHasFinished {
            note(.r45, "no data is waiting and the peer's FIN has arrived, so the receive returns 0.")
            return .value(.count(0))
        }
        if sock.isReceiveShutdown {
            note(.r31, "[linux] \(s) was shut down for receiving: inet_shutdown only marked it, and with nothing queued tcp_recvmsg_locked returns 0 at once (not WSAESHUTDOWN, and it never blocks).")
            return .value(.count(0))
        }
        if overlapped {
            let op = makeOperation(.recv, through: h, socket: s, by: t, bytes: n)
            updateSocket(s) { $0.receiveWaiters.append(.operation(op)) }
            note(.r45, "no data is waiting, so the overlapped receive fails with WSA_IO_PENDING as \(op); it completes with the first bytes that arrive.")
            return .pending(op)
        }
        if sock.isNonblocking {
            note(.r45, "no data is waiting on the nonblocking socket \(s), so the receive fails with WSAEWOULDBLOCK.")
            return .failure(.wouldBlock)
        }
        updateSocket(s) { $0.receiveWaiters.append(.thread(t)) }
        block(t, in: .recv(h, s, bytes: n))
        note(.r45, "no data is waiting on the blocking socket \(s), so \(t) blocks until data, the peer's FIN or a reset arrives.")
        return .blocked
    }
}
