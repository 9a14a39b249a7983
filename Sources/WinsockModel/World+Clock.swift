/// The clock (R46, docs/language.md, "Timing"): a discrete-event loop. The next instant is the earliest
/// of an arrival, a timer, or a transmitting socket's queue emptying, peer window filling or
/// waiting send fitting. Only transmitting sockets and due items are visited, so idle sockets
/// (thousands of orphans) cost nothing per step. What fires when it is due is in World+Arrivals.swift.
extension World {
    static let nanosecondsPerSecond: Int128 = 1_000_000_000

    /// Moves the clock to `target`, firing everything due on the way.
    mutating func runClock(until target: Instant) {
        runInstant()
        while true {
            let next = nextInstant()
            guard next <= target, next > now else { break }
            now = next
            runInstant()
        }
        now = target
        runInstant()
    }

    /// The earliest instant at which something happens by itself.
    func nextInstant() -> Instant {
        var next = timers.min?.time ?? .never
        if settings.isNetworkUp, let a = arrivals.min?.time { next = min(next, a) }
        for id in transmitting { next = min(next, transmitInstant(id)) }
        return next
    }

    /// When a transmitting socket next reaches a point that matters: its queue empties, its
    /// peer's window fills, or its first waiting send fits.
    func transmitInstant(_ id: SocketID) -> Instant {
        var bytes = min(World.transmittable(sockets[live: id.index], threads), sockets[live: id.index].peer?.freeWindow ?? 0)
        if let need = bytesBeforeFirstWaiterFits(id), need > 0 { bytes = min(bytes, need) }
        let needed = Int128(bytes) * World.nanosecondsPerSecond - sockets[live: id.index].transmitCredit
        guard needed > 0 else { return now }
        let rate = Int128(settings.netRate)
        let wait = (needed + rate - 1) / rate
        return sockets[live: id.index].transmitAnchor.adding(Span(nanoseconds: Int64(clamping: wait)))
    }

    /// Bytes that must leave the queue before the first waiting send can move in (R44).
    func bytesBeforeFirstWaiterFits(_ id: SocketID) -> Int? {
        let s = sockets[live: id.index]
        guard let head = s.sendWaiters.first else { return nil }
        switch head {
        case .thread(let t):
            guard case .blocked(.send(_, _, _, let remaining)) = threads[t.index].state else { return nil }
            return max(0, remaining - s.freeSendBuffer)
        case .operation(let op):
            let n = operations[op.index].requested
            return n > s.sendBufferSize ? s.sendQueue : max(0, n - s.freeSendBuffer)
        }
    }

    /// Everything due at `now`, in docs/language.md's order: report transmitted bytes; move waiting
    /// sends into freed buffer space; send FINs that are due; finish lingering closes whose
    /// queue emptied; fire due arrivals and timers in (time, scheduling order).
    mutating func runInstant() {
        if transmitting.isEmpty && attention.isEmpty {
            let due = (timers.min.map { $0.time <= now } ?? false)
                || (settings.isNetworkUp && (arrivals.min.map { $0.time <= now } ?? false))
            if !due { return }
        }
        var rounds = 0
        repeat {
            rounds += 1
            for id in transmitting { settleTransmission(id) }
            // The sockets to look at, sorted and without repeats. Two buffers take turns
            // (`attention` collects while `focus` is walked), so no instant allocates.
            var focus = spareAttention
            spareAttention = []
            swap(&focus, &attention)
            sortUnique(&focus)
            defer { focus.removeAll(keepingCapacity: true); spareAttention = focus }
            for id in focus { stopTransmissionIfBlocked(id) }
            for id in focus { moveWaitingSends(id) }
            for id in focus { sendFinIfDue(id) }
            for id in focus { finishLingeringCloseIfDrained(id) }
            for id in focus { closeIfNoLongerHeld(id) }
            for id in focus { startTransmissionIfPossible(id) }
            looked.append(contentsOf: focus)
            fireDueItems()
        } while !attention.isEmpty && rounds < 10_000
    }

    /// Ends every open TX stretch: docs/language.md prints one where it ends, and a command's end ends it.
    mutating func endStretches() {
        for id in transmitting { endStretch(id) }
    }

    // MARK: Transmission

    func canTransmit(_ id: SocketID) -> Bool {
        World.canTransmit(sockets[live: id.index], networkUp: settings.isNetworkUp, threads: threads)
    }

    /// Static and borrowing: the checks run on every instant for every socket in view, and a
    /// method of self taking `sockets[live: i]` would copy the socket (and can copy the world).
    static func canTransmit(_ s: borrowing Socket, networkUp: Bool, threads: [SimulatedThread]) -> Bool {
        // Only a connection carries data: a socket that is not connected has nothing queued
        // (`invariantViolations()` checks it).
        guard networkUp, !s.isReleased, case .stream(.connected(let c)) = s.endpoint else { return false }
        return transmittable(s, threads) > 0 && c.peer.freeWindow > 0
    }

    /// What can leave without a pause: the queue, and behind it the rest of a blocking send
    /// that refills the buffer as it drains (R44), so its queue never empties in between.
    static func transmittable(_ s: borrowing Socket, _ threads: [SimulatedThread]) -> Int {
        s.sendQueue + blockingRefill(s, threads)
    }

    /// The bytes the first waiting send still has to queue, if it is a blocked thread's send.
    static func blockingRefill(_ s: borrowing Socket, _ threads: [SimulatedThread]) -> Int {
        guard case .thread(let t)? = s.sendWaiters.first,
              case .blocked(.send(_, _, _, let remaining)) = threads[t.index].state else { return 0 }
        return remaining
    }

    /// Moves the bytes the link carried since the last instant into the peer's stack.
    ///
    /// Progress is exact: the link's credit is elapsed nanoseconds × rate, in units of 10⁻⁹ byte
    /// (`Int128`: at 2^40 bytes the product passes 10^21). Whole bytes move; the fraction stays as
    /// credit for as long as the link stays busy — also across an instant where the queue empties
    /// and a waiting send moves in — and is dropped only when the link stops
    /// (`stopTransmissionIfBlocked`), so no byte is created or lost by rounding an instant.
    mutating func settleTransmission(_ id: SocketID) {
        guard sockets[live: id.index].isTransmitting, let freeWindow = sockets[live: id.index].peer?.freeWindow else { return }
        let s = sockets[live: id.index]
        let elapsed = Int128(now.nanoseconds - s.transmitAnchor.nanoseconds)
        var credit = s.transmitCredit + elapsed * Int128(settings.netRate)
        let limit = min(World.transmittable(s, threads), freeWindow)
        let moved = Int(min(credit / World.nanosecondsPerSecond, Int128(limit)))
        credit -= Int128(moved) * World.nanosecondsPerSecond
        sockets[live: id.index].transmitCredit = credit
        sockets[live: id.index].transmitAnchor = now
        guard moved > 0 else { return }
        // Bytes beyond the queue came from the blocked sender through the buffer as it drained.
        let throughBuffer = max(0, moved - s.sendQueue)
        if throughBuffer > 0, case .thread(let t)? = s.sendWaiters.first,
           case .blocked(.send(let h, _, let total, let remaining)) = threads[t.index].state {
            updateThread(t) { $0.state = .blocked(.send(h, id, total: total, remaining: remaining - throughBuffer)) }
        }
        if sockets[live: id.index].stretch == 0 { sockets[live: id.index].stretchStart = s.transmitAnchor }
        updateSocket(id) { s in
            s.accepted += throughBuffer
            s.sendQueue -= moved - throughBuffer
            s.delivered += moved
            s.stretch += moved
            _ = s.updatePeer { $0.received += moved }
        }
    }

    mutating func stopTransmissionIfBlocked(_ id: SocketID) {
        guard sockets[live: id.index].isTransmitting, !canTransmit(id) else { return }
        settleTransmission(id)   // anchors at now, keeping the fraction of a byte in flight
        sockets[live: id.index].isTransmitting = false
        transmitting.remove(id)
        endStretch(id)
    }

    /// A link that stopped at this very instant (its queue emptied and a waiting send moved in, or
    /// its window filled and was read at once) goes on with its credit; one idle since an earlier
    /// instant starts afresh.
    mutating func startTransmissionIfPossible(_ id: SocketID) {
        guard !sockets[live: id.index].isTransmitting, canTransmit(id) else { return }
        if sockets[live: id.index].transmitAnchor != now { sockets[live: id.index].transmitCredit = 0 }
        sockets[live: id.index].isTransmitting = true
        sockets[live: id.index].transmitAnchor = now
        transmitting.insert(id)
    }

    /// Prints the stretch as one `TX sN <bytes>` (never for 0), and logs it on the wire.
    mutating func endStretch(_ id: SocketID) {
        let n = sockets[live: id.index].stretch
        guard n > 0 else { return }
        sockets[live: id.index].stretch = 0
        emit(.transmitted(id, n))
        logWire(id, .toPeer, .data(n), sent: sockets[live: id.index].stretchStart, arrived: now)
    }

    /// A reset ends the socket's TX stretch: the bytes that left before it are reported first.
    mutating func endStretchBeforeReset(_ id: SocketID) {
        settleTransmission(id)
        endStretch(id)
    }

    /// Settles every transmitting socket at `now` before the rate or the network changes, so the
    /// bytes already carried count at the old rate (the credit, in 10⁻⁹ byte, carries over).
    mutating func reanchorTransmission() {
        for id in transmitting { settleTransmission(id) }
    }

    // MARK: Waiting sends, FINs, lingering closes

    /// R44: waiting sends move into freed buffer space in order: a blocking send queues what
    /// fits and wakes when all of it is queued; an overlapped send is queued whole when it fits
    /// (or on an empty queue, if it is larger than the buffer) and completes then.
    mutating func moveWaitingSends(_ id: SocketID) {
        while sockets[live: id.index].connection != nil, let head = sockets[live: id.index].sendWaiters.first {
            switch head {
            case .thread(let t):
                guard case .blocked(.send(let h, _, let total, let remaining)) = threads[t.index].state else {
                    sockets[live: id.index].sendWaiters.removeFirst()
                    continue
                }
                let k = min(remaining, sockets[live: id.index].freeSendBuffer)
                if k > 0 {
                    updateSocket(id) { $0.sendQueue += k; $0.accepted += k }
                    updateThread(t) { $0.state = .blocked(.send(h, id, total: total, remaining: remaining - k)) }
                }
                guard remaining - k == 0 else { return }
                note(.r44, "the blocking send of \(total) bytes by \(t) is now all queued, so it returns \(total).")
                wake(t, with: .value(.count(total)))
            case .operation(let op):
                let n = operations[op.index].requested
                let s = sockets[live: id.index]
                guard n <= s.freeSendBuffer || (n > s.sendBufferSize && s.sendQueue == 0) else { return }
                updateSocket(id) { $0.sendQueue += n; $0.accepted += n }
                note(.r44, "the overlapped send \(op) of \(n) bytes fits now: it is queued whole and completes.")
                complete(op, bytes: n)
            }
        }
    }

    /// Our FIN leaves once it is owed (R9, R31) or a lingering close waits for it (R11), and the
    /// data before it has gone.
    static func isFinDue(_ s: borrowing Socket) -> Bool {
        guard case .stream(.connected(let c)) = s.endpoint else { return false }
        let isWanted = switch c.fin {
        case .owed: true
        case .notOwed: s.lingeringClose != nil
        case .sent: false
        }
        return isWanted && s.sendQueue == 0 && s.sendWaiters.isEmpty && (c.state == .established || c.state == .closeWait)
    }

    mutating func sendFinIfDue(_ id: SocketID) {
        guard World.isFinDue(sockets[live: id.index]) else { return }
        sendFin(id)
    }

    /// Our FIN leaves now (R43): ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK. It reaches the
    /// peer `net latency` later; the peer acknowledges it then (docs/language.md, "Timing").
    mutating func sendFin(_ id: SocketID) {
        let s = sockets[live: id.index]
        if s.lingeringClose != nil {
            note(.r11, "the send queue of \(id) is empty, so the lingering close sends FIN.")
        } else if s.isOrphan {
            cite(.r9, "the orphan {0} has sent all its queued data, so FIN follows the data.", .socket(id))
        } else if s.isSendShutdown {
            note(.r31, "SD_SEND: FIN follows the queued data of \(id).")
        }
        emit(.finSent(id))
        let next: TCPState = sockets[live: id.index].state == .closeWait ? .lastAck : .finWait1
        enter(next, on: id) { $0.fin = .sent }
        let fin = logWire(id, .toPeer, .fin, sent: now)
        schedule(.finArrivesAtPeer(id), at: now.adding(settings.netLatency), wireRecord: fin)
    }

    mutating func finishLingeringCloseIfDrained(_ id: SocketID) {
        guard sockets[live: id.index].lingeringClose != nil, isLingerOver(sockets[live: id.index]) else { return }
        if settings.profile.lingersOnAnOrphan {
            note(.r11, "[linux] the ACK of the FIN of \(id) arrived within the linger time, so sk_stream_wait_close stops waiting and the close returns 0.")
        } else {
            note(.r11, "the queue of \(id) emptied within the linger time, so FIN followed the data and the close returned 0.")
        }
        completeLingeringClose(id)
    }
}
