/// WSPSetSockOpt, WSPGetSockOpt and WSPIoctl: SO_LINGER and SO_DONTLINGER (R27–R30), SO_SNDBUF,
/// and FIONBIO. Every option belongs to the socket and is shared by its descriptors (R3).
extension World {
    /// R29 and J: linger options on a datagram socket.
    mutating func datagramLingerSet(_ s: SocketID, _ option: SocketOption) -> CallResult {
        if settings.profile.acceptsDatagramSet(of: option) {
            let profile = settings.profile
            note(.r29, "[\(profile)] setting \(option) on the datagram socket \(s) succeeds and changes nothing.")
            return .value(.zero)
        }
        note(.r29, "\(option) exists only for connection-oriented stream sockets; on the datagram socket \(s) it fails with WSAENOPROTOOPT.")
        return .failure(.noProtocolOption)
    }

    /// J/linux: `sk_setsockopt` handles SO_LINGER for every kind of socket, so a datagram socket
    /// stores it (its close still never lingers, R15).
    mutating func storesDatagramLinger(_ s: SocketID) -> Bool {
        guard settings.profile.storesDatagramLinger else { return false }
        note(.r29, "[linux] sk_setsockopt handles SO_LINGER and SO_DONTLINGER for every kind of socket: on the datagram socket \(s) they are stored and read back as on a stream socket; its close still never lingers (R15).")
        return true
    }

    mutating func setLinger(_ h: HandleID, _ linger: Linger) -> CallResult {
        let s = socketID(of: h)
        if sockets[live: s.index].type == .dgram && !storesDatagramLinger(s) { return datagramLingerSet(s, .linger) }
        updateSocket(s) { $0.linger = linger }
        let kind = !linger.isEnabled ? "graceful without waiting (R9)"
            : linger.seconds == 0 ? "hard: RST and discard (R10)" : "lingering up to \(linger.seconds)s (R11, R12)"
        note(.r27, "SO_LINGER sets l_onoff \(linger.onoff), l_linger \(linger.seconds) on \(s): LINGER reads \(linger), so its next last close is \(kind).")
        if openHandles(of: s).count > 1 {
            note(.r3, "the linger setting belongs to \(s) and is shared by all its descriptors; the one in force at the last close decides.")
        }
        return .value(.zero)
    }

    mutating func setDontLinger(_ h: HandleID, _ on: Bool) -> CallResult {
        let s = socketID(of: h)
        if sockets[live: s.index].type == .dgram && !storesDatagramLinger(s) { return datagramLingerSet(s, .dontLinger) }
        let seconds = sockets[live: s.index].linger.seconds
        updateSocket(s) { $0.linger = Linger(onoff: on ? 0 : 1, seconds: seconds) }
        if on {
            note(.r27, "SO_DONTLINGER TRUE sets l_onoff 0 and keeps l_linger \(seconds): the next last close is graceful without waiting.")
        } else {
            note(.r27, "SO_DONTLINGER FALSE sets l_onoff 1 and reinstates the stored l_linger \(seconds): LINGER reads on \(seconds)s\(seconds == 0 ? ", so the next last close is hard" : "").")
        }
        return .value(.zero)
    }

    mutating func getSockOpt(_ h: HandleID, _ option: SocketOption) -> CallResult {
        let sock = sockets[live: socketID(of: h).index]
        switch option {
        case .linger, .dontLinger:
            guard sock.type == .stream || settings.profile.storesDatagramLinger else {
                note(.r29, "\(option) exists only for stream sockets; getting it on a datagram socket fails with WSAENOPROTOOPT.")
                return .failure(.noProtocolOption)
            }
            note(.r28, "SO_DONTLINGER is TRUE exactly when l_onoff is 0; SO_LINGER returns the pair. Both read one piece of state: \(sock.linger).")
            if !sock.linger.isEnabled && sock.linger.seconds != 0 {
                note(.r27, "l_linger \(sock.linger.seconds) is kept while linger is off: SO_DONTLINGER FALSE reinstates it (LINGER would read on \(sock.linger.seconds)s), and SO_LINGER sets a new pair.")
            }
            return option == .linger ? .value(.linger(sock.linger)) : .value(.bool(!sock.linger.isEnabled))
        case .sendBuffer:
            if sock.sendBufferReadBack != sock.sendBufferSize {
                note(.r44, "[linux] getsockopt reads what sock_setsockopt keeps: twice the value set (the kernel counts its own overhead), at least 4608 bytes, or the kernel's default when none was set; \(sock.id)'s queue still holds \(sock.sendBufferSize) bytes.")
            }
            return .value(.count(sock.sendBufferReadBack))
        }
    }

    mutating func setNonblocking(_ h: HandleID, _ on: Bool) -> CallResult {
        let s = socketID(of: h)
        updateSocket(s) { $0.isNonblocking = on }
        note(.r3, "the blocking mode belongs to \(s) and is shared by all its descriptors: it is now \(on ? "nonblocking" : "blocking").")
        return .value(.zero)
    }
}
