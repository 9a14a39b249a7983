// Session commands that are not provider calls: the peer application's actions, settings, and
// `advance`, which under this backend waits real time while watching the sockets (processes and
// threads are in Laboratory+Processes).

@preconcurrency import Glibc
import LabSession
import WinsockModel

extension Laboratory {
    // MARK: The peer (R41, R42)

    /// `peer sN …` on the accepted socket. Reads and sends never block (the peer's socket is
    /// nonblocking); what the peer saw is sampled before a read can consume it.
    func peer(_ s: SocketID, _ action: World.PeerAction) throws(Refusal) -> (Outcome, String) {
        try checkRunning()
        guard sockets.indices.contains(s.index) else { throw Refusal("there is no socket \(s)") }
        guard sockets[s.index].type == .stream, sockets[s.index].peer != nil else {
            throw Refusal("\(s) never connected: `peer` needs a connected stream socket")
        }
        observe()
        try takePendingRefusal()
        let peer = sockets[s.index].peer!
        switch action {
        case .send, .close, .reset:
            if peer.closing == .fin { throw Refusal("the peer of \(s) already sent its FIN") }
            if peer.closing == .reset { throw Refusal("the peer of \(s) already reset the connection") }
            if peer.hasReceivedReset { throw Refusal("our RST already reached the peer of \(s)") }
        case .read, .window:
            break
        }
        guard let fd = peer.fd else {
            return (outcome(nil), "peer of \(s): it reset the connection and has no socket left")
        }
        touch(s)
        let message = switch action {
        case .read(let count): peerRead(s, fd, count)
        case .send(let count): peerSend(s, fd, count)
        case .close: peerClose(s, fd)
        case .reset: peerReset(s, fd)
        case .window(let size): peerWindow(s, fd, size)
        }
        observe()
        return (outcome(nil), message)
    }

    private func peerRead(_ s: SocketID, _ fd: Int32, _ count: Int?) -> String {
        let wanted = count ?? Int.max
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: sendChunk, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0, endOfStream = false, failure: Int32 = 0
        while total < wanted {
            let rc = recv(fd, buffer, min(sendChunk, wanted - total), Kernel.dontWait)
            if rc > 0 { total += rc; continue }
            if rc == 0 { endOfStream = true } else if errno != EAGAIN { failure = errno }
            break
        }
        sockets[s.index].peer!.read += total
        // What was read is unread no more. `observe()` skips a released socket's peer, so the
        // count is refreshed here too: else `sN.peer.error` would wait on bytes already read.
        sockets[s.index].peer!.unread = Kernel.receiveQueue(fd) ?? max(0, sockets[s.index].peer!.unread - total)
        let peer = sockets[s.index].peer!
        if failure == ECONNRESET {
            sockets[s.index].peer!.hasReportedReset = true
            return "peer of \(s): read \(total) bytes, then its receive failed with WSAECONNRESET (ECONNRESET)"
        }
        if failure != 0 {
            return "peer of \(s): read \(total) bytes, then its receive failed with \(Kernel.errnoName(failure))"
        }
        if endOfStream && total == 0 { return "peer of \(s): read 0 bytes (end of stream: our FIN arrived)" }
        let unread = Kernel.receiveQueue(fd) ?? 0
        return "peer of \(s): read \(total) bytes (\(peer.read) read of \(peer.read + unread) received)"
    }

    private func peerSend(_ s: SocketID, _ fd: Int32, _ count: Int) -> String {
        var sent = 0, failure: Int32 = 0
        repeat {
            let rc = send(fd, zeroBytes, min(sendChunk, count - sent), Kernel.noSignal | Kernel.dontWait)
            if rc < 0 { failure = errno; break }
            sent += rc
        } while sent < count
        sockets[s.index].peer!.sent += sent
        if sent == count { return "peer of \(s): sent \(count) bytes" }
        if failure == EAGAIN {
            return "peer of \(s): sent \(sent) of \(count) bytes; \(count - sent) did not fit "
                + "(its send buffer and our receive window are full)"
        }
        return "peer of \(s): sent \(sent) of \(count) bytes; its send failed with \(Kernel.errnoName(failure))"
    }

    private func peerClose(_ s: SocketID, _ fd: Int32) -> String {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else {
            return "peer of \(s): its shutdown failed with \(Kernel.errnoName(errno))"
        }
        sockets[s.index].peer!.closing = .fin
        return "peer of \(s): sent its FIN (shutdown SHUT_WR; it can still read)"
    }

    private func peerReset(_ s: SocketID, _ fd: Int32) -> String {
        sockets[s.index].peer!.unread = Kernel.receiveQueue(fd) ?? sockets[s.index].peer!.unread
        _ = Kernel.setLinger(fd, onoff: 1, seconds: 0)
        Kernel.close(fd)
        sockets[s.index].peer!.fd = nil
        sockets[s.index].peer!.closing = .reset
        return "peer of \(s): reset the connection (SO_LINGER {1, 0}, then close: RST)"
    }

    private func peerWindow(_ s: SocketID, _ fd: Int32, _ size: Int) -> String {
        let set = Kernel.setIntOption(fd, SO_RCVBUF, size)
        guard set.isSuccess else { return "peer of \(s): SO_RCVBUF failed with \(Kernel.errnoName(set.errno))" }
        let actual = (try? Kernel.intOption(fd, SO_RCVBUF).get()) ?? 0
        sockets[s.index].peer!.window = actual
        return "peer of \(s): SO_RCVBUF \(size) reads back as \(actual) (approximate: the kernel doubles it, "
            + "keeps a minimum of 2304, and the window it advertises follows only as data moves)"
    }

    // MARK: Settings

    /// `set sndbuf` and `set window` have kernel counterparts (approximate: the kernel doubles
    /// both and keeps minimums); nothing else does, and each says so in one line.
    func apply(_ setting: World.Setting) throws(Refusal) -> Outcome {
        try checkRunning()
        observe()
        try takePendingRefusal()
        let name = "under the linux backend"
        switch setting {
        case .sendBuffer(let size):
            sendBuffer = size
            return outcome(nil, notes: [RuleNote(.r44, "\(name), sockets made from now on get SO_SNDBUF \(size); "
                + "the kernel doubles it (getsockopt reads the doubled value) and keeps at least 4608 bytes, "
                + "so the send buffer is approximate.")])
        case .window(let size):
            window = size
            var readBack = ""
            if let listener {
                _ = Kernel.setIntOption(listener, SO_RCVBUF, size)
                if case .success(let actual) = Kernel.intOption(listener, SO_RCVBUF) {
                    readBack = " (it reads back as \(actual))"
                }
            }
            return outcome(nil, notes: [RuleNote(.r41, "\(name), connections made from now on start with a peer "
                + "whose SO_RCVBUF is \(size)\(readBack); the kernel doubles it and keeps at least 2304 bytes, "
                + "so the peer's window is approximate.")])
        case .provider:
            throw Refusal("set provider has no counterpart \(name): every Linux socket is a file, with no WPU up-calls")
        case .netRate:
            throw Refusal("set net rate has no counterpart \(name): loopback moves data at the kernel's speed")
        case .netLatency:
            throw Refusal("set net latency has no counterpart \(name): loopback delivers at once")
        case .network:
            throw Refusal("set network has no counterpart \(name): the loopback interface stays up")
        case .gracefulTimeout:
            throw Refusal("set graceful-timeout has no counterpart \(name): the kernel's own orphan limits decide")
        case .timeWait:
            throw Refusal("set timewait has no counterpart \(name): the kernel's TIME_WAIT lasts 60 s")
        case .reuse:
            throw Refusal("set reuse has no counterpart \(name): the kernel always reuses the lowest free "
                + "descriptor number, and so do the lab's names (reuse on)")
        case .profile:
            throw Refusal("set profile has no counterpart \(name): the kernel, not a profile, decides")
        }
    }

    // MARK: advance

    /// The longest real wait one `advance` may ask for. TIME_WAIT (60 s) and the orphan give-up
    /// are model-only under this backend.
    static let longestAdvance = Span.seconds(60)
    /// How often a wait samples, at the latest, when poll reports nothing.
    static let watchInterval: Int64 = 20_000_000

    /// `advance D`: waits D of real time, polling the sockets that can still show something new
    /// (a FIN or RST not yet seen) and sampling everything at least every 20 ms, so a call that
    /// returned is reported when it returned. Ctrl-C (`control.isInterrupted`) ends it early.
    func advance(by span: Span, control: WaitControl) throws(Refusal) -> Outcome {
        try checkRunning()
        guard span <= Laboratory.longestAdvance else {
            throw Refusal("advance under the linux backend waits real time: at most 60s in one command "
                + "(TIME_WAIT and the orphan give-up are model-only)")
        }
        observe()
        try takePendingRefusal()
        let start = MonotonicClock.now(), end = start + span.nanoseconds
        var nextReport = start + 1_000_000_000
        // A condition poll keeps reporting without news (a hang-up both ways) would make the loop
        // spin: after such a wake-up, the next interval is waited out without descriptors.
        var isQuiet = false
        while MonotonicClock.now() < end && !control.isInterrupted() {
            var watched = isQuiet ? [] : watchedDescriptors()
            let wait = min(Laboratory.watchInterval, end - MonotonicClock.now())
            let ready = poll(&watched, nfds_t(watched.count), Int32(max(0, (wait + 999_999) / 1_000_000)))
            let seen = pendingEvents.count
            observe()
            isQuiet = ready > 0 && pendingEvents.count == seen
            let clock = MonotonicClock.now()
            if span > .seconds(1) && clock >= nextReport {
                control.progress(Span(nanoseconds: min(clock, end) - start), span)
                nextReport += 1_000_000_000
            }
        }
        observe()
        return outcome(nil)
    }

    /// Descriptors whose next signal would be news: a peer that has not seen our FIN or RST, our
    /// socket (through a descriptor of P1) that has not seen the peer's, a helper's control socket
    /// (a call or operation that returned, or the helper's death). Conditions already latched are
    /// left out: poll would report them at once, every time.
    private func watchedDescriptors() -> [pollfd] {
        var watched: [pollfd] = []
        for record in processes where record.isAlive {
            guard let fd = record.helper?.controlDescriptor else { continue }
            watched.append(pollfd(fd: fd, events: Kernel.pollIn, revents: 0))
        }
        for s in sockets where !s.isReleased {
            if let peer = s.peer, let fd = peer.fd, !peer.hasReceivedReset, !peer.hasReceivedFin {
                watched.append(pollfd(fd: fd, events: Kernel.pollReadHangUp, revents: 0))
            }
            if s.type == .stream, s.hasConnected, !s.sawPeerFin, !s.sawPeerReset, !s.didShutdownReceive,
               let (p, fd) = anyDescriptor(of: s.id), p == Laboratory.labProcess {
                watched.append(pollfd(fd: fd, events: Kernel.pollReadHangUp, revents: 0))
            }
        }
        return watched
    }
}
