/// Session commands that act on the world without a provider call: processes and threads
/// (R39), the clock (R46) and settings (R22, R23, R50). The peer's commands are in World+Peer.swift.
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
        outcome.created = made.map(CreatedObject.process)
        return outcome
    }

    /// `thread new [PN]`: a thread of `p` (nil: the current process). It does not become current.
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
        outcome.created = made.map(CreatedObject.thread)
        return outcome
    }

    /// `use PN`: provider calls come from `p`'s first running thread (else its first thread) from
    /// now on. Refused for a process that does not exist or has exited.
    public mutating func use(_ p: ProcessID) throws(Refusal) {
        guard let proc = process(p) else { throw Refusal("there is no process \(p)") }
        guard proc.isAlive, let t = preferredThread(of: p) else { throw Refusal("\(p) has exited") }
        current = t
    }

    /// `use TN`: provider calls come from `t` from now on. Refused for a thread that does not exist
    /// or has exited.
    public mutating func use(_ t: ThreadID) throws(Refusal) {
        guard let th = thread(t) else { throw Refusal("there is no thread \(t)") }
        guard th.state != .exited else { throw Refusal("\(t) has exited with its process \(th.process)") }
        current = t
    }

    /// `process exit PN` (R39): treated as a final cleanup; its threads exit. If it was current,
    /// the lowest-numbered live process becomes current (none: `current` is nil).
    public mutating func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome {
        guard let proc = process(p) else { throw Refusal("there is no process \(p)") }
        guard proc.isAlive else { throw Refusal("\(p) has already exited") }
        return try request { w throws(Refusal) in
            if w.settings.profile.exitClosesWithoutLingering {
                w.exitWithoutCleanup(p)
            } else {
                w.note(.r39, "a process that exits is treated as a final cleanup: the provider must cope with a process that never called WSPCleanup.")
                w.finalCleanup(p)
                w.resetLeakedSockets(of: p)
            }
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

    /// J/reactos: a socket `p` leaked is treated as an orphan, and `p`'s exit resets it (R39).
    mutating func resetLeakedSockets(of p: ProcessID) {
        for s in sockets where s.lifecycle == .leaked(by: p) {
            sockets.unpack(s.id.index)
            note(.r39, "[reactos] \(s.id) was leaked by \(p) (its count was lost, J) and is treated as an orphan: \(p)'s exit resets it.")
            if let c = s.connection, c.state != .timeWait {
                resetConnection(s.id, cause: .reset, sendsReset: true)
            } else {
                closeEndpoint(s.id)
                release(s.id)
            }
        }
    }

    // MARK: The clock

    /// `advance <duration>` (R46): moves the clock, firing everything due on the way in
    /// docs/language.md's order ("Timing"). Refused past about 100 years.
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

    /// A setting the model obeys (`set <name> <value>`; `Settings` documents each).
    public enum Setting: Hashable, Sendable {
        /// `set provider nonifs|ifs` (R6, R40): only while every socket is CLOSED.
        case provider(ProviderKind)
        /// `set net rate <bytes per second>`.
        case netRate(Int64)
        /// `set net latency <duration>`.
        case netLatency(Span)
        /// `set network up|down` (R22, R50).
        case network(up: Bool)
        /// `set sndbuf <bytes>`: for sockets made afterwards.
        case sendBuffer(Int)
        /// `set window <bytes>`: for connections made afterwards.
        case window(Int)
        /// `set graceful-timeout <duration>` (R9): for orphans made afterwards.
        case gracefulTimeout(Span)
        /// `set timewait <duration>` (R43).
        case timeWait(Span)
        /// `set reuse on|off` (R23).
        case reuse(Bool)
        /// `set profile docs|windows|reactos|linux` (docs/rules.md section J).
        case profile(Profile)
    }

    /// `set <name> <value>`. Refused: a provider change while a socket is not CLOSED.
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
