/// WSPShutdown (R31–R33): ends sending, receiving or both, without closing anything.
extension World {
    mutating func shutdown(_ h: HandleID, how: Int) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        guard (0...2).contains(how) else {
            note(.r33, "how = \(how) is not SD_RECEIVE (0), SD_SEND (1) or SD_BOTH (2), so WSPShutdown fails with WSAEINVAL (checked first).")
            return .failure(.invalidArgument)
        }
        // Our FIN so far; nil on a datagram socket.
        let fin: FinProgress?
        switch sock.endpoint {
        case .stream(.reset(.cancelledCall, _)):
            note(.r26, "a cancelled blocking call reset \(s), so shutdown fails with WSAECONNABORTED.")
            return .failure(.connectionAborted)
        case .stream(.reset(.reset, _)), .stream(.reset(.reportedReset, _)):
            note(.r33, "\(s) was reset, so shutdown fails with WSAENOTCONN.")
            return .failure(.notConnected)
        case .stream(.unconnected), .stream(.closed):
            note(.r33, "\(s) never connected, so shutdown fails with WSAENOTCONN.")
            return .failure(.notConnected)
        case .stream(.connected(let c)):
            fin = c.fin
        case .stream(.finished):
            if settings.profile.shutdownOfFinishedConnectionFails {
                note(.r33, "[linux] \(s) is CLOSED (both FINs went their way): inet_shutdown fails with ENOTCONN on a closed socket, shown as WSAENOTCONN.")
                return .failure(.notConnected)
            }
            fin = .sent
        case .datagram:
            fin = nil
        }
        let stopsReceiving = how == ShutdownHow.receive || how == ShutdownHow.both
        let stopsSending = how == ShutdownHow.send || how == ShutdownHow.both
        updateSocket(s) {
            if stopsReceiving { $0.isReceiveShutdown = true }
            if stopsSending {
                $0.isSendShutdown = true
                _ = $0.updateConnection { c in if c.fin == .notOwed { c.fin = .owed } }
            }
        }
        guard let fin else {
            note(.r33, "on a datagram socket shutdown succeeds; later \(stopsSending && stopsReceiving ? "sends and receives" : stopsSending ? "sends" : "receives") fail with WSAESHUTDOWN.")
            return .value(.zero)
        }
        if stopsSending {
            if fin != .notOwed {
                note(.r31, "\(s) was already shut down for sending; shutting down twice succeeds and sends nothing more.")
            } else if sock.sendQueue > 0 || !sock.sendWaiters.isEmpty {
                note(.r31, "SD_SEND: no more sends; the FIN follows the \(sock.sendQueue) bytes still queued.")
            } else {
                note(.r31, "SD_SEND: no more sends, and with nothing queued the FIN leaves now.")
            }
        }
        if stopsReceiving && settings.profile.receiveShutdownOnlyMarks {
            note(.r31, "[linux] SD_RECEIVE: inet_shutdown only marks the socket (nothing goes on the wire): a receive returns what is queued, then 0 (never WSAESHUTDOWN), and data that arrives later is kept and readable, with no RST (tcp_recvmsg_locked).")
        } else if stopsReceiving {
            note(.r31, "SD_RECEIVE: no more receives; data that arrives with no receive pending will reset the connection.")
        }
        note(.r32, "shutdown never blocks and ignores linger (\(sock.linger)); it frees nothing: only close does.")
        return .value(.zero)
    }
}
