// Observation: what the kernel did between commands, read without disturbing it. poll with a
// zero timeout reports a FIN (POLLRDHUP) or a reset (POLLERR) without consuming data or the
// pending error; TCP_INFO, SIOCOUTQ and SIOCINQ read state and queues; /proc/net/tcp follows a
// socket with no descriptor left. What is seen once is latched and reported once.

@preconcurrency import Glibc
import WinsockModel

extension Laboratory {
    /// Samples everything observable now. Calls and operations that returned come first, then
    /// processes that died: a close that finished may have sent the FIN the peer is then seen to
    /// receive. A socket whose descriptors are all in helpers is read by its helper, one request
    /// per helper for all of them (which also tells whether the helper still lives).
    func observe() {
        collectCompletions()
        var samples: [SocketID: SocketSample] = [:]
        var remote: [ProcessID: [(socket: SocketID, fd: Int32)]] = [:]
        for i in sockets.indices where !sockets[i].isReleased {
            guard let (p, fd) = anyDescriptor(of: sockets[i].id) else { continue }
            if p == Laboratory.labProcess {
                samples[sockets[i].id] = SocketSample.take(fd)
            } else {
                remote[p, default: []].append((sockets[i].id, fd))
            }
        }
        for record in processes where record.isAlive {
            guard let helper = record.helper else { continue }
            let asked = remote[record.id] ?? []
            guard let (got, queued) = helper.sample(asked.map(\.fd)) else { continue }
            for (entry, sample) in zip(asked, got) { samples[entry.socket] = sample }
            noteSendProgress(queued, in: record.id)
        }
        noteEndedHelpers()
        var table: ProcNetTCP?
        for i in sockets.indices {
            let s = sockets[i].id
            // The peer's end is watched for as long as the lab holds it, also after our socket is
            // gone: our RST may reach the peer's poll only after /proc/net/tcp stopped listing us.
            observePeer(of: s)
            guard !sockets[i].isReleased else { continue }
            // A sample taken before its process died (rare) still reads true for that instant.
            if let sample = samples[s] {
                observeOwnSide(of: s, sample)
            } else {
                observeWithoutDescriptor(s, table: &table)
            }
        }
    }

    /// `WAKE` for each blocked call that returned since the last look, `COMPLETE`/`ABORT` for each
    /// operation that ended.
    private func collectCompletions() {
        for record in processes where record.isAlive { record.helper?.collect() }
        for t in threads.map(\.id) where threads[t.index].isBlocked && !threads[t.index].isExited {
            if let done = takeCompletion(of: t) { wake(t, done) }
        }
        collectOperations()
    }

    /// A helper's threads' blocking sends so far, for the threads table (what is still to queue).
    private func noteSendProgress(_ queued: [Int], in p: ProcessID) {
        for t in processes[p.index].threads {
            guard case .helper(_, index: let index, kernelThreadID: _) = threads[t.index].host,
                  queued.indices.contains(index), let progress = threads[t.index].inFlight?.progress else { continue }
            progress.queued.store(queued[index], ordering: .relaxed)
        }
    }

    /// The peer's end: our FIN reached it (POLLRDHUP: its receive side is shut), our RST reached
    /// it (POLLERR: the reset left an error). The peer never shuts its own receive side, so
    /// POLLRDHUP can only be ours; a reset also sets RDHUP, hence POLLERR is looked at first.
    /// POLLHUP alone proves nothing: both FINs exchanged raise it too.
    private func observePeer(of s: SocketID) {
        guard var peer = sockets[s.index].peer, let fd = peer.fd else { return }
        let revents = Kernel.pollNow(fd, Kernel.pollIn | Kernel.pollReadHangUp)
        let time = now()
        if revents & Kernel.pollError != 0 && !peer.hasReceivedReset {
            peer.hasReceivedReset = true
            emit(.resetSent(s), at: time)
        } else if revents & Kernel.pollReadHangUp != 0 && !peer.hasReceivedFin && !peer.hasReceivedReset {
            peer.hasReceivedFin = true
            emit(.finSent(s), at: time)
        }
        peer.unread = Kernel.receiveQueue(fd) ?? peer.unread
        if case .success(let size) = Kernel.intOption(fd, SO_RCVBUF) { peer.window = size }
        if peer != sockets[s.index].peer { touch(s) }
        sockets[s.index].peer = peer
    }

    /// Our socket, sampled through a descriptor of some process: its columns, and the peer's FIN
    /// or RST as our socket sees them. POLLRDHUP also follows our own shutdown(SHUT_RD), so after
    /// one the TCP state decides (`impliesPeerFin`).
    private func observeOwnSide(of s: SocketID, _ sample: SocketSample) {
        let before = sockets[s.index].reading
        refreshReading(s, from: sample)
        // Sampled through a dup an unused block holds, with no handle left: held (J).
        let holder: SocketHolder = openHandleCount(s) > 0 ? .descriptors : .held
        if sockets[s.index].reading != before || sockets[s.index].holder != holder { touch(s) }
        sockets[s.index].holder = holder
        let record = sockets[s.index]
        guard record.type == .stream, record.hasConnected, !record.sawPeerReset else { return }
        if sample.revents & Kernel.pollError != 0 {
            notePeerReset(s)
            return
        }
        let finBySignal = !record.didShutdownReceive && sample.revents & Kernel.pollReadHangUp != 0
        if !record.sawPeerFin && (finBySignal || Laboratory.impliesPeerFin(sample.tcpState)) {
            notePeerFin(s)
        }
    }

    /// No descriptor the lab can ask through: a connected stream socket is looked up by its
    /// 4-tuple in /proc/net/tcp (read once per sample): there, it is an orphan (R9) and the table
    /// gives its state and queues; gone, the kernel released it. Anything else is released at once
    /// (R15), unless a blocked call, an operation or an unused block still holds it. A socket in
    /// flight in a block's message is held by a descriptor, if not one in any process's table.
    private func observeWithoutDescriptor(_ s: SocketID, table: inout ProcNetTCP?) {
        let record = sockets[s.index]
        // Held (J): a blocked call, an operation or an unused block keeps the socket's file open.
        let holder: SocketHolder = isHeldWithoutDescriptor(s) ? .held : .orphan
        if record.type == .stream, record.hasConnected, let port = record.localPort {
            let rows = table ?? ProcNetTCP.read()
            table = rows
            guard let entry = rows.entry(localPort: port, remotePort: listenerPort),
                  let state = KernelTCPState(rawValue: entry.state) else {
                // Out of the table: its connection is gone (a reset unhashes it). Still held, it
                // is a closed socket; otherwise the kernel released it.
                guard isHeldWithoutDescriptor(s) else { return release(s) }
                if record.holder != holder || record.reading.state != .closed { touch(s) }
                sockets[s.index].holder = holder
                sockets[s.index].reading.state = .closed
                return
            }
            var reading = record.reading
            reading.state = state.labState(hasConnected: true)
            reading.sendQueue = entry.sendQueue
            reading.receiveQueue = entry.receiveQueue
            if reading != record.reading || record.holder != holder { touch(s) }
            sockets[s.index].reading = reading
            sockets[s.index].holder = holder
            if state.impliesPeerFin && !record.sawPeerFin && !record.sawPeerReset { notePeerFin(s) }
        } else if isHeldWithoutDescriptor(s) {
            if record.holder != holder { touch(s) }
            sockets[s.index].holder = holder
        } else {
            release(s)
        }
    }

    /// A connected socket's state that only the peer's FIN leads to. CLOSE counts too: with a
    /// descriptor held and no reset seen, it is what both FINs exchanged leave (tcp_time_wait hands
    /// the connection to a timewait socket and tcp_done closes ours, J).
    static func impliesPeerFin(_ state: KernelTCPState?) -> Bool {
        guard let state else { return false }
        return state.impliesPeerFin || state == .close
    }

    private func release(_ s: SocketID) {
        touch(s)
        sockets[s.index].holder = .released(at: now())
        sockets[s.index].reading.state = .closed
        sockets[s.index].reading.sendQueue = 0
        sockets[s.index].reading.receiveQueue = 0
    }

    private func notePeerFin(_ s: SocketID) {
        sockets[s.index].sawPeerFin = true
        emit(.peerFinReceived(s), at: now())
    }
}
