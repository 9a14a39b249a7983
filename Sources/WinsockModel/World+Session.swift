/// Session commands that act on the world without a provider call: processes and threads
/// (R39), the peer (R41–R43a), the clock (R46) and settings (R22, R23, R50).
extension World {
    // MARK: Processes and threads

    /// `process new`: a process, started (count 1), with one new thread. It becomes current only
    /// when no process was live (R39).
    public mutating func newProcess() -> Outcome {
        var made: ProcessID? = nil
        var outcome = try! request { w throws(Refusal) in
            let p = ProcessID(rawValue: w.processes.count + 1)
            let t = ThreadID(rawValue: w.threads.count + 1)
            w.processes.append(SimulatedProcess(id: p, threads: [t]))
            w.threads.append(SimulatedThread(id: t, process: p))
            if w.current == nil {
                w.current = t
                w.note(.r39, "no process was live, so \(p) becomes current.")
            }
            made = p
            return nil
        }
        outcome.created = made?.description
        return outcome
    }

    /// `thread new [PN]`.
    public mutating func newThread(in p: ProcessID?) throws(Refusal) -> Outcome {
        guard let p = p ?? currentProcess else { throw Refusal("no process is live: start one with `process new`") }
        guard let proc = process(p) else { throw Refusal("there is no process \(p)") }
        guard proc.isAlive else { throw Refusal("\(p) has exited") }
        var made: ThreadID? = nil
        var outcome = try request { w throws(Refusal) in
            let t = ThreadID(rawValue: w.threads.count + 1)
            w.threads.append(SimulatedThread(id: t, process: p))
            w.processes[p.index].threads.append(t)
            made = t
            return nil
        }
        outcome.created = made?.description
        return outcome
    }

    /// `use PN` / `use TN`.
    public mutating func use(_ p: ProcessID) throws(Refusal) {
        guard let proc = process(p) else { throw Refusal("there is no process \(p)") }
        guard proc.isAlive, let t = preferredThread(of: p) else { throw Refusal("\(p) has exited") }
        current = t
    }

    public mutating func use(_ t: ThreadID) throws(Refusal) {
        guard let th = thread(t) else { throw Refusal("there is no thread \(t)") }
        guard th.state != .exited else { throw Refusal("\(t) has exited with its process \(th.process)") }
        current = t
    }

    /// `process exit PN` (R39): treated as a final cleanup; its threads exit.
    public mutating func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome {
        guard let proc = process(p) else { throw Refusal("there is no process \(p)") }
        guard proc.isAlive else { throw Refusal("\(p) has already exited") }
        return try request { w throws(Refusal) in
            w.note(.r39, "a process that exits is treated as a final cleanup: the provider must cope with a process that never called WSPCleanup.")
            w.finalCleanup(p)
            w.processes[p.index].startupCount = 0
            w.processes[p.index].isAlive = false
            for t in w.processes[p.index].threads { w.updateThread(t) { $0.state = .exited } }
            if let c = w.current, w.threads[c.index].process == p {
                if let next = w.liveProcesses.first, let t = w.preferredThread(of: next) {
                    w.current = t
                    w.note(.r39, "\(p) was current, so the lowest-numbered live process, \(next), becomes current.")
                } else {
                    w.current = nil
                    w.note(.r39, "no live process is left: provider calls are invalid lines until `process new`.")
                }
            }
            return nil
        }
    }

    // MARK: The peer

    public enum PeerAction: Hashable, Sendable {
        case read(Int?)
        case send(Int)
        case close
        case reset
        case window(Int)
    }

    /// `peer sN …`: the peer application acts. Returns the outcome and a one-line account.
    public mutating func peer(_ s: SocketID, _ action: PeerAction) throws(Refusal) -> (Outcome, String) {
        guard let sock = socket(s) else { throw Refusal("there is no socket \(s)") }
        guard sock.type == .stream, let peer = sock.peer else {
            throw Refusal("\(s) never connected: `peer` needs a connected stream socket")
        }
        switch action {
        case .send, .close, .reset:
            if peer.hasSentFin { throw Refusal("the peer of \(s) already sent its FIN") }
            if peer.hasSentReset { throw Refusal("the peer of \(s) already reset the connection") }
            if peer.hasReceivedReset { throw Refusal("our RST already reached the peer of \(s)") }
        case .read, .window:
            break
        }
        var message = ""
        let outcome = try request { w throws(Refusal) in
            message = w.peerActs(s, action)
            return nil
        }
        return (outcome, message)
    }

    private mutating func peerActs(_ s: SocketID, _ action: PeerAction) -> String {
        let peer = sockets[s.index].peer!
        let released = sockets[s.index].isReleased
        switch action {
        case .read(let count):
            if peer.hasReceivedReset {
                note(.r42, "our RST reached the peer of \(s), so its receive fails with \(peer.resetError!) and it never sees the discarded bytes.")
                return "peer of \(s): receive fails with \(peer.resetError!)"
            }
            let k = min(count ?? peer.unread, peer.unread)
            updateSocket(s) { $0.peer!.read += k }
            let free = sockets[s.index].peer!.freeWindow
            note(.r41, "the peer application read \(k) bytes of \(s); its window reopens at once (\(free) of \(peer.window) free).")
            if k == 0 && peer.hasReceivedFin {
                note(.r42, "after our FIN with every byte read, the peer's receive returns 0.")
                return "peer of \(s): read 0 bytes (end of stream: our FIN arrived)"
            }
            return "peer of \(s): read \(k) bytes (\(sockets[s.index].peer!.read) read of \(peer.received) received)"
        case .send(let n):
            updateSocket(s) { $0.peer!.sent += n; $0.peer!.hasSentFin = $0.peer!.hasSentFin }
            if released {
                note(.r43a, "\(s) is released: anything sent to it is ignored.")
                return "peer of \(s): sent \(n) bytes to a released socket (ignored)"
            }
            let departure = max(now, peer.nextDeparture)
            let rate = Int128(settings.netRate)
            let travel = (Int128(n) * World.nanosecondsPerSecond + rate - 1) / rate
            let arrival = departure.adding(Span(nanoseconds: Int64(clamping: travel)))
            updateSocket(s) { $0.peer!.nextDeparture = arrival }
            let segment = logWire(s, .fromPeer, .data(n), sent: departure)
            schedule(.peerDataArrives(s, n), at: arrival, wireRecord: segment)
            note(.r46, "the peer's \(n) bytes are one segment: it leaves after the peer's earlier segments and arrives \(Span(nanoseconds: arrival.nanoseconds - departure.nanoseconds)) later (at \(arrival)), so only during `advance`.")
            return "peer of \(s): sends \(n) bytes (arriving at t=\(arrival))"
        case .close:
            updateSocket(s) { $0.peer!.hasSentFin = true }
            if released { return "peer of \(s): FIN to a released socket (ignored)" }
            let arrival = peerSends(s, .fin, .peerFinArrives(s), leaving: max(now, peer.nextDeparture))
            let latency = settings.netLatency
            note(.r46, "the peer's FIN leaves after its earlier segments and arrives net latency (\(latency)) later.")
            return "peer of \(s): sends FIN (arriving at t=\(arrival))"
        case .reset:
            updateSocket(s) { $0.peer!.hasSentReset = true }
            if released { return "peer of \(s): RST to a released socket (ignored)" }
            let arrival = peerSends(s, .rst, .peerResetArrives(s), leaving: now)
            let latency = settings.netLatency
            note(.r46, "the peer's RST is sent now and arrives net latency (\(latency)) later.")
            return "peer of \(s): sends RST (arriving at t=\(arrival))"
        case .window(let n):
            updateSocket(s) { $0.peer!.window = n }
            let free = sockets[s.index].peer!.freeWindow
            note(.r41, "the peer's receive buffer for \(s) is now \(n) bytes (\(free) free); a full window stops transmission.")
            return "peer of \(s): window \(n) bytes"
        }
    }

    /// The peer's FIN or RST leaves at `departure` and arrives `net latency` later; it is logged
    /// on the wire. Returns the arrival instant.
    private mutating func peerSends(_ s: SocketID, _ kind: WireRecord.Kind, _ arrival: Due, leaving departure: Instant) -> Instant {
        let at = departure.adding(settings.netLatency)
        let record = logWire(s, .fromPeer, kind, sent: departure)
        schedule(arrival, at: at, wireRecord: record)
        return at
    }

    // MARK: The clock

    /// `advance <duration>` (R46).
    public mutating func advance(by span: Span) throws(Refusal) -> Outcome {
        let target = now.adding(span)
        guard target != .never, target.milliseconds <= Span.maximumMilliseconds else {
            throw Refusal("the clock cannot pass \(Span.milliseconds(Span.maximumMilliseconds)) (about 100 years)")
        }
        return try request { w throws(Refusal) in
            w.runClock(until: target)
            return nil
        }
    }

    // MARK: Settings

    public enum Setting: Hashable, Sendable {
        case provider(ProviderKind)
        case netRate(Int64)
        case netLatency(Span)
        case network(up: Bool)
        case sendBuffer(Int)
        case window(Int)
        case gracefulTimeout(Span)
        case timeWait(Span)
        case reuse(Bool)
        case profile(Profile)
    }

    /// `set <name> <value>`.
    public mutating func apply(_ setting: Setting) throws(Refusal) -> Outcome {
        if case .provider(let kind) = setting, kind != settings.provider, hasLiveSockets {
            throw Refusal("set provider: only while no socket is in any state but CLOSED")
        }
        return try request { w throws(Refusal) in
            switch setting {
            case .provider(let kind): w.settings.provider = kind
            case .netRate(let rate):
                w.reanchorTransmission()
                w.settings.netRate = rate
            case .netLatency(let span): w.settings.netLatency = span
            case .network(let up):
                w.reanchorTransmission()
                w.settings.isNetworkUp = up
                // Transmission stops or resumes; deferred arrivals fire now (R50).
                for s in w.sockets where s.sendQueue > 0 || s.isTransmitting { w.attention.append(s.id) }
                if up {
                    w.note(.r50, "the network is up again: what was due arrives now and queued data moves on.")
                } else {
                    w.note(.r22, "the network is down: nothing is transmitted and nothing arrives; FIN and RST are still sent and arrive after it comes back up. A close now returns WSAENETDOWN.")
                }
            case .sendBuffer(let n): w.settings.sendBuffer = n
            case .window(let n): w.settings.window = n
            case .gracefulTimeout(let span): w.settings.gracefulTimeout = span
            case .timeWait(let span): w.settings.timeWait = span
            case .reuse(let on): w.settings.reusesHandles = on
            case .profile(let profile): w.settings.profile = profile
            }
            return nil
        }
    }
}
