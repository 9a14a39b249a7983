/// Cross-entity consequences, each applied in one place and named by its rule (h11's
/// state-triggered transitions are the model): a descriptor released, a socket left without
/// descriptors, a connection reset, a thread woken, an operation finished.
extension World {
    mutating func setState(_ id: SocketID, _ state: TCPState) {
        guard sockets[id.index].state != state else { return }
        updateSocket(id) { $0.state = state }
        emit(.stateChanged(id, state))
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
            if sockets[s.index].lingeringClose?.thread == t {
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

    private mutating func finish(_ op: OperationID, status: Operation.Status, bytes: Int, notify: Bool) {
        let o = operations[op.index]
        guard o.isPending else { return }
        updateOperation(op) { $0.status = status; $0.bytes = bytes; $0.isNotified = notify }
        updateHandle(o.handle) { $0.pendingCount -= 1 }
        updateSocket(o.socket) { s in
            s.sendWaiters.removeAll { $0 == .operation(op) }
            s.receiveWaiters.removeAll { $0 == .operation(op) }
        }
    }

    /// The pending operations waiting on a socket, oldest first.
    func pendingOperations(on s: SocketID) -> [OperationID] {
        let sock = sockets[s.index]
        return (sock.sendWaiters + sock.receiveWaiters).compactMap { w -> OperationID? in
            if case .operation(let op) = w { return op } else { return nil }
        }.sorted()
    }

    /// R19: threads of the descriptor's process blocked in a call through it wake with WSAEINTR.
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
        if settings.reusesHandles, let value = freeHandles.popMin() {
            id = HandleID(rawValue: value)
            handles[id.index] = Handle(id: id, process: p, socket: s)
            note(.r23, "reuse is on, so the lowest free handle value, \(id), is handed out again: anything still holding the old \(id) now reaches \(s).")
        } else {
            id = HandleID(rawValue: handles.count + 1)
            handles.append(Handle(id: id, process: p, socket: s))
        }
        touch(id)
        sockets[s.index].handleIDs.append(id)
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
    /// drops (R2), and a socket left with no descriptor is released or orphaned.
    mutating func releaseDescriptor(_ h: HandleID) {
        let s = handles[h.index].socket
        updateHandle(h) { $0.isOpen = false }
        journal.released.append(h)
        freeHandles.insert(h.rawValue)
        if settings.provider == .nonIFS {
            emit(.handleReturned(h))
            note(.r40, "a non-IFS provider returns each released descriptor with WPUCloseSocketHandle.")
        } else {
            note(.r40, "an IFS provider makes no close up-call when a descriptor is released.")
        }
        let leaks = sockets[s.index].lostReferences > 0
        updateSocket(s) { $0.refcount = max(0, $0.refcount - 1) }
        guard sockets[s.index].lifecycle == .referenced else { return }
        if leaks {
            if openHandles(of: s).isEmpty { markLeaked(s) }
        } else if sockets[s.index].refcount == 0 {
            socketLostLastDescriptor(s)
        }
    }

    /// J/reactos: the socket's last descriptor is gone but its count was lost earlier: no FIN,
    /// no RST, and the provider never releases it.
    mutating func markLeaked(_ s: SocketID) {
        updateSocket(s) { $0.lifecycle = .leaked }
        unreferencedAliveCount += 1
        note(.r12, "[reactos] the count of \(s) was dropped before the earlier WSAEWOULDBLOCK and never restored, so this close took the \"other references remain\" path: no FIN, no RST, and \(s) is never released.")
    }

    /// The count reached 0: a finished or unconnected socket is released at once; a connection
    /// still closing becomes an orphan that the provider gives up on after `graceful-timeout` (R9).
    mutating func socketLostLastDescriptor(_ s: SocketID) {
        let sock = sockets[s.index]
        if sock.state == .closed || !sock.isConnectedStream {
            setState(s, .closed)
            release(s)
            return
        }
        let since = now
        updateSocket(s) { $0.lifecycle = .orphaned(since: since) }
        unreferencedAliveCount += 1
        if sock.state != .timeWait {
            schedule(.gracefulTimeout(s), at: now.adding(settings.gracefulTimeout))
        }
    }

    mutating func releaseIfUnreferenced(_ s: SocketID) {
        let sock = sockets[s.index]
        guard sock.refcount == 0, sock.isOrphan else { return }
        setState(s, .closed)
        release(s)
    }

    /// The provider discards the socket (`RELEASE sN`). Final.
    mutating func release(_ s: SocketID) {
        if sockets[s.index].isUnreferencedButAlive { unreferencedAliveCount -= 1 }
        let at = now
        updateSocket(s) { $0.lifecycle = .released(at: at) }
        if sockets[s.index].isTransmitting {
            sockets[s.index].isTransmitting = false
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
        if sockets[s.index].isTransmitting {
            sockets[s.index].isTransmitting = false
            sockets[s.index].transmitCredit = 0
            transmitting.remove(s)
        }
        endStretch(s)
        if sendsReset {
            emit(.resetSent(s))
            if sockets[s.index].peer != nil {
                let rst = logWire(s, .toPeer, .rst, sent: now)
                schedule(.resetArrivesAtPeer(s, peerError), at: now.adding(settings.netLatency), wireRecord: rst)
            }
        }
        let queued = sockets[s.index].sendQueue
        updateSocket(s) { $0.resetCause = cause; $0.sendQueue = 0; $0.discarded += queued }
        if queued > 0 { emit(.discarded(s, queued)) }
        setState(s, .closed)

        let error = cause.error
        let waiters = sockets[s.index].sendWaiters + sockets[s.index].receiveWaiters
        for case .operation(let op) in waiters { abort(op, with: error, notify: true) }
        for case .thread(let t) in waiters {
            note(.r43, "the reset of \(s) fails the call \(t) was waiting in with \(error).")
            wake(t, with: .failure(error))
        }
        guard !inClose else { return }
        if sockets[s.index].lingeringClose != nil {
            note(.r49, "the connection of \(s) was reset while a close lingered on it, so that close returns 0.")
            completeLingeringClose(s)
        }
        releaseIfUnreferenced(s)
    }

    /// A lingering close finishes (drained, timed out, or reset meanwhile): calls of its process
    /// still waiting through the descriptor wake with WSAEINTR (R49), the close returns 0 and the
    /// descriptor is released.
    mutating func completeLingeringClose(_ s: SocketID) {
        guard let lc = sockets[s.index].lingeringClose else { return }
        wakeThreadsBlocked(through: lc.handle, except: lc.thread, rule: .r49)
        wake(lc.thread, with: .value(.zero))
        releaseDescriptor(lc.handle)
    }
}
