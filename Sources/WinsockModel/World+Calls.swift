/// The provider calls. Each checks, in R48's order, WSAEINPROGRESS (R24), WSANOTINITIALISED
/// (R35) and WSAENOTSOCK (R1, R5) before its own checks.
extension World {
    /// Issues a provider call from `thread` (default: the current thread).
    /// Throws only for what is an invalid line: no live process, or a thread that cannot call.
    public mutating func perform(_ call: ProviderCall, by thread: ThreadID? = nil) throws(Refusal) -> Outcome {
        guard let t = thread ?? current else {
            throw Refusal("no process is live: provider calls need one (`process new`)")
        }
        guard let th = self.thread(t) else { throw Refusal("there is no thread \(t)") }
        guard th.state != .exited else { throw Refusal("\(t) has exited with its process \(th.process)") }
        return try request { w throws(Refusal) in
            let result = w.dispatch(call, by: t)
            w.lastResult = result
            let cancelled = (call == .cancelBlockingCall && result == .value(.zero))
            if result != .blocked && !cancelled {
                w.updateThread(t) { $0.lastResult = result }
            }
            return result
        }
    }

    mutating func dispatch(_ call: ProviderCall, by t: ThreadID) -> CallResult {
        let p = threads[t.index].process
        if let error = commonError(call, by: t, in: p) { return .failure(error) }
        switch call {
        case .socket(let type, let nonblocking): return createSocket(type, nonblocking: nonblocking, in: p)
        case .socketFromProtocolInfo(let pi): return socketFromProtocolInfo(pi, in: p)
        case .connect(let h): return connect(h)
        case .setLinger(let h, let onoff, let seconds): return setLinger(h, Linger(onoff: onoff, seconds: seconds))
        case .setDontLinger(let h, let on): return setDontLinger(h, on)
        case .getSockOpt(let h, let option): return getSockOpt(h, option)
        case .setNonblocking(let h, let on): return setNonblocking(h, on)
        case .send(let h, let n, let overlapped): return send(h, bytes: n, overlapped: overlapped, by: t)
        case .recv(let h, let n, let overlapped): return recv(h, bytes: n, overlapped: overlapped, by: t)
        case .shutdown(let h, let how): return shutdown(h, how: how)
        case .close(let h): return closeSocket(h, by: t)
        case .duplicate(let h, let target): return duplicate(h, for: target)
        case .startup: return startup(p)
        case .cleanup: return cleanup(p)
        case .cancelBlockingCall: return cancelBlockingCall(by: t)
        }
    }

    /// R48: WSAEINPROGRESS, then WSANOTINITIALISED, then WSAENOTSOCK.
    mutating func commonError(_ call: ProviderCall, by t: ThreadID, in p: ProcessID) -> WinsockError? {
        if let blocked = threads[t.index].blockedCall, call != .cancelBlockingCall {
            note(.r48, "when several errors apply, WSAEINPROGRESS is reported first, then WSANOTINITIALISED, then WSAENOTSOCK.")
            note(.r24, "\(t) is blocked in \(blocked.name), so it can only call from its blocking hook: every call but WSPCancelBlockingCall fails with WSAEINPROGRESS and changes nothing.")
            return .inProgress
        }
        if processes[p.index].startupCount == 0 && call != .startup {
            note(.r35, "\(p) has no WSPStartup in force (its count is 0), so every call fails with WSANOTINITIALISED until the next WSPStartup.")
            return .notInitialised
        }
        if let h = call.handle {
            guard let handle = handle(h) else {
                note(.r1, "\(h) never was a handle, so the call fails with WSAENOTSOCK.")
                return .notSocket
            }
            guard handle.isOpen else {
                note(.r1, "\(h) was released by an earlier close, so any call through it fails with WSAENOTSOCK.")
                if call.name == .setSockOpt || call.name == .getSockOpt {
                    note(.r30, "getting or setting an option through a closed descriptor fails with WSAENOTSOCK and changes nothing.")
                }
                return .notSocket
            }
            guard handle.process == p else {
                note(.r5, "\(h) belongs to \(handle.process); a descriptor is valid only in its own process, so a call from \(p) fails with WSAENOTSOCK.")
                return .notSocket
            }
        }
        return nil
    }

    func socketID(of h: HandleID) -> SocketID { handles[h.index].socket }

    // MARK: WSPSocket

    mutating func createSocket(_ type: SocketType, nonblocking: Bool, in p: ProcessID) -> CallResult {
        let s = SocketID(rawValue: sockets.count + 1)
        sockets.append(Socket(id: s, type: type, nonblocking: nonblocking, sendBufferSize: settings.sendBuffer))
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
        let s = sockets[info.socket.index]
        if s.refcount == 0 || s.lifecycle != .referenced {
            note(.r4, "the last descriptor of \(info.socket) was closed before \(pi) was used (its count reached 0), so the call fails with WSAENOTSOCK: the classic race of closing the source before the target has its descriptor.")
            return .failure(.notSocket)
        }
        if s.lingeringClose != nil && s.refcount == 1 {
            note(.r49, "the last descriptor of \(info.socket) is being closed (its close lingers), which counts as closed, so the call fails with WSAENOTSOCK.")
            return .failure(.notSocket)
        }
        protocolInfos[pi.index].isUsed = true
        updateSocket(info.socket) { $0.refcount += 1 }
        let h = makeHandle(for: info.socket, in: p)
        let count = sockets[info.socket.index].refcount
        note(.r4, "\(p) consumed \(pi): the new descriptor \(h) refers to \(info.socket), whose count rises to \(count).")
        note(.r3, "\(h) shares every option of \(info.socket) with its other descriptors: linger \(s.linger), \(s.isNonblocking ? "nonblocking" : "blocking").")
        return .value(.handle(h))
    }

    // MARK: WSPConnect

    mutating func connect(_ h: HandleID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        switch sock.type {
        case .dgram:
            updateSocket(s) { $0.hasConnected = true }
            note(.r47, "connecting a datagram socket only records its default destination; it stays CREATED.")
            return .value(.zero)
        case .stream:
            guard !sock.hasConnected else {
                note(.r43, "\(s) connected before, so a second connect fails with WSAEISCONN.")
                return .failure(.isConnected)
            }
            let peer = Peer(window: settings.window, nextDeparture: now)
            updateSocket(s) {
                $0.hasConnected = true
                $0.peer = peer
            }
            setState(s, .established)
            logWire(s, .toPeer, .handshake, sent: now, arrived: now)
            cite(.r41, "{0} is ESTABLISHED with a new peer whose receive window is {1} bytes.", .socket(s), .int(settings.window))
            return .value(.zero)
        }
    }

    // MARK: Options (R27–R30)

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

    mutating func setLinger(_ h: HandleID, _ linger: Linger) -> CallResult {
        let s = socketID(of: h)
        if sockets[s.index].type == .dgram { return datagramLingerSet(s, .linger) }
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
        if sockets[s.index].type == .dgram { return datagramLingerSet(s, .dontLinger) }
        let seconds = sockets[s.index].linger.seconds
        updateSocket(s) { $0.linger = Linger(onoff: on ? 0 : 1, seconds: seconds) }
        if on {
            note(.r27, "SO_DONTLINGER TRUE sets l_onoff 0 and keeps l_linger \(seconds): the next last close is graceful without waiting.")
        } else {
            note(.r27, "SO_DONTLINGER FALSE sets l_onoff 1 and reinstates the stored l_linger \(seconds): LINGER reads on \(seconds)s\(seconds == 0 ? ", so the next last close is hard" : "").")
        }
        return .value(.zero)
    }

    mutating func getSockOpt(_ h: HandleID, _ option: SocketOption) -> CallResult {
        let sock = sockets[socketID(of: h).index]
        switch option {
        case .linger, .dontLinger:
            guard sock.type == .stream else {
                note(.r29, "\(option) exists only for stream sockets; getting it on a datagram socket fails with WSAENOPROTOOPT.")
                return .failure(.noProtocolOption)
            }
            note(.r28, "SO_DONTLINGER is TRUE exactly when l_onoff is 0; SO_LINGER returns the pair. Both read one piece of state: \(sock.linger).")
            return option == .linger ? .value(.linger(sock.linger)) : .value(.bool(!sock.linger.isEnabled))
        case .sendBuffer:
            return .value(.count(sock.sendBufferSize))
        }
    }

    mutating func setNonblocking(_ h: HandleID, _ on: Bool) -> CallResult {
        let s = socketID(of: h)
        updateSocket(s) { $0.isNonblocking = on }
        note(.r3, "the blocking mode belongs to \(s) and is shared by all its descriptors: it is now \(on ? "nonblocking" : "blocking").")
        return .value(.zero)
    }

    // MARK: WSPSend (R44, R47, R48)

    mutating func send(_ h: HandleID, bytes n: Int, overlapped: Bool, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        if sock.type == .dgram {
            guard sock.hasConnected else {
                note(.r47, "the datagram socket \(s) has no destination, so the send fails with WSAENOTCONN.")
                return .failure(.notConnected)
            }
            guard !sock.isSendShutdown else {
                note(.r33, "\(s) was shut down for sending, so the send fails with WSAESHUTDOWN.")
                return .failure(.shutdown)
            }
            updateSocket(s) { $0.accepted += n; $0.delivered += n }
            note(.r47, "a datagram leaves at once: nothing is queued and the send returns its size.")
            return .value(.count(n))
        }
        if let e = streamSendError(sock) { return .failure(e) }
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

    /// R48's order for a stream send: WSAENOTCONN, WSAECONNABORTED, WSAESHUTDOWN, WSAECONNRESET.
    mutating func streamSendError(_ sock: Socket) -> WinsockError? {
        if !sock.hasConnected {
            note(.r44, "\(sock.id) is a stream socket that never connected, so the send fails with WSAENOTCONN.")
            return .notConnected
        }
        if sock.resetCause == .cancelledCall {
            note(.r26, "a cancelled blocking call reset \(sock.id), so sends, receives and shutdowns fail with WSAECONNABORTED.")
            return .connectionAborted
        }
        if sock.isSendShutdown {
            note(.r31, "\(sock.id) was shut down for sending (SD_SEND), so the send fails with WSAESHUTDOWN.")
            return .shutdown
        }
        if sock.resetCause == .reset {
            note(.r43, "the connection of \(sock.id) was reset, so the send fails with WSAECONNRESET.")
            return .connectionReset
        }
        return nil
    }

    mutating func block(_ t: ThreadID, in call: BlockedCall) {
        updateThread(t) { $0.state = .blocked(call) }
        emit(.threadBlocked(t, call.name))
    }

    mutating func makeOperation(_ kind: Operation.Kind, through h: HandleID, socket s: SocketID,
                                by t: ThreadID, bytes n: Int) -> OperationID {
        let op = OperationID(rawValue: operations.count + 1)
        operations.append(Operation(id: op, kind: kind, handle: h, socket: s, process: handles[h.index].process,
                                    thread: t, requested: n))
        touch(op)
        updateHandle(h) { $0.pendingCount += 1 }
        return op
    }

    // MARK: WSPRecv (R45, R47, R48)

    mutating func recv(_ h: HandleID, bytes n: Int, overlapped: Bool, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        if sock.type == .stream && !sock.hasConnected {
            note(.r45, "\(s) is a stream socket that never connected, so the receive fails with WSAENOTCONN.")
            return .failure(.notConnected)
        }
        if sock.resetCause == .cancelledCall {
            note(.r26, "a cancelled blocking call reset \(s), so receives fail with WSAECONNABORTED.")
            return .failure(.connectionAborted)
        }
        if sock.isReceiveShutdown {
            note(.r31, "\(s) was shut down for receiving (SD_RECEIVE), so the receive fails with WSAESHUTDOWN.")
            return .failure(.shutdown)
        }
        if sock.receiveBuffer > 0 {
            let k = min(n, sock.receiveBuffer)
            updateSocket(s) { $0.receiveBuffer -= k }
            note(.r45, "\(sock.receiveBuffer) bytes were waiting, so the receive returns \(k) at once.")
            return .value(.count(k))
        }
        if sock.resetCause == .reset {
            note(.r45, "no data is waiting and the connection of \(s) was reset, so the receive fails with WSAECONNRESET (a reset outranks a FIN).")
            return .failure(.connectionReset)
        }
        if sock.hasPeerFinArrived {
            note(.r45, "no data is waiting and the peer's FIN has arrived, so the receive returns 0.")
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

    // MARK: WSPShutdown (R31–R33)

    mutating func shutdown(_ h: HandleID, how: Int) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        guard (0...2).contains(how) else {
            note(.r33, "how = \(how) is not SD_RECEIVE (0), SD_SEND (1) or SD_BOTH (2), so WSPShutdown fails with WSAEINVAL (checked first).")
            return .failure(.invalidArgument)
        }
        if sock.resetCause == .cancelledCall {
            note(.r26, "a cancelled blocking call reset \(s), so shutdown fails with WSAECONNABORTED.")
            return .failure(.connectionAborted)
        }
        if sock.type == .stream && (!sock.hasConnected || sock.resetCause != nil) {
            note(.r33, "\(s) \(sock.hasConnected ? "was reset" : "never connected"), so shutdown fails with WSAENOTCONN.")
            return .failure(.notConnected)
        }
        let stopsReceiving = how == ShutdownHow.receive || how == ShutdownHow.both
        let stopsSending = how == ShutdownHow.send || how == ShutdownHow.both
        updateSocket(s) {
            if stopsReceiving { $0.isReceiveShutdown = true }
            if stopsSending {
                $0.isSendShutdown = true
                if $0.type == .stream && !$0.isFinSent { $0.isFinOwed = true }
            }
        }
        if sock.type == .dgram {
            note(.r33, "on a datagram socket shutdown succeeds; later \(stopsSending && stopsReceiving ? "sends and receives" : stopsSending ? "sends" : "receives") fail with WSAESHUTDOWN.")
            return .value(.zero)
        }
        if stopsSending {
            if sock.isFinSent || sock.isFinOwed {
                note(.r31, "\(s) was already shut down for sending; shutting down twice succeeds and sends nothing more.")
            } else if sock.sendQueue > 0 || !sock.sendWaiters.isEmpty {
                note(.r31, "SD_SEND: no more sends; the FIN follows the \(sock.sendQueue) bytes still queued.")
            } else {
                note(.r31, "SD_SEND: no more sends, and with nothing queued the FIN leaves now.")
            }
        }
        if stopsReceiving {
            note(.r31, "SD_RECEIVE: no more receives; data that arrives with no receive pending will reset the connection.")
        }
        note(.r32, "shutdown never blocks and ignores linger (\(sock.linger)); it frees nothing: only close does.")
        return .value(.zero)
    }

    // MARK: WSPDuplicateSocket (R4)

    mutating func duplicate(_ h: HandleID, for target: ProcessID) -> CallResult {
        guard let proc = process(target), proc.isAlive else {
            note(.r4, "\(target) is not a live process, so WSPDuplicateSocket fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        let s = socketID(of: h)
        let pi = ProtocolInfoID(rawValue: protocolInfos.count + 1)
        protocolInfos.append(ProtocolInfo(id: pi, socket: s, source: h, target: target))
        let count = sockets[s.index].refcount
        note(.r4, "WSPDuplicateSocket only makes the block \(pi) for \(target); the count of \(s) stays \(count) until \(target) uses it with `socket from \(pi)`.")
        return .value(.protocolInfo(pi))
    }

    // MARK: WSPStartup / WSPCleanup (R35–R38)

    mutating func startup(_ p: ProcessID) -> CallResult {
        processes[p.index].startupCount += 1
        let count = processes[p.index].startupCount
        note(.r35, "WSPStartup is counted per process: the count of \(p) is now \(count).")
        return .value(.zero)
    }

    mutating func cleanup(_ p: ProcessID) -> CallResult {
        processes[p.index].startupCount -= 1
        let left = processes[p.index].startupCount
        guard left == 0 else {
            note(.r35, "only the cleanup that brings the count to 0 acts; the count of \(p) is now \(left).")
            return .value(.zero)
        }
        if settings.profile.cleanupOnlyCounts {
            note(.r35, "[reactos] WSPCleanup only counts: the count of \(p) is 0, but nothing is reset, aborted or woken.")
            return .value(.zero)
        }
        note(.r35, "this cleanup brings the count of \(p) to 0, so it acts; every later call fails with WSANOTINITIALISED until the next WSPStartup.")
        finalCleanup(p)
        return .value(.zero)
    }

    /// The final cleanup (R36, R37), also what a process exit does (R39).
    mutating func finalCleanup(_ p: ProcessID) {
        let pending = operations.filter { $0.isPending && $0.process == p }.map(\.id)
        for op in pending {
            note(.r36, "the final cleanup aborts \(op) with WSA_OPERATION_ABORTED without performing its completion action.")
            abort(op, with: .operationAborted, notify: false)
        }
        for t in processes[p.index].threads where threads[t.index].isBlocked {
            note(.r36, "the final cleanup fails the call \(t) was blocked in with WSAEINTR.")
            wake(t, with: .failure(.interrupted))
        }
        let held = handles.filter { $0.isOpen && $0.process == p }.map(\.id)
        for h in held { resetAndRelease(h) }
        let orphans = sockets.filter { $0.isOrphan }
        if !orphans.isEmpty {
            note(.r38, "sockets already closed and still draining (\(orphans.map(\.id.description).joined(separator: ", "))) are not affected: their data is still sent.")
        }
    }

    /// R37: a descriptor the final cleanup finds is closed as if with a hard close.
    mutating func resetAndRelease(_ h: HandleID) {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        if sock.refcount > 1 {
            note(.r37, "\(h) is released; \(s) is still referenced by another descriptor (count \(sock.refcount - 1)) and lives on.")
        } else if sock.isConnectedStream && sock.state != .timeWait {
            note(.r37, "\(h) was the last descriptor of the connected \(s), so the final cleanup resets it (RST, DISCARD) and releases it.")
            resetConnection(s, cause: .reset, sendsReset: true, inClose: true)
        } else {
            note(.r37, "\(h) is released by the final cleanup\(sock.state == .timeWait ? "; \(s) stays in TIME_WAIT until it ends" : "").")
            if sock.state != .timeWait && sock.lostReferences == 0 { setState(s, .closed) }
        }
        releaseDescriptor(h)
    }

    // MARK: WSPCancelBlockingCall (R25, R26)

    mutating func cancelBlockingCall(by t: ThreadID) -> CallResult {
        guard let call = threads[t.index].blockedCall else {
            note(.r25, "\(t) has no blocking call outstanding, so WSPCancelBlockingCall fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        updateThread(t) { $0.lastResult = .value(.zero) }
        wake(t, with: .failure(.interrupted))
        switch call {
        case .close(let h, let s):
            let linger = sockets[s.index].linger
            note(.r25, "WSPCancelBlockingCall cancels the lingering close of \(h) by \(t): it fails with WSAEINTR; \(h) stays valid and linger stays \(linger).")
        case .send(_, let s, _, _), .recv(_, let s, _):
            note(.r25, "WSPCancelBlockingCall cancels \(t)'s blocking \(call.name): it fails with WSAEINTR.")
            if sockets[s.index].type == .stream && sockets[s.index].isConnectedStream {
                note(.r26, "a cancelled blocking send or receive on a stream resets the connection of \(s); later sends, receives and shutdowns fail with WSAECONNABORTED; close still works.")
                resetConnection(s, cause: .cancelledCall, sendsReset: true)
            }
        }
        return .value(.zero)
    }
}
