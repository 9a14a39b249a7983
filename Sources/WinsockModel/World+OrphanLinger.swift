/// J/linux: the lingering close as the kernel does it. `close` removes the descriptor from the
/// process's table first (`close_fd`, fs/file.c); the last reference's `inet_release` hands the
/// linger time to `__tcp_close`, which queues FIN behind the data and waits in
/// `sk_stream_wait_close` (net/core/stream.c) — whatever O_NONBLOCK says — until our FIN is
/// acknowledged, the linger time runs out, or a signal comes. None of the three touches the
/// connection: the call returns 0, and the socket goes on as a graceful orphan (R9).
extension World {
    /// Starts a lingering close on an orphan: the descriptor is released now, FIN is owed behind the
    /// queued data, and `t` blocks until the FIN is acknowledged or `seconds` pass.
    mutating func lingerOnOrphan(closing h: HandleID, seconds: Int, by t: ThreadID) -> CallResult {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        let rule: RuleID = sock.isNonblocking ? .r12 : .r11
        note(.r7, "linger is on with a non-zero timeout (\(sock.linger)): the close waits.")
        note(.r13, "queued means accepted by WSPSend and not yet delivered to the peer: the \(sock.sendQueue) bytes in SENDQ.")
        note(rule, "[linux] a lingering close never returns WSAEWOULDBLOCK: inet_release never looks at O_NONBLOCK and hands the linger time (\(seconds)s) to __tcp_close, so \(t) blocks in WSPCloseSocket\(sock.isNonblocking ? " although \(s) is nonblocking" : ""). __tcp_close queues FIN behind the \(sock.sendQueue) queued bytes and waits in sk_stream_wait_close until that FIN is acknowledged or the time runs out; either way the call returns 0, and at the timeout nothing is reset.")
        note(.r49, "[linux] close removes \(h) from the process's descriptor table before it lingers (close_fd): other threads' calls through \(h) fail with WSAENOTSOCK, and the next new descriptor may take its value.")
        var generation = 0
        updateSocket(s) {
            $0.lingerGeneration += 1
            generation = $0.lingerGeneration
            $0.lingeringClose = LingeringClose(thread: t, handle: h, generation: generation)
            _ = $0.updateConnection { c in if c.fin == .notOwed { c.fin = .owed } }
        }
        schedule(.lingerTimeout(s, generation: generation), at: now.adding(.seconds(Int64(seconds))))
        releaseDescriptor(h)
        block(t, in: .close(h, s))
        return .blocked
    }

    /// Whether the lingering close on `s` has nothing left to wait for: R11, its queue emptied
    /// (and any waiting send is queued); J/linux, our FIN was acknowledged or the connection ended.
    func isLingerOver(_ s: Socket) -> Bool {
        guard settings.profile.lingersOnAnOrphan else { return s.sendQueue == 0 && s.sendWaiters.isEmpty }
        switch s.state {
        case .established, .closeWait, .finWait1, .closing, .lastAck: return false
        case .created, .finWait2, .timeWait, .closed: return true
        }
    }

    /// J/linux: the lingering close on `s` ends without touching the connection: its thread wakes
    /// with 0 and the socket stays the orphan it already is.
    mutating func endLingerOnOrphan(_ s: SocketID) {
        guard let lc = sockets[live: s.index].lingeringClose else { return }
        updateSocket(s) { $0.lingeringClose = nil }
        wake(lc.thread, with: .value(.zero))
    }

    /// The linger time ran out (R11). J/linux: nothing is reset or discarded; the call returns 0
    /// and the orphan goes on sending its data and FIN.
    mutating func lingerTimedOut(_ id: SocketID) {
        endStretchBeforeReset(id)
        emit(.lingerTimedOut(id))
        let queued = sockets[live: id.index].sendQueue
        guard settings.profile.lingersOnAnOrphan else {
            note(.r11, "the linger time of \(id) ran out with \(queued) bytes still queued, so the provider reset the connection before WSPCloseSocket returned; it still returned 0.")
            resetConnection(id, cause: .reset, sendsReset: true)
            return
        }
        note(.r11, "[linux] the linger time of \(id) ran out with \(queued) bytes still queued: sk_stream_wait_close stops waiting and touches nothing, so WSPCloseSocket returns 0 and __tcp_close leaves \(id) to finish as a graceful orphan (R9): its data and then FIN still go, and nothing is reset or discarded.")
        endLingerOnOrphan(id)
    }

    /// `process exit PN` under J/linux: the exit closes each of the process's descriptors as
    /// `close` would, but never lingers (`inet_release` ignores the linger time when the process is
    /// exiting); its blocked calls end without returning, its operations are aborted, and the
    /// protocol-info blocks made for it are dropped with it.
    mutating func exitWithoutCleanup(_ p: ProcessID) {
        note(.r39, "[linux] a process that exits closes each descriptor it holds as close would, but never lingers: inet_release ignores the linger time when the process is exiting (PF_EXITING); __tcp_close still resets for linger (1, 0) and for unread data (R51). There is no WSPCleanup to run.")
        processes[p.index].isAlive = false
        for op in operations.filter({ $0.isPending && $0.process == p }).map(\.id) {
            note(.r39, "[linux] \(op) was running in \(p), so it ends with it: aborted with WSA_OPERATION_ABORTED, no completion action.")
            abort(op, with: .operationAborted, notify: false)
        }
        for t in processes[p.index].threads { endCall(of: t) }
        for pi in protocolInfos where pi.target == p && !pi.isUsed {
            note(.r4, "[linux] \(pi.id) was made for \(p): its descriptor in flight is dropped with it, and so is its hold on \(pi.socket).")
            updateSocket(pi.socket) { _ in }   // looked at again this instant: its last hold may be gone
        }
        for h in handles.filter({ $0.isOpen && $0.process == p }).map(\.id) {
            guard case .success(let plan) = closePlan(for: h, mayLinger: false) else { continue }
            goAhead(closing: h, plan, found: sockets[live: socketID(of: h).index], lingers: false)
        }
    }

    /// A thread's blocked call ends with its process, without returning (no WAKE): it waits on
    /// nothing any more (J/linux: its hold on the socket goes too).
    private mutating func endCall(of t: ThreadID) {
        guard let call = threads[t.index].blockedCall else { return }
        let s = call.socket
        switch call {
        case .send: updateSocket(s) { $0.sendWaiters.removeAll { $0 == .thread(t) } }
        case .recv: updateSocket(s) { $0.receiveWaiters.removeAll { $0 == .thread(t) } }
        case .close:
            if sockets[live: s.index].lingeringClose?.thread == t { updateSocket(s) { $0.lingeringClose = nil } }
        }
        updateThread(t) { $0.state = .exited }
    }
}
