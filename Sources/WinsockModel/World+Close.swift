/// WSPCloseSocket (R1, R2, R7–R22, R40, R49).
extension World {
    /// What a close of one descriptor will do, decided before anything changes.
    enum ClosePlan: Equatable {
        /// Other descriptors remain: only this one is released (R2).
        case releaseOnly
        /// ReactOS's lost count (J): the retried close releases the descriptor and leaks the socket.
        case releaseAndLeak
        /// Not connected, datagram, or already reset or finished: released at once (R15).
        case releaseAtOnce
        /// Last close in TIME_WAIT: nothing is sent; the socket stays until TIME_WAIT ends (R43).
        case keepTimeWait
        /// Graceful without waiting: the socket drains as an orphan (R9; R11/R12 with nothing queued).
        case graceful
        /// Hard: RST, DISCARD (R10).
        case hard
        /// Blocking lingering close with data queued: the thread waits (R11).
        case linger(seconds: Int)
        /// Nonblocking lingering close with data queued (R12).
        case wouldBlock
    }

    func closePlan(for h: HandleID) -> ClosePlan {
        let s = sockets[socketID(of: h).index]
        if s.lostReferences > 0 { return .releaseAndLeak }
        if s.refcount > 1 { return .releaseOnly }
        if !s.isConnectedStream { return .releaseAtOnce }
        if s.state == .timeWait { return .keepTimeWait }
        let hard = s.linger.isEnabled && s.linger.seconds == 0
            && !(settings.profile.zeroLingerAfterReceiveShutdownIsGraceful && s.isReceiveShutdown)
        if !settings.isNetworkUp { return hard ? .hard : .graceful } // R22: never waits
        if !s.linger.isEnabled { return .graceful }
        if hard { return .hard }
        if s.linger.seconds == 0 { return .graceful } // J/reactos: zero linger after SD_RECEIVE
        if s.sendQueue == 0 { return .graceful }
        return s.isNonblocking ? .wouldBlock : .linger(seconds: s.linger.seconds)
    }

    mutating func closeSocket(_ h: HandleID, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[s.index]
        let plan = closePlan(for: h)

        if plan == .wouldBlock {
            note(.r7, "linger is on with a non-zero timeout (\(sock.linger)): the close is graceful if the queue drains in time, else hard, and it waits only on a blocking socket.")
            note(.r13, "queued means accepted by WSPSend and not yet delivered to the peer: the \(sock.sendQueue) bytes in SENDQ.")
            note(.r12, "\(s) is nonblocking and lingers \(sock.linger.seconds)s with \(sock.sendQueue) bytes still queued, so the close cannot complete at once: it fails with WSAEWOULDBLOCK and nothing changed. Call again after the queue drains, or turn linger off (SO_DONTLINGER TRUE), or set a zero timeout (SO_LINGER 1 0).")
            if settings.provider == .nonIFS {
                note(.r40, "the descriptor stays valid, so there is no WPUCloseSocketHandle.")
            }
            if settings.profile.losesReferenceOnWouldBlock {
                updateSocket(s) { $0.refcount -= 1; $0.lostReferences += 1 }
                let count = sockets[s.index].refcount
                note(.r12, "[reactos] msafd drops the reference count of \(s) before returning WSAEWOULDBLOCK and never restores it (REFCNT now \(count)).")
            }
            return .failure(.wouldBlock)
        }

        // The close goes ahead: ABORTs, then WAKEs, then RST/DISCARD/STATE, then the WPU up-call,
        // then RELEASE (SPEC.md section 3).
        abortOperations(closing: h, plan: plan)
        wakeThreadsBlocked(through: h, except: t, rule: sock.lingeringClose != nil ? .r49 : .r19)
        if sock.lingeringClose != nil {
            note(.r49, "a second close of \(h) that goes ahead woke the lingering one with WSAEINTR and proceeds itself.")
        }
        let networkDown = !settings.isNetworkUp
        if networkDown {
            note(.r22, "the network is down: the close never waits and never fails with WSAEWOULDBLOCK; it closes \(plan == .hard ? "hard" : "gracefully"), releases \(h) and returns WSAENETDOWN.")
        }

        switch plan {
        case .wouldBlock:
            preconditionFailure("handled above")
        case .releaseOnly:
            note(.r2, "\(s) still has \(sock.refcount - 1) other descriptor\(sock.refcount - 1 == 1 ? "" : "s"), so closing \(h) only releases \(h): the connection stays up and nothing goes on the wire.")
            releaseDescriptor(h)
        case .releaseAndLeak:
            releaseDescriptor(h)
        case .releaseAtOnce:
            let reason = unconnectedReason(sock)
            note(.r15, "\(s) is \(reason), so the close releases it at once: nothing on the wire, no linger wait.")
            setState(s, .closed)
            releaseDescriptor(h)
        case .keepTimeWait:
            note(.r43, "\(s) is in TIME_WAIT: the last close sends nothing (no RST, even at linger 0); the socket stays until TIME_WAIT ends.")
            releaseDescriptor(h)
        case .graceful:
            explainGraceful(sock)
            if !sock.isFinSent {
                updateSocket(s) { $0.isFinOwed = true }
                if sock.sendQueue == 0 && sock.sendWaiters.isEmpty { sendFin(s) }
            } else {
                note(.r14, "SD_SEND was already done, so the graceful close sends no second FIN.")
                if sock.hasPeerFinArrived && sock.receiveBuffer == 0 {
                    note(.r34, "this is the recommended graceful teardown: shutdown(SD_SEND), receive until a receive returns 0, close; the close sends nothing more.")
                }
            }
            releaseDescriptor(h)
        case .hard:
            note(.r7, "linger is on with a zero timeout (on 0s): the last close is hard (abortive) and does not wait.")
            note(.r10, "linger is on with a zero timeout, so the close is hard: it returns 0 at once\(sock.isNonblocking ? " (even nonblocking)" : ""), the connection is reset (RST), \(sock.sendQueue) unsent bytes are lost, there is no TIME_WAIT, and the peer's next receive fails with WSAECONNRESET.")
            resetConnection(s, cause: .reset, sendsReset: true, inClose: true)
            releaseDescriptor(h)
        case .linger(let seconds):
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
        return networkDown ? .failure(.networkDown) : .value(.zero)
    }

    private func unconnectedReason(_ s: Socket) -> String {
        if s.type == .dgram { return "a datagram socket" }
        if !s.hasConnected { return "not connected" }
        if s.resetCause != nil { return "already reset" }
        return "already CLOSED"
    }

    private mutating func explainGraceful(_ s: Socket) {
        if !settings.isNetworkUp { return }
        if !s.linger.isEnabled {
            note(.r7, "linger is off (SO_DONTLINGER, the default): the last close is graceful and does not wait.")
            let limit = Int(settings.gracefulTimeout.milliseconds / 1000)
            if s.isFinSent {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). Our FIN was already sent. The provider gives up after graceful-timeout ({0}s).", .int(limit))
            } else if s.sendQueue > 0 {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). {0} outlives its last descriptor as an orphan: its {1} queued bytes keep being sent, then FIN. The provider gives up after graceful-timeout ({2}s).", .socket(s.id), .int(s.sendQueue), .int(limit))
            } else {
                cite(.r9, "linger is off, so the close is graceful and returns 0 at once (never WSAEWOULDBLOCK, blocking or not). Nothing is queued, so FIN leaves now. The provider gives up after graceful-timeout ({0}s).", .int(limit))
            }
        } else if s.linger.seconds == 0 {
            note(.r10, "[reactos] a zero-linger close after SD_RECEIVE sends no RST: it closes gracefully instead.")
        } else {
            note(s.isNonblocking ? .r12 : .r11, "linger is on (\(s.linger.seconds)s) but nothing is queued, so the close succeeds at once with FIN.")
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
            guard plan != .releaseOnly && plan != .releaseAndLeak else {
                let left = pendingOperations(on: s).filter { operations[$0.index].handle == h }
                if !left.isEmpty {
                    note(.r18, "[windows] operations belong to the underlying socket: \(left.map(\.description).joined(separator: ", ")) stay pending until the last descriptor of \(s) closes.")
                }
                return
            }
            ops = pendingOperations(on: s)
        } else {
            ops = pendingOperations(on: s).filter { operations[$0.index].handle == h }
        }
        if ops.isEmpty {
            note(.r21, "no operation was pending through \(h), so the close completes nothing.")
            return
        }
        let connectedStream = sockets[s.index].isConnectedStream
        for op in ops {
            let o = operations[op.index]
            let error: WinsockError = settings.profile.operationsBelongToSocket && o.kind == .recv && connectedStream
                ? .connectionAbortedWindows : .operationAborted
            note(.r18, "closing \(h) aborts the pending overlapped \(o.kind) \(op) with \(error); its completion action is still performed.")
            if o.kind == .send {
                note(.r20, "the pending send \(op) had queued nothing (sends are queued whole), so its \(o.requested) bytes never reach the send queue.")
            }
            abort(op, with: error, notify: true)
        }
    }
}
