/// Cross-entity consequences, each applied in one place and named by its rule (h11's
/// state-triggered transitions are the model): a descriptor released, a socket left without
/// descriptors, a connection reset, a thread woken, an operation finished.
extension World {
    // MARK: Socket states (R43)

    /// A connection moves to another of its TCP states (`STATE sN <state>`), with what that state
    /// implies about the FINs (`change` updates them in the same step).
    mutating func enter(_ state: TCPState, on id: SocketID, _ change: (inout Connection) -> Void = { _ in }) {
        guard let c = sockets[live: id.index].connection, c.state != state else { return }
        updateSocket(id) { _ = $0.updateConnection { c in c.state = state; change(&c) } }
        emit(.stateChanged(id, state))
    }

    /// The socket becomes CLOSED without a reset: a connection that finished (R43, R9), or a socket
    /// closed before it ever connected (R15, R37). Nothing happens to one already CLOSED.
    mutating func closeEndpoint(_ id: SocketID) {
        let closed: Endpoint
        switch sockets[live: id.index].endpoint {
        case .stream(.connected(let c)): closed = .stream(.finished(c.peer))
        case .stream(.unconnected): closed = .stream(.closed)
        case .datagram(.unaddressed), .datagram(.addressed): closed = .datagram(.closed)
        case .stream(.finished), .stream(.reset), .stream(.closed), .datagram(.closed): return
        }
        updateSocket(id) { $0.endpoint = closed }
        emit(.stateChanged(id, .closed))
    }

    // MARK: Threads and operations

    /// A blocked thread's call finishes with `result` (`WAKE TN <call> = <result>`).
    mutating func wake(_ t: ThreadID, with result: CallResult) {
        guard case .blocked(let call) = threads[t.index].state else { return }
        let s = call.socket
        switch call {
        case .send: updateSocket(s) { $0.sendWaiters.removeAll { $0 == .thread(t) } }
        case .recv: updateSocket(s) { $0.receiveWaiters.removeAll { $0 == .thread(t) } }
        case .close:
            if sockets[live: s.index].lingeringClose?.thread == t {
                updateSocket(s) { $0.lingeringClose = nil }
            }
        }
        updateThread(t) { $0.state = .running; $0.lastResult = result }
        emit(.threadWoke(t, call.name, result))
    }

    /// An overlapped operation completes with `bytes`; its completion action is performed.
    mutating func complete(_ op: OperationID, bytes: Int) {
        finish(op, status: .completed, bytes: bytes, notify: true)
        emit(.operationCompleted(op, bytes))
    }

    /// An overlapped operation fails with `error`; `notify` tells whether its completion action
    /// is still performed (R18: yes; R36: no).
    mutating func abort(_ op: OperationID, with error: WinsockError, notify: Bool) {
        finish(op, status: .failed(error), bytes: 0, notify: notify)
        emit(.operationAborted(op, error))
    }

    private mutating func finish(_ op: OperationID, status: OverlappedOperation.Status, bytes: Int, notify: Bool) {
        let o = operations[op.index]
        guard o.isPending else { return }
        updateOperation(op) { $0.status = status; $0.bytes = bytes; $0.isNotified = notify }
        if isIssued(o, through: o.handle) { updateHandle(o.handle) { $0.countPending(by: -1) } }
        updateSocket(o.socket) { s in
            s.sendWaiters.removeAll { $0 == .operation(op) }
            s.receiveWaiters.removeAll { $0 == .operation(op) }
        }
    }

    /// Whether `o` was issued through the descriptor that now bears the name `h`, open or already
    /// released (not an earlier one the name belonged to before it was reused, R23).
    func isIssued(_ o: OverlappedOperation, through h: HandleID) -> Bool {
        o.handle == h && o.descriptor == handles[h.index].serial
    }

    /// The pending operations waiting on a socket, oldest first.
    func pendingOperations(on s: SocketID) -> [OperationID] {
        let sock = sockets[live: s.index]
        return (sock.sendWaiters + sock.receiveWaiters).compactMap { w -> OperationID? in
            if case .operation(let op) = w { return op } else { return nil }
        }.sorted()
    }

    /// R19 (R49 for a close that lingers): threads of the descriptor's process blocked in a call
    /// through it wake with WSAEINTR; `rule` is the one cited.
    mutating func wakeThreadsBlocked(through h: HandleID, except caller: ThreadID?, rule: RuleID) {
        let p = handles[h.index].process
        for t in processes[p.index].threads where t != caller {
            guard let call = threads[t.index].blockedCall, call.handle == h else { continue }
            note(rule, "\(t) was blocked in \(call.name) on \(h); the close wakes it with WSAEINTR.")
            wake(t, with: .failure(.interrupted))
        }
    }

    // MARK: Descriptors and sockets

    /// Registers a new descriptor with the Winsock DLL (R6) and returns its name. With
    /// `set reuse on` the lowest free handle value is handed out again (R23).
    mutating func makeHandle(for s: SocketID, in p: ProcessID) -> HandleID {
        let id: HandleID
        descriptorsMade += 1
        let reuses = settings.reusesHandles || settings.profile.alwaysReusesHandles
        if reuses, let value = freeHandles.popMin() {
            id = HandleID(rawValue: value)
            handles[id.index] = Handle(id: id, process: p, socket: s, serial: descriptorsMade)
            if settings.profile.alwaysReusesHandles {
                note(.r23, "[linux] the kernel always hands out the lowest free descriptor number (reuse on), so \(id) is handed out again: anything still holding the old \(id) now reaches \(s).")
            } else {
                note(.r23, "reuse is on, so the lowest free handle value, \(id), is handed out again: anything still holding the old \(id) now reaches \(s).")
            }
        } else {
            id = HandleID(rawValue: handles.count + 1)
            handles.append(Handle(id: id, process: p, socket: s, serial: descriptorsMade))
        }
        touch(id)
        sockets[live: s.index].handleIDs.insert(id)
        guard settings.profile.makesUpCalls else {
            note(.r6, "[linux] there is no Winsock DLL to register with: every socket is a file, so no up-call is made (as with an IFS provider).")
            return id
        }
        switch settings.provider {
        case .nonIFS:
            emit(.handleCreated(id))
            note(.r6, "a non-IFS provider gets each new descriptor from the Winsock DLL with WPUCreateSocketHandle.")
        case .ifs:
            emit(.handleRegistered(id))
            note(.r6, "an IFS provider registers each new descriptor with WPUModifyIFSHandle.")
        }
        return id
    }

    /// Releases one descriptor: it is returned to the Winsock DLL (R40), the socket's count
    /// drops (R2), and a socket left with no descriptor is released, orphaned (R9) or, after
    /// ReactOS lost its count, leaked (J).
    mutating func releaseDescriptor(_ h: HandleID) {
        let s = handles[h.index].socket
        updateHandle(h) { $0.release() }
        journal.released.append(h)
        freeHandles.insert(h.rawValue)
        // J/linux makes no up-call at all; R6's note at the descriptor's creation said why.
        if settings.profile.makesUpCalls {
            switch settings.provider {
            case .nonIFS:
                emit(.handleReturned(h))
                note(.r40, "a non-IFS provider returns each released descriptor with WPUCloseSocketHandle.")
            case .ifs:
                note(.r40, "an IFS provider makes no close up-call when a descriptor is released.")
            }
        }
        let leaks = sockets[live: s.index].lostReferences > 0
        updateSocket(s) { $0.refcount = max(0, $0.refcount - 1) }
        guard sockets[live: s.index].lifecycle == .referenced else { return }
        if leaks {
            if openHandles(of: s).isEmpty { markLeaked(s, by: handles[h.index].process) }
        } else if sockets[live: s.index].refcount == 0 {
            if settings.profile.callsHoldTheSocket && isHeld(s) { markHeld(s) } else { socketLostLastDescriptor(s) }
        }
    }

    /// J/reactos: the socket's last descriptor is gone but its count was lost earlier: no FIN,
    /// no RST, and the provider never releases it. It is treated as an orphan of `p`: data from the
    /// peer draws RST (R43a), and `p`'s exit resets it (R39).
    mutating func markLeaked(_ s: SocketID, by p: ProcessID) {
        updateSocket(s) { $0.lifecycle = .leaked(by: p) }
        unreferencedAliveCount += 1
        note(.r12, "[reactos] the count of \(s) was dropped before the earlier WSAEWOULDBLOCK and never restored, so this close took the \"other references remain\" path: no FIN, no RST, and \(s) is never released.")
    }

    /// The count reached 0: a socket with no connection left (finished, reset, never connected) is
    /// released at once; a connection still closing becomes an orphan, which the provider gives up
    /// on after `graceful-timeout` (R9) — except in TIME_WAIT, which keeps its own timer (R43).
    mutating func socketLostLastDescriptor(_ s: SocketID) {
        let sock = sockets[live: s.index]
        guard let c = sock.connection else {
            closeEndpoint(s)
            release(s)
            return
        }
        let since = now
        updateSocket(s) { $0.lifecycle = .orphaned(since: since) }
        unreferencedAliveCount += 1
        if c.state != .timeWait {
            schedule(.gracefulTimeout(s), at: now.adding(settings.gracefulTimeout))
        }
        if c.state == .finWait2 { scheduleFinWait2Limit(s) }
    }

    /// J/linux: an orphan in FIN_WAIT_2 is given up `tcp_fin_timeout` after it got there.
    mutating func scheduleFinWait2Limit(_ s: SocketID) {
        guard let limit = settings.profile.finWait2Timeout else { return }
        schedule(.finWait2Ends(s), at: now.adding(limit))
    }

    /// A socket whose connection just ended is released if no descriptor refers to it any more
    /// (an orphan or a leak, R9, R43); one that still has descriptors stays, CLOSED.
    mutating func releaseIfUnreferenced(_ s: SocketID) {
        let sock = sockets[live: s.index]
        guard sock.refcount == 0, sock.isUnreferencedButAlive else { return }
        closeEndpoint(s)
        release(s)
    }

    /// The provider discards the socket (`RELEASE sN`). Final. Under `windows` an operation that
    /// outlived its descriptor ends here at the latest (R18: never past the socket itself).
    mutating func release(_ s: SocketID) {
        let profile = settings.profile
        for op in pendingOperations(on: s) {
            note(.r18, "[\(profile)] \(op) outlived the descriptor it was issued through; \(s) is released now, so it is aborted with WSA_OPERATION_ABORTED.")
            abort(op, with: .operationAborted, notify: true)
        }
        if sockets[live: s.index].existsWithoutDescriptor { unreferencedAliveCount -= 1 }
        let at = now
        updateSocket(s) { $0.lifecycle = .released(at: at) }
        if sockets[live: s.index].isTransmitting {
            sockets[live: s.index].isTransmitting = false
            transmitting.remove(s)
        }
        emit(.socketReleased(s))
    }

    /// A reset, sent by us (`sendsReset`) or received: the connection goes straight to CLOSED,
    /// queued data is discarded, and whatever waits on the socket fails (R43; R26 with
    /// WSAECONNABORTED). A lingering close then returns 0 (R49). `inClose` leaves the descriptor
    /// and the release to the close that called this.
    mutating func resetConnection(_ s: SocketID, cause: ResetCause, sendsReset: Bool,
                                  peerError: WinsockError = .connectionReset, inClose: Bool = false) {
        settleTransmission(s)
        if sockets[live: s.index].isTransmitting {
            sockets[live: s.index].isTransmitting = false
            sockets[live: s.index].transmitCredit = 0
            transmitting.remove(s)
        }
        endStretch(s)
        if sendsReset {
            emit(.resetSent(s))
            if sockets[live: s.index].peer != nil {
                let rst = logWire(s, .toPeer, .rst, sent: now)
                schedule(.resetArrivesAtPeer(s, peerError), at: now.adding(settings.netLatency), wireRecord: rst)
            }
        }
        let wasClosed = sockets[live: s.index].state == .closed
        let reset: Endpoint
        switch sockets[live: s.index].endpoint {
        case .stream(.connected(let c)): reset = .stream(.reset(cause, c.peer))
        case .stream(.finished(let p)), .stream(.reset(_, let p)): reset = .stream(.reset(cause, p))
        // Nothing to reset without a connection: the socket only closes.
        case .stream(.unconnected), .stream(.closed): reset = .stream(.closed)
        case .datagram: reset = .datagram(.closed)
        }
        let queued = sockets[live: s.index].sendQueue
        updateSocket(s) { $0.endpoint = reset; $0.sendQueue = 0; $0.discarded += queued }
        if queued > 0 { emit(.discarded(s, queued)) }
        if !wasClosed { emit(.stateChanged(s, .closed)) }

        let error = cause.error
        let waiters = sockets[live: s.index].sendWaiters + sockets[live: s.index].receiveWaiters
        for case .operation(let op) in waiters { abort(op, with: error, notify: true) }
        for case .thread(let t) in waiters {
            note(.r43, "the reset of \(s) fails the call \(t) was waiting in with \(error).")
            wake(t, with: .failure(error))
        }
        if !waiters.isEmpty && cause == .reset { noteResetReported(s) }
        guard !inClose else { return }
        if sockets[live: s.index].lingeringClose != nil {
            note(.r49, "the connection of \(s) was reset while a close lingered on it, so that close returns 0.")
            completeLingeringClose(s)
        }
        releaseIfUnreferenced(s)
    }

    /// A lingering close finishes (drained, timed out, or reset meanwhile): operations issued
    /// through the descriptor while it lingered are aborted (R18), calls of its process still
    /// waiting through it wake with WSAEINTR (R49), the descriptor is released — its WPU up-call
    /// and, if the socket is done, its RELEASE happen inside the call — and then the close returns
    /// 0: the closing thread's own WAKE comes last (docs/language.md, "What is printed").
    mutating func completeLingeringClose(_ s: SocketID) {
        guard let lc = sockets[live: s.index].lingeringClose else { return }
        // J/linux: the descriptor went as the close started; only the thread is left to wake.
        if settings.profile.lingersOnAnOrphan { return endLingerOnOrphan(s) }
        if !settings.profile.operationsBelongToSocket {
            for op in pendingOperations(on: s) where isIssued(operations[op.index], through: lc.handle) {
                note(.r18, "\(op) was issued through \(lc.handle) while its close lingered and is still pending as the close finishes: it is aborted with WSA_OPERATION_ABORTED (an operation never outlives its descriptor); its completion action is still performed.")
                abort(op, with: .operationAborted, notify: true)
            }
        }
        wakeThreadsBlocked(through: lc.handle, except: lc.thread, rule: .r49)
        updateSocket(s) { $0.lingeringClose = nil }
        releaseDescriptor(lc.handle)
        wake(lc.thread, with: .value(.zero))
    }
}
