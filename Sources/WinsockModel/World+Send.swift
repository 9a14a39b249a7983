/// WSPSend (R44, R47, R48): a stream send queues what fits, then blocks, fails with WSAEWOULDBLOCK or
/// pends as an overlapped operation; a datagram leaves at once.
extension World {
    mutating func send(_ h: HandleID, bytes n: Int, overlapped: Bool, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        switch sock.endpoint {
        case .datagram(let datagram):
            return sendDatagram(s, bytes: n, datagram)
        case .stream(let connection):
            if let e = streamSendError(sock, connection) { return .failure(e) }
        }
        let free = sock.freeSendBuffer
        let othersWaiting = !sock.sendWaiters.isEmpty
        if !othersWaiting && n <= free {
            updateSocket(s) { $0.sendQueue += n; $0.accepted += n }
            if n > 0 { cite(.r44, "{0} bytes fit in the free send buffer ({1} of {2}), so they are queued and the send returns {0}.", .int(n), .int(free), .int(sock.sendBufferSize)) }
            return .value(.count(n))
        }
        if overlapped {
            let op = makeOperation(.send, through: h, socket: s, by: t, bytes: n)
            updateSocket(s) { $0.sendWaiters.append(.operation(op)) }
            let why = n > sock.sendBufferSize ? "is larger than the send buffer (\(sock.sendBufferSize))"
                : othersWaiting ? "finds earlier sends still waiting" : "does not fit in the free buffer (\(free) bytes)"
            note(.r44, "the overlapped send of \(n) bytes \(why), so it fails with WSA_IO_PENDING as \(op) and is queued whole later.")
            return .pending(op)
        }
        if sock.isNonblocking {
            guard !othersWaiting && free > 0 else {
                note(.r44, "the nonblocking send finds \(othersWaiting ? "earlier sends still waiting" : "the send buffer full"), so it fails with WSAEWOULDBLOCK.")
                return .failure(.wouldBlock)
            }
            updateSocket(s) { $0.sendQueue += free; $0.accepted += free }
            note(.r44, "only \(free) of \(n) bytes fit, so the nonblocking send queues them and returns \(free).")
            return .value(.count(free))
        }
        let k = othersWaiting ? 0 : free
        updateSocket(s) {
            $0.sendQueue += k
            $0.accepted += k
            $0.sendWaiters.append(.thread(t))
        }
        block(t, in: .send(h, s, total: n, remaining: n - k))
        note(.r44, "only \(k) of \(n) bytes fit now, so the blocking send queues them and blocks \(t) until the rest is queued.")
        return .blocked
    }

    /// R47: a datagram leaves at once, to the default destination WSPConnect recorded.
    mutating func sendDatagram(_ s: SocketID, bytes n: Int, _ datagram: DatagramState) -> CallResult {
        switch datagram {
        case .unaddressed, .closed:
            note(.r47, "the datagram socket \(s) has no destination, so the send fails with WSAENOTCONN.")
            return .failure(.notConnected)
        case .addressed:
            break
        }
        guard !sockets[live: s.index].isSendShutdown else {
            note(.r33, "\(s) was shut down for sending, so the send fails with WSAESHUTDOWN.")
            return .failure(.shutdown)
        }
        updateSocket(s) { $0.accepted += n; $0.delivered += n }
        note(.r47, "a datagram leaves at once: nothing is queued and the send returns its size.")
        return .value(.count(n))
    }

    /// R48's order for a stream send: WSAENOTCONN, WSAECONNABORTED, WSAESHUTDOWN, WSAECONNRESET.
    mutating func streamSendError(_ sock: Socket, _ connection: StreamConnection) -> WinsockError? {
        let cause: ResetCause?
        switch connection {
        case .unconnected, .closed:
            note(.r44, "\(sock.id) is a stream socket that never connected, so the send fails with WSAENOTCONN.")
            return .notConnected
        case .connected, .finished:
            cause = nil
        case .reset(let why, _):
            cause = why
        }
        if cause == .cancelledCall {
            note(.r26, "a cancelled blocking call reset \(sock.id), so sends, receives and shutdowns fail with WSAECONNABORTED.")
            return .connectionAborted
        }
        if cause == .reset && settings.profile.reportsResetOnce {
            note(.r43, "[linux] the connection of \(sock.id) was reset: tcp_sendmsg_locked reports the reset's error first, once (sock_error clears it); later sends fail with EPIPE.")
            noteResetReported(sock.id)
            return .connectionReset
        }
        if sock.isSendShutdown {
            note(.r31, "\(sock.id) was shut down for sending (SD_SEND), so the send fails with WSAESHUTDOWN.")
            if settings.profile.showsErrno {
                note(.r31, "[linux] tcp_sendmsg_locked sees SEND_SHUTDOWN and fails with EPIPE, which after our own SD_SEND reads WSAESHUTDOWN.")
            }
            return .shutdown
        }
        if cause == .reset {
            note(.r43, "the connection of \(sock.id) was reset, so the send fails with WSAECONNRESET.")
            return .connectionReset
        }
        if cause == .reportedReset {
            note(.r43, "[linux] the reset of \(sock.id) was already reported once, so the send fails with EPIPE: WSAECONNABORTED (the connection is gone; SD_SEND was not done).")
            return .connectionAborted
        }
        return nil
    }
}
