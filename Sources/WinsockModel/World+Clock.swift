/// The clock (R46, SPEC.md "Timing"): a discrete-event loop. The next instant is the earliest
/// of an arrival, a timer, or a transmitting socket's queue emptying, peer window filling or
/// waiting send fitting. Only transmitting sockets and due items are visited, so idle sockets
/// (thousands of orphans) cost nothing per step.
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
        var bytes = min(World.transmittable(sockets[id.index], threads), sockets[id.index].peer?.freeWindow ?? 0)
        if let need = bytesBeforeFirstWaiterFits(id), need > 0 { bytes = min(bytes, need) }
        let needed = Int128(bytes) * World.nanosecondsPerSecond - sockets[id.index].transmitCredit
        guard needed > 0 else { return now }
        let rate = Int128(settings.netRate)
        let wait = (needed + rate - 1) / rate
        return sockets[id.index].transmitAnchor.adding(Span(nanoseconds: Int64(clamping: wait)))
    }

    /// Bytes that must leave the queue before the first waiting send can move in (R44).
    func bytesBeforeFirstWaiterFits(_ id: SocketID) -> Int? {
        let s = sockets[id.index]
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

    /// Everything due at `now`, in SPEC.md's order: report transmitted bytes; move waiting
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
            let focus = uniqueSorted(attention)
            attention.removeAll(keepingCapacity: true)
            for id in focus { stopTransmissionIfBlocked(id) }
            for id in focus { moveWaitingSends(id) }
            for id in focus { sendFinIfDue(id) }
            for id in focus { finishLingeringCloseIfDrained(id) }
            for id in focus { startTransmissionIfPossible(id) }
            fireDueItems()
        } while !attention.isEmpty && rounds < 10_000
    }

    /// Ends every open TX stretch: SPEC.md prints one where it ends, and a command's end ends it.
    mutating func endStretches() {
        for id in transmitting { endStretch(id) }
    }

    // MARK: Transmission

    func canTransmit(_ id: SocketID) -> Bool {
        World.canTransmit(sockets[id.index], networkUp: settings.isNetworkUp, threads: threads)
    }

    /// Static and borrowing: the checks run on every instant for every socket in view, and a
    /// method of self taking `sockets[i]` would copy the socket (and can copy the world).
    static func canTransmit(_ s: borrowing Socket, networkUp: Bool, threads: [SimulatedThread]) -> Bool {
        networkUp && s.type == .stream && s.resetCause == nil && !s.isReleased
            && transmittable(s, threads) > 0 && (s.peer?.freeWindow ?? 0) > 0
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
    mutating func settleTransmission(_ id: SocketID) {
        guard sockets[id.index].isTransmitting, now > sockets[id.index].transmitAnchor,
              let freeWindow = sockets[id.index].peer?.freeWindow else { return }
        let s = sockets[id.index]
        let elapsed = Int128(now.nanoseconds - s.transmitAnchor.nanoseconds)
        var credit = s.transmitCredit + elapsed * Int128(settings.netRate)
        let limit = min(World.transmittable(s, threads), freeWindow)
        let possible = credit / World.nanosecondsPerSecond
        let moved = Int(min(possible, Int128(limit)))
        if moved == limit {
            credit = 0 // the link goes idle: no credit carries past an empty queue or full window
        } else {
            credit -= Int128(moved) * World.nanosecondsPerSecond
        }
        sockets[id.index].transmitCredit = credit
        sockets[id.index].transmitAnchor = now
        guard moved > 0 else { return }
        // Bytes beyond the queue came from the blocked sender through the buffer as it drained.
        let throughBuffer = max(0, moved - s.sendQueue)
        if throughBuffer > 0, case .thread(let t)? = s.sendWaiters.first,
           case .blocked(.send(let h, _, let total, let remaining)) = threads[t.index].state {
            updateThread(t) { $0.state = .blocked(.send(h, id, total: total, remaining: remaining - throughBuffer)) }
        }
        if sockets[id.index].stretch == 0 { sockets[id.index].stretchStart = s.transmitAnchor }
        updateSocket(id) { s in
            s.accepted += throughBuffer
            s.sendQueue -= moved - throughBuffer
            s.delivered += moved
            s.stretch += moved
            s.peer!.received += moved
        }
    }

    mutating func stopTransmissionIfBlocked(_ id: SocketID) {
        guard sockets[id.index].isTransmitting, !canTransmit(id) else { return }
        settleTransmission(id)
        sockets[id.index].isTransmitting = false
        sockets[id.index].transmitCredit = 0
        transmitting.remove(id)
        endStretch(id)
    }

    mutating func startTransmissionIfPossible(_ id: SocketID) {
        guard !sockets[id.index].isTransmitting, canTransmit(id) else { return }
        sockets[id.index].isTransmitting = true
        sockets[id.index].transmitAnchor = now
        sockets[id.index].transmitCredit = 0
        transmitting.insert(id)
    }

    /// Prints the stretch as one `TX sN <bytes>` (never for 0), and logs it on the wire.
    mutating func endStretch(_ id: SocketID) {
        let n = sockets[id.index].stretch
        guard n > 0 else { return }
        sockets[id.index].stretch = 0
        emit(.transmitted(id, n))
        logWire(id, .toPeer, .data(n), sent: sockets[id.index].stretchStart, arrived: now)
    }

    /// A reset ends the socket's TX stretch: the bytes that left before it are reported first.
    mutating func endStretchBeforeReset(_ id: SocketID) {
        settleTransmission(id)
        endStretch(id)
    }

    /// Re-anchors every transmitting socket at `now` (the rate or the network changed).
    mutating func reanchorTransmission() {
        for id in transmitting { settleTransmission(id) }
        for id in transmitting { sockets[id.index].transmitCredit = 0; sockets[id.index].transmitAnchor = now }
    }

    // MARK: Waiting sends, FINs, lingering closes

    /// R44: waiting sends move into freed buffer space in order: a blocking send queues what
    /// fits and wakes when all of it is queued; an overlapped send is queued whole when it fits
    /// (or on an empty queue, if it is larger than the buffer) and completes then.
    mutating func moveWaitingSends(_ id: SocketID) {
        while sockets[id.index].resetCause == nil, let head = sockets[id.index].sendWaiters.first {
            switch head {
            case .thread(let t):
                guard case .blocked(.send(let h, _, let total, let remaining)) = threads[t.index].state else {
                    sockets[id.index].sendWaiters.removeFirst()
                    continue
                }
                let k = min(remaining, sockets[id.index].freeSendBuffer)
                if k > 0 {
                    updateSocket(id) { $0.sendQueue += k; $0.accepted += k }
                    updateThread(t) { $0.state = .blocked(.send(h, id, total: total, remaining: remaining - k)) }
                }
                guard remaining - k == 0 else { return }
                note(.r44, "the blocking send of \(total) bytes by \(t) is now all queued, so it returns \(total).")
                wake(t, with: .value(.count(total)))
            case .operation(let op):
                let n = operations[op.index].requested
                let s = sockets[id.index]
                guard n <= s.freeSendBuffer || (n > s.sendBufferSize && s.sendQueue == 0) else { return }
                updateSocket(id) { $0.sendQueue += n; $0.accepted += n }
                note(.r44, "the overlapped send \(op) of \(n) bytes fits now: it is queued whole and completes.")
                complete(op, bytes: n)
            }
        }
    }

    static func isFinDue(_ s: borrowing Socket) -> Bool {
        !s.isFinSent && (s.isFinOwed || s.lingeringClose != nil) && s.sendQueue == 0 && s.sendWaiters.isEmpty
            && s.isConnectedStream && (s.state == .established || s.state == .closeWait)
    }

    mutating func sendFinIfDue(_ id: SocketID) {
        guard World.isFinDue(sockets[id.index]) else { return }
        sendFin(id)
    }

    /// Our FIN leaves now (R43): ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK. It reaches the
    /// peer `net latency` later and its ACK comes back after twice that.
    mutating func sendFin(_ id: SocketID) {
        let s = sockets[id.index]
        if s.lingeringClose != nil {
            note(.r11, "the send queue of \(id) is empty, so the lingering close sends FIN.")
        } else if s.isOrphan {
            cite(.r9, "the orphan {0} has sent all its queued data, so FIN follows the data.", .socket(id))
        } else if s.isSendShutdown {
            note(.r31, "SD_SEND: FIN follows the queued data of \(id).")
        }
        emit(.finSent(id))
        let next: TCPState = sockets[id.index].state == .closeWait ? .lastAck : .finWait1
        updateSocket(id) { $0.isFinSent = true; $0.isFinOwed = false }
        setState(id, next)
        let fin = logWire(id, .toPeer, .fin, sent: now)
        schedule(.finArrivesAtPeer(id), at: now.adding(settings.netLatency), wireRecord: fin)
        let ack = logWire(id, .fromPeer, .ack, sent: now.adding(settings.netLatency))
        schedule(.ackArrivesAtUs(id), at: now.adding(settings.netLatency * 2), wireRecord: ack)
    }

    mutating func finishLingeringCloseIfDrained(_ id: SocketID) {
        guard sockets[id.index].lingeringClose != nil, sockets[id.index].sendQueue == 0,
              sockets[id.index].sendWaiters.isEmpty else { return }
        note(.r11, "the queue of \(id) emptied within the linger time, so FIN followed the data and the close returned 0.")
        completeLingeringClose(id)
    }

    // MARK: Arrivals and timers

    var hasDueItems: Bool {
        if let t = timers.min, t.time <= now { return true }
        if settings.isNetworkUp, let a = arrivals.min, a.time <= now { return true }
        return false
    }

    mutating func fireDueItems() {
        while true {
            var timer: Scheduled? = nil
            var arrival: Scheduled? = nil
            if let t = timers.min, t.time <= now { timer = t }
            if settings.isNetworkUp, let a = arrivals.min, a.time <= now { arrival = a }
            let item: Scheduled
            if let t = timer, arrival == nil || t < arrival! {
                item = t
                timers.popMin()
            } else if let a = arrival {
                item = a
                arrivals.popMin()
            } else {
                return
            }
            if item.wireRecord >= 0 { wire[item.wireRecord].arrived = now }
            fire(item.item)
        }
    }

    mutating func fire(_ item: Due) {
        switch item {
        case .finArrivesAtPeer(let id):
            guard sockets[id.index].peer?.hasReceivedReset == false else { return }
            updateSocket(id) { $0.peer!.hasReceivedFin = true }
            cite(.r42, "our FIN reached the peer of {0}: once it has read every byte, its receive returns 0.", .socket(id))
        case .resetArrivesAtPeer(let id, let error):
            guard sockets[id.index].peer?.hasReceivedReset == false else { return }
            updateSocket(id) { $0.peer!.resetError = error }
            note(.r42, "our RST reached the peer of \(id): its next receive fails with \(error) and it never sees the discarded bytes.")
        case .ackArrivesAtUs(let id):
            ackArrived(id)
        case .peerDataArrives(let id, let bytes):
            peerDataArrived(id, bytes: bytes)
        case .peerFinArrives(let id):
            peerFinArrived(id)
        case .peerResetArrives(let id):
            let s = sockets[id.index]
            guard !s.isReleased, s.resetCause == nil, s.state != .closed else { return }
            endStretchBeforeReset(id)
            emit(.peerResetReceived(id))
            note(.r43, "the peer's RST reached \(id): the connection went straight to CLOSED and what was queued is lost.")
            resetConnection(id, cause: .reset, sendsReset: false)
        case .lingerTimeout(let id, let generation):
            guard let lc = sockets[id.index].lingeringClose, lc.generation == generation else { return }
            endStretchBeforeReset(id)
            emit(.lingerTimedOut(id))
            let queued = sockets[id.index].sendQueue
            note(.r11, "the linger time of \(id) ran out with \(queued) bytes still queued, so the provider reset the connection before WSPCloseSocket returned; it still returned 0.")
            resetConnection(id, cause: .reset, sendsReset: true)
        case .gracefulTimeout(let id):
            gracefulTimeoutExpired(id)
        case .timeWaitEnds(let id):
            guard sockets[id.index].state == .timeWait, !sockets[id.index].isReleased else { return }
            let released = sockets[id.index].refcount == 0
            note(.r43, "TIME_WAIT of \(id) ended: the socket is CLOSED\(released ? " and released" : "").")
            setState(id, .closed)
            releaseIfUnreferenced(id)
        }
    }

    /// The ACK of our FIN (R43).
    mutating func ackArrived(_ id: SocketID) {
        let s = sockets[id.index]
        guard !s.isReleased, s.resetCause == nil else { return }
        switch s.state {
        case .finWait1:
            cite(.r43, "the ACK of our FIN reached {0}: FIN_WAIT_1 → FIN_WAIT_2.", .socket(id))
            setState(id, .finWait2)
        case .closing:
            note(.r43, "the ACK of our FIN reached \(id): CLOSING → TIME_WAIT.")
            enterTimeWait(id)
        case .lastAck:
            note(.r43, "the ACK of our FIN reached \(id): LAST_ACK → CLOSED\(s.refcount == 0 ? ", and with no descriptor left it is released" : "").")
            setState(id, .closed)
            releaseIfUnreferenced(id)
        case .created, .established, .finWait2, .closeWait, .timeWait, .closed:
            break
        }
    }

    mutating func enterTimeWait(_ id: SocketID) {
        setState(id, .timeWait)
        schedule(.timeWaitEnds(id), at: now.adding(settings.timeWait))
    }

    /// The peer's FIN reaches us (R43, R45).
    mutating func peerFinArrived(_ id: SocketID) {
        let s = sockets[id.index]
        guard !s.isReleased, s.resetCause == nil, s.state != .closed else { return }
        emit(.peerFinReceived(id))
        updateSocket(id) { $0.hasPeerFinArrived = true }
        let next: String = switch s.state {
        case .established: "ESTABLISHED → CLOSE_WAIT"
        case .finWait1: "FIN_WAIT_1 → CLOSING"
        case .finWait2: "FIN_WAIT_2 → TIME_WAIT"
        default: "\(s.state)"
        }
        note(.r43, "the peer's FIN reached \(id): \(next).")
        switch s.state {
        case .established: setState(id, .closeWait)
        case .finWait1: setState(id, .closing)
        case .finWait2: enterTimeWait(id)
        case .created, .closing, .closeWait, .lastAck, .timeWait, .closed: break
        }
        if sockets[id.index].receiveBuffer == 0 {
            for waiter in sockets[id.index].receiveWaiters {
                note(.r45, "the peer's FIN reached \(id) with no data waiting, so the waiting receive returns 0.")
                switch waiter {
                case .thread(let t): wake(t, with: .value(.count(0)))
                case .operation(let op): complete(op, bytes: 0)
                }
            }
        }
    }

    /// A segment of the peer's data reaches us.
    mutating func peerDataArrived(_ id: SocketID, bytes: Int) {
        let s = sockets[id.index]
        guard !s.isReleased, s.resetCause == nil, s.state != .closed else { return } // R43a: ignored
        if s.isUnreferencedButAlive {
            let profile = settings.profile
            note(.r43a, "the peer sent \(bytes) bytes to \(id), which has no descriptor left: it answers with RST and the peer's next receive reports \(profile.peerErrorAfterDataToOrphan)\(profile == .windows ? " (the windows profile)" : "").")
            resetConnection(id, cause: .reset, sendsReset: true, peerError: settings.profile.peerErrorAfterDataToOrphan)
            return
        }
        if s.isReceiveShutdown && s.receiveWaiters.isEmpty {
            note(.r31, "\(bytes) bytes arrived on \(id) after SD_RECEIVE with no receive pending, so the connection is reset.")
            resetConnection(id, cause: .reset, sendsReset: true)
            return
        }
        updateSocket(id) { $0.receiveBuffer += bytes }
        deliverToReceivers(id)
    }

    /// R45: waiting receives take what has arrived, in the order they were made.
    mutating func deliverToReceivers(_ id: SocketID) {
        while sockets[id.index].receiveBuffer > 0, let head = sockets[id.index].receiveWaiters.first {
            let requested: Int
            switch head {
            case .thread(let t):
                guard case .blocked(.recv(_, _, let n)) = threads[t.index].state else {
                    sockets[id.index].receiveWaiters.removeFirst(); continue
                }
                requested = n
            case .operation(let op):
                requested = operations[op.index].requested
            }
            let k = min(requested, sockets[id.index].receiveBuffer)
            updateSocket(id) { $0.receiveBuffer -= k }
            note(.r45, "data reached \(id): the waiting receive returns the first \(k) bytes.")
            switch head {
            case .thread(let t): wake(t, with: .value(.count(k)))
            case .operation(let op): complete(op, bytes: k)
            }
        }
    }

    /// R9: the provider gives up on an orphan's graceful close.
    mutating func gracefulTimeoutExpired(_ id: SocketID) {
        let s = sockets[id.index]
        guard s.isOrphan else { return }
        switch s.state {
        case .timeWait:
            return // TIME_WAIT keeps its own timer
        case .finWait2:
            let limit = settings.gracefulTimeout
            note(.r9, "\(id) was still in FIN_WAIT_2 when the provider's give-up time (\(limit)) ran out: it is released without a reset.")
            setState(id, .closed)
            releaseIfUnreferenced(id)
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            let limit = settings.gracefulTimeout
            note(.r9, "the provider's give-up time (\(limit)) ran out before the graceful close of \(id) finished, so it resets the connection and releases the socket.")
            resetConnection(id, cause: .reset, sendsReset: true)
        case .created, .closed:
            releaseIfUnreferenced(id)
        }
    }
}
