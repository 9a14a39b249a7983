/// WSPCloseSocket (R1, R2, R7–R22, R40, R49).
extension World {
    /// Why a close cannot go ahead: it fails, the descriptor stays valid and nothing changes (but
    /// see ReactOS, J). WSAENOTSOCK, WSAEINPROGRESS and WSANOTINITIALISED are decided before, for
    /// every call (`commonError`, R48).
    enum CloseRefusal: Error, Equatable {
        /// A nonblocking close that lingers with data queued (R12).
        case wouldBlock
    }

    /// Why a socket has no connection for its last close to act on (R15).
    enum Unconnected: Equatable {
        case datagram, neverConnected, reset, finished
    }

    /// What a close of one descriptor that goes ahead will do, decided before anything changes.
    enum ClosePlan: Equatable {
        /// Other descriptors remain: only this one is released (R2).
        case releaseOnly
        /// ReactOS's lost count (J): the retried close releases the descriptor and leaks the socket.
        case releaseAndLeak
        /// J/linux: the last descriptor, but a blocked call, a pending operation or an unused block
        /// still holds the socket: only the descriptor is released, and the socket is `held`.
        case releaseHeld
        /// The last reference: what happens to the socket.
        case close(SocketClose)

        /// Only the descriptor goes; the socket and its connection are not touched (R2, J).
        var releasesOnlyTheDescriptor: Bool {
            switch self {
            case .releaseOnly, .releaseAndLeak, .releaseHeld: true
            case .close: false
            }
        }

        /// Resets the connection (R10, R51).
        var isHard: Bool {
            switch self {
            case .close(.hard), .close(.resetUnread): true
            case .releaseOnly, .releaseAndLeak, .releaseHeld, .close(.releaseAtOnce), .close(.keepTimeWait),
                 .close(.graceful), .close(.linger):
                false
            }
        }
    }

    /// What the close of a socket's last reference does to the socket, one case per row of R7's
    /// table and of the rules that come before it.
    enum SocketClose: Equatable {
        /// Not connected, datagram, or already reset or finished: released at once (R15).
        case releaseAtOnce(Unconnected)
        /// Last close in TIME_WAIT: nothing is sent; the socket stays until TIME_WAIT ends (R43).
        case keepTimeWait
        /// Graceful without waiting: the connection drains as an orphan (R9; R11/R12 with nothing
        /// to wait for; R22 with the network down; ReactOS's zero linger after SD_RECEIVE, J;
        /// J/linux's closes that never linger).
        case graceful(Connection)
        /// Hard: RST, DISCARD (R10).
        case hard
        /// Hard because bytes from the peer were never read (R51), whatever the linger option.
        case resetUnread(bytes: Int)
        /// Lingering close with something to wait for: the thread waits (R11; J/linux).
        case linger(seconds: Int)
    }

    /// Decides a close of `h`, before anything changes. `mayLinger` is false for a close that
    /// never lingers (J/linux: a process's exit).
    func closePlan(for h: HandleID, mayLinger: Bool = true) -> Result<ClosePlan, CloseRefusal> {
        let s = sockets[live: socketID(of: h).index]
        if s.lostReferences > 0 { return .success(.releaseAndLeak) }
        if s.refcount > 1 { return .success(.releaseOnly) }
        if settings.profile.callsHoldTheSocket && isHeld(s.id) { return .success(.releaseHeld) }
        let close = lastClose(of: s, mayLinger: mayLinger)
        if case .linger = close, s.isNonblocking, !settings.profile.lingersWhateverTheMode { return .failure(.wouldBlock) }
        return .success(.close(close))
    }

    /// What the close of the socket's last reference does (R7's table and what comes before it).
    /// With `mayLinger` false, a close that would linger is graceful instead (J/linux).
    func lastClose(of s: Socket, mayLinger: Bool) -> SocketClose {
        let c: Connection
        switch s.endpoint {
        case .stream(.connected(let connection)): c = connection
        case .stream(.unconnected), .stream(.closed): return .releaseAtOnce(.neverConnected)
        case .stream(.reset): return .releaseAtOnce(.reset)
        case .stream(.finished): return .releaseAtOnce(.finished)
        case .datagram: return .releaseAtOnce(.datagram)
        }
        if c.state == .timeWait { return .keepTimeWait }
        if s.receiveBuffer > 0 { return .resetUnread(bytes: s.receiveBuffer) } // R51: before R9–R12
        let hard = s.linger.isEnabled && s.linger.seconds == 0
            && !(settings.profile.zeroLingerAfterReceiveShutdownIsGraceful && s.isReceiveShutdown)
        if !settings.isNetworkUp { return hard ? .hard : .graceful(c) } // R22: never waits
        if !s.linger.isEnabled { return .graceful(c) }
        if hard { return .hard }
        if s.linger.seconds == 0 { return .graceful(c) } // J/reactos: zero linger after SD_RECEIVE
        if !mayLinger || !lingerHasSomethingToWaitFor(s, c) { return .graceful(c) }
        return .linger(seconds: s.linger.seconds)
    }

    /// R11/R12: a lingering close waits while data is queued. J/linux: it waits until our FIN is
    /// acknowledged (`sk_stream_wait_close`), which with nothing queued and `net latency 0` is at once.
    func lingerHasSomethingToWaitFor(_ s: Socket, _ c: Connection) -> Bool {
        if s.sendQueue > 0 || !s.sendWaiters.isEmpty { return true }
        guard settings.profile.lingersOnAnOrphan else { return false }
        switch c.state {
        case .finWait1, .closing, .lastAck: return true
        case .established, .closeWait: return c.fin != .sent && settings.netLatency > .zero
        case .created, .finWait2, .timeWait, .closed: return false
        }
    }

    mutating func closeSocket(_ h: HandleID, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        let plan: ClosePlan
        switch closePlan(for: h) {
        case .failure(.wouldBlock): return refuseToBlock(closing: h)
        case .success(let goesAhead): plan = goesAhead
        }

        // The close goes ahead: ABORTs, then WAKEs, then RST/DISCARD/STATE, then the WPU up-call,
        // then RELEASE (docs/language.md, "What is printed"). J/linux: calls and operations hold
        // the socket, so nothing is aborted or woken.
        if settings.profile.callsHoldTheSocket {
            explainHolds(closing: h, plan: plan)
        } else {
            abortOperations(closing: h, plan: plan)
            wakeThreadsBlocked(through: h, except: t, rule: sock.lingeringClose != nil ? .r49 : .r19)
            if sock.lingeringClose != nil {
                note(.r49, "a second close of \(h) that goes ahead woke the lingering one with WSAEINTR and proceeds itself.")
            }
        }
        let networkDown = !settings.isNetworkUp
        if networkDown {
            note(.r22, "the network is down: the close never waits and never fails with WSAEWOULDBLOCK; it closes \(plan.isHard ? "hard" : "gracefully"), releases \(h) and returns WSAENETDOWN.")
        }
        switch plan {
        case .close(.linger(let seconds)):
            return settings.profile.lingersOnAnOrphan ? lingerOnOrphan(closing: h, seconds: seconds, by: t)
                : linger(closing: h, seconds: seconds, by: t)
        case .releaseOnly, .releaseAndLeak, .releaseHeld, .close(.releaseAtOnce), .close(.keepTimeWait),
             .close(.graceful), .close(.hard), .close(.resetUnread):
            goAhead(closing: h, plan, found: sock)
        }
        return networkDown ? .failure(.networkDown) : .value(.zero)
    }

    /// A close of `h` that does not wait: the plan's notes and effects, then the descriptor is
    /// released. `found` is the socket as the close found it (before its aborts and wake-ups).
    mutating func goAhead(closing h: HandleID, _ plan: ClosePlan, found: Socket, lingers: Bool = true) {
        let s = socketID(of: h)
        switch plan {
        case .releaseOnly:
            let others = found.refcount - 1
            note(.r2, "\(s) still has \(others) other descriptor\(others == 1 ? "" : "s"), so closing \(h) only releases \(h): the connection stays up and nothing goes on the wire.")
        case .releaseAndLeak, .releaseHeld:
            break
        case .close(let close):
            closeConnection(s, close, found: found, lingers: lingers)
        }
        releaseDescriptor(h)
    }

    /// R11: a blocking close that lingers with data queued blocks its thread; the descriptor stays
    /// valid until the close finishes (R49).
    private mutating func linger(closing h: HandleID, seconds: Int, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        var generation = 0
        updateSocket(s) {
            $0.lingerGeneration += 1
            generation = $0.lingerGeneration
            $0.lingeringClose = LingeringClose(thread: t, handle: h, generation: generation)
        }
        schedule(.lingerTimeout(s, generation: generation), at: now.adding(.seconds(Int64(seconds))))
        block(t, in: .close(h, s))
        note(.r7, "linger is on with a non-zero timeout (\(sock.linger)): the close is graceful if the queue drains in time, else hard, and it waits on a blocking socket.")
        note(.r13, "queued means accepted by WSPSend and not yet delivered to the peer: the \(sock.sendQueue) bytes in SENDQ.")
        note(.r11, "\(s) is blocking and lingers \(seconds)s with \(sock.sendQueue) bytes queued, so \(t) blocks in WSPCloseSocket until the queue empties (then FIN, return 0) or the timeout expires (then RST before it returns, still 0).")
        return .blocked
    }

    /// The socket-level part of a close that does not wait (R9, R10, R14, R15, R43, R51), for a
    /// descriptor's close or (J/linux) the close of a socket whose last hold ended. `lingers` is
    /// false for a close that skipped its linger (J/linux): its caller says why.
    mutating func closeConnection(_ s: SocketID, _ close: SocketClose, found sock: Socket, lingers: Bool = true) {
        switch close {
        case .releaseAtOnce(let why):
            let reason = switch why {
            case .datagram: "a datagram socket"
            case .neverConnected: "not connected"
            case .reset: "already reset"
            case .finished: "already CLOSED"
            }
            note(.r15, "\(s) is \(reason), so the close releases it at once: nothing on the wire, no linger wait.")
            closeEndpoint(s)
        case .keepTimeWait:
            note(.r43, "\(s) is in TIME_WAIT: the last close sends nothing (no RST, even at linger 0); the socket stays until TIME_WAIT ends.")
        case .graceful(let c):
            explainGraceful(sock, c, lingers: lingers)
            switch c.fin {
            case .notOwed, .owed:
                updateSocket(s) { _ = $0.updateConnection { $0.fin = .owed } }
                // Judged on the socket as the close found it: with sends waiting then (even ones
                // this close aborted), the FIN leaves later in this instant, after the up-call.
                if sock.sendQueue == 0 && sock.sendWaiters.isEmpty { sendFin(s) }
            case .sent:
                note(.r14, "SD_SEND was already done, so the graceful close sends no second FIN.")
                if c.hasPeerFinArrived && sock.receiveBuffer == 0 {
                    note(.r34, "this is the recommended graceful teardown: shutdown(SD_SEND), receive until a receive returns 0, close; the close sends nothing more.")
                }
            }
        case .hard:
            note(.r7, "linger is on with a zero timeout (on 0s): the last close is hard (abortive) and does not wait.")
            note(.r10, "linger is on with a zero timeout, so the close is hard: it returns 0 at once\(sock.isNonblocking ? " (even nonblocking)" : ""), the connection is reset (RST), \(sock.sendQueue) unsent bytes are lost, there is no TIME_WAIT, and the peer's next receive fails with WSAECONNRESET.")
            resetConnection(s, cause: .reset, sendsReset: true, inClose: true)
        case .resetUnread(let unread):
            let unsent = sock.sendQueue
            note(.r51, "\(unread) byte\(unread == 1 ? "" : "s") from the peer arrived on \(s) and \(unread == 1 ? "was" : "were") never read (RECVQ), so closing its last descriptor is hard whatever the linger option (\(sock.linger)): it returns 0 at once\(sock.isNonblocking ? " (no WSAEWOULDBLOCK)" : ""), resets the connection (RST), drops the \(unread) unread bytes\(unsent > 0 ? " and discards the \(unsent) unsent ones" : ""); the peer's next receive fails with WSAECONNRESET. RFC 1122 asks for this reset, to show data was lost. Reading the data first — receive until a receive returns 0, then close (R34) — avoids it.")
            if settings.profile.lingersOnAnOrphan {
                note(.r51, "[linux] __tcp_close purges the receive queue and, with data unread, sends RST (tcp_send_active_reset) before it looks at the linger option.")
            }
            updateSocket(s) { $0.receiveBuffer = 0 }
            resetConnection(s, cause: .reset, sendsReset: true, inClose: true)
        case .linger:
            preconditionFailure("a lingering close is started by closeSocket, never here")
        }
    }

    /// R12: a nonblocking close that lingers with data queued fails and changes nothing — except
    /// under ReactOS, whose provider loses a reference first (J).
    private mutating func refuseToBlock(closing h: HandleID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        note(.r7, "linger is on with a non-zero timeout (\(sock.linger)): the close is graceful if the queue drains in time, else hard, and it waits only on a blocking socket.")
        note(.r13, "queued means accepted by WSPSend and not yet delivered to the peer: the \(sock.sendQueue) bytes in SENDQ.")
        note(.r12, "\(s) is nonblocking and lingers \(sock.linger.seconds)s with \(sock.sendQueue) bytes still queued, so the close cannot complete at once: it fails with WSAEWOULDBLOCK and nothing changed. Call again after the queue drains, or turn linger off (SO_DONTLINGER TRUE), or set a zero timeout (SO_LINGER 1 0).")
        if settings.provider == .nonIFS {
            note(.r40, "the descriptor stays valid, so there is no WPUCloseSocketHandle.")
        }
        if settings.profile.losesReferenceOnWouldBlock {
            updateSocket(s) { $0.refcount -= 1; $0.lostReferences += 1 }
            let count = sockets[live: s.index].refcount
            note(.r12, "[reactos] msafd drops the reference count of \(s) before returning WSAEWOULDBLOCK and never restores it (REFCNT now \(count)).")
        }
        return .failure(.wouldBlock)
    }

    private mutating func explainGraceful(_ s: Socket, _ c: Connection, lingers: Bool) {
        if !settings.isNetworkUp { return }
        if !s.linger.isEnabled {
            note(.r7, "linger is off (SO_DONTLINGER, the default): the last close is graceful and does not wait.")
            let limit = Int(settings.gracefulTimeout.milliseconds / 1000)
            if c.fin == .sent {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). Our FIN was already sent. The provider gives up after graceful-timeout ({0}s).", .int(limit))
            } else if s.sendQueue > 0 {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). {0} outlives its last descriptor as an orphan: its {1} queued bytes keep being sent, then FIN. The provider gives up after graceful-timeout ({2}s).", .socket(s.id), .int(s.sendQueue), .int(limit))
            } else {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). Nothing is queued, so FIN leaves now. The provider gives up after graceful-timeout ({0}s).", .int(limit))
            }
        } else if s.linger.seconds == 0 {
            note(.r10, "[reactos] a zero-linger close after SD_RECEIVE sends no RST: it closes gracefully instead.")
        } else if lingers {
            note(s.isNonblocking ? .r12 : .r11, "linger is on (\(s.linger.seconds)s) but nothing is queued, so the close succeeds at once with FIN.")
            if settings.profile.lingersOnAnOrphan {
                note(.r11, "[linux] __tcp_close sends FIN and sk_stream_wait_close waits for its ACK, which with net latency 0 is there at once: nothing to wait for.")
            }
        }
        note(.r17, "the closing side gets no FD_CLOSE notification for its own close.")
    }

    /// R18: the close aborts the overlapped operations issued through the descriptor, with
    /// their completion action. J/windows: operations belong to the socket; only the last close
    /// aborts them, a pending receive on a connected stream with ERROR_CONNECTION_ABORTED.
    mutating func abortOperations(closing h: HandleID, plan: ClosePlan) {
        let s = socketID(of: h)
        let ops: [OperationID]
        if settings.profile.operationsBelongToSocket {
            guard !plan.releasesOnlyTheDescriptor else {
                let left = pendingOperations(on: s).filter { isIssued(operations[$0.index], through: h) }
                if !left.isEmpty {
                    note(.r18, "[windows] operations belong to the underlying socket: \(left.map(\.description).joined(separator: ", ")) stay pending until the last descriptor of \(s) closes.")
                }
                return
            }
            ops = pendingOperations(on: s)
        } else {
            ops = pendingOperations(on: s).filter { isIssued(operations[$0.index], through: h) }
        }
        if ops.isEmpty {
            note(.r21, "no operation was pending through \(h), so the close completes nothing.")
            return
        }
        abort(ops, on: s, cause: "closing \(h)")
    }

    /// Ends `ops` on `s` with their completion action (R18). J/windows: a receive on a connected
    /// stream completes with ERROR_CONNECTION_ABORTED, everything else with WSA_OPERATION_ABORTED.
    mutating func abort(_ ops: [OperationID], on s: SocketID, cause: String) {
        let connectedStream = sockets[live: s.index].connection != nil
        for op in ops {
            let o = operations[op.index]
            let error: WinsockError = settings.profile.operationsBelongToSocket && o.kind == .recv && connectedStream
                ? .connectionAbortedWindows : .operationAborted
            note(.r18, "\(cause) aborts the pending overlapped \(o.kind) \(op) with \(error); its completion action is still performed.")
            if o.kind == .send {
                note(.r20, "the pending send \(op) had queued nothing (sends are queued whole), so its \(o.requested) bytes never reach the send queue.")
            }
            abort(op, with: error, notify: true)
        }
    }
}
