/// WSPSocket and WSPConnect: a new socket with its first descriptor (R6, R8), a descriptor from a
/// protocol-info block (R4), and a connection with a new peer (R41, R43) or a datagram socket's
/// default destination (R47).
extension World {
    mutating func createSocket(_ type: SocketType, nonblocking: Bool, in p: ProcessID) -> CallResult {
        let s = SocketID(rawValue: sockets.count + 1)
        let readBack = settings.profile.sendBufferReadBack(chosen: settings.chosenSendBuffer, size: settings.sendBuffer,
                                                           type: type)
        sockets.append(Socket(id: s, type: type, nonblocking: nonblocking, sendBufferSize: settings.sendBuffer,
                              readBack: readBack))
        touch(s)
        let h = makeHandle(for: s, in: p)
        cite(.r8, "a new socket starts with linger off (l_onoff 0, l_linger 0: SO_DONTLINGER is TRUE), {0}, overlapped attribute on.", .word(nonblocking ? "nonblocking as asked" : "blocking"))
        return .value(.handle(h))
    }

    /// R4: the target process turns the block into a descriptor; only then does the count rise.
    mutating func socketFromProtocolInfo(_ pi: ProtocolInfoID, in p: ProcessID) -> CallResult {
        guard let info = protocolInfo(pi) else {
            note(.r4, "\(pi) was never returned by WSPDuplicateSocket, so the call fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        guard info.target == p else {
            note(.r4, "\(pi) was made for \(info.target), not \(p), so the call fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        guard !info.isUsed else {
            note(.r4, "\(pi) was already used once; a block may be used only once, so the call fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        sockets.unpack(info.socket.index)
        let s = sockets[live: info.socket.index]
        let isHeldByThisBlock = settings.profile.callsHoldTheSocket && s.lifecycle == .held
        if !isHeldByThisBlock && (s.refcount == 0 || s.lifecycle != .referenced) {
            note(.r4, "the last descriptor of \(info.socket) was closed before \(pi) was used (its count reached 0), so the call fails with WSAENOTSOCK: the classic race of closing the source before the target has its descriptor.")
            return .failure(.notSocket)
        }
        if s.lingeringClose != nil && s.refcount == 1 {
            note(.r49, "the last descriptor of \(info.socket) is being closed (its close lingers), which counts as closed, so the call fails with WSAENOTSOCK.")
            return .failure(.notSocket)
        }
        protocolInfos[pi.index].isUsed = true
        if isHeldByThisBlock {
            note(.r4, "[linux] the descriptor in \(pi) was in flight (an SCM_RIGHTS message, or a dup) and held \(info.socket) all along (fput), so the close of its last descriptor did not close it: \(p) gets a descriptor of it.")
            unhold(info.socket)
        }
        updateSocket(info.socket) { $0.refcount += 1 }
        let h = makeHandle(for: info.socket, in: p)
        let count = sockets[live: info.socket.index].refcount
        note(.r4, "\(p) consumed \(pi): the new descriptor \(h) refers to \(info.socket), whose count rises to \(count).")
        note(.r3, "\(h) shares every option of \(info.socket) with its other descriptors: linger \(s.linger), \(s.isNonblocking ? "nonblocking" : "blocking").")
        return .value(.handle(h))
    }

    // MARK: WSPConnect

    mutating func connect(_ h: HandleID) -> CallResult {
        let s = socketID(of: h)
        switch sockets[live: s.index].endpoint {
        case .datagram(.unaddressed), .datagram(.addressed):
            updateSocket(s) { $0.endpoint = .datagram(.addressed) }
            note(.r47, "connecting a datagram socket only records its default destination; it stays CREATED.")
            return .value(.zero)
        case .stream(.unconnected):
            let peer = Peer(window: settings.window, nextDeparture: now)
            updateSocket(s) { $0.endpoint = .stream(.connected(Connection(peer: peer))) }
            emit(.stateChanged(s, .established))
            logWire(s, .toPeer, .handshake, sent: now, arrived: now)
            cite(.r41, "{0} is ESTABLISHED with a new peer whose receive window is {1} bytes.", .socket(s), .int(settings.window))
            return .value(.zero)
        case .stream(.connected), .stream(.finished), .stream(.reset):
            note(.r43, "\(s) connected before, so a second connect fails with WSAEISCONN.")
            return .failure(.isConnected)
        case .stream(.closed), .datagram(.closed):
            // Not reached through an open descriptor: a socket closed unconnected is released (R15).
            note(.r1, "\(s) was closed, so the call fails with WSAENOTSOCK.")
            return .failure(.notSocket)
        }
    }
}
