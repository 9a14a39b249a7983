/// Arrivals and timers (docs/language.md, "Timing"): what the scheduler fires when it is due, in
/// (time, scheduling order) — FIN, RST, ACK and the peer's segments reaching the other side (R42, R43,
/// R43a, R45), and the linger, give-up and TIME_WAIT timers (R9, R11, R43).
extension World {
    /// Fires everything due at `now`, timers and arrivals merged in (time, scheduling order).
    /// Arrivals wait while the network is down (R22, R50); timers run whatever the network does.
    mutating func fireDueItems() {
        while true {
            var timer: Scheduled? = nil
            var arrival: Scheduled? = nil
            if let t = timers.min, t.time <= now { timer = t }
            if settings.isNetworkUp, let a = arrivals.min, a.time <= now { arrival = a }
            let item: Scheduled
            if let t = timer, arrival.map({ t < $0 }) ?? true {
                item = t
                timers.popMin()
            } else if let a = arrival {
                item = a
                arrivals.popMin()
            } else {
                return
            }
            if item.wireRecord >= 0 { wire[item.wireRecord].arrived = now }
            sockets.unpack(item.item.socket.index)
            fire(item.item)
        }
    }

    /// One due item happens.
    mutating func fire(_ item: Due) {
        switch item {
        case .finArrivesAtPeer(let id):
            guard sockets[live: id.index].peer?.hasReceivedReset == false else { return }
            updateSocket(id) { _ = $0.updatePeer { $0.hasReceivedFin = true } }
            cite(.r42, "our FIN reached the peer of {0}: once it has read every byte, its receive returns 0.", .socket(id))
            // The peer acknowledges the FIN as it arrives; the ACK takes net latency to come back
            // (so with the network down in between it follows any FIN of the peer's sent meanwhile).
            let ack = logWire(id, .fromPeer, .ack, sent: now)
            schedule(.ackArrivesAtUs(id), at: now.adding(settings.netLatency), wireRecord: ack)
        case .resetArrivesAtPeer(let id, let error):
            guard let peer = sockets[live: id.index].peer, !peer.hasReceivedReset else { return }
            resetArrivedAtPeer(id, peer, error)
        case .ackArrivesAtUs(let id):
            ackArrived(id)
        case .ackArrivesAtPeer:
            break   // the peer's model needs no ACK; the wire record now shows it arrived
        case .peerDataArrives(let id, let bytes):
            peerDataArrived(id, bytes: bytes)
        case .peerFinArrives(let id):
            peerFinArrived(id)
        case .peerResetArrives(let id):
            let s = sockets[live: id.index]
            guard !s.isReleased, s.connection != nil else { return }
            endStretchBeforeReset(id)
            emit(.peerResetReceived(id))
            note(.r43, "the peer's RST reached \(id): the connection went straight to CLOSED and what was queued is lost.")
            resetConnection(id, cause: .reset, sendsReset: false)
        case .lingerTimeout(let id, let generation):
            guard let lc = sockets[live: id.index].lingeringClose, lc.generation == generation else { return }
            lingerTimedOut(id)
        case .gracefulTimeout(let id):
            gracefulTimeoutExpired(id)
        case .finWait2Ends(let id):
            let s = sockets[live: id.index]
            guard s.isOrphan, s.state == .finWait2 else { return }
            let limit = settings.profile.finWait2Timeout ?? .zero
            note(.r9, "[linux] \(id) stayed in FIN_WAIT_2 as an orphan for tcp_fin_timeout (\(limit)), so the kernel releases it without a reset.")
            closeEndpoint(id)
            releaseIfUnreferenced(id)
        case .timeWaitEnds(let id):
            guard sockets[live: id.index].state == .timeWait, !sockets[live: id.index].isReleased else { return }
            let released = sockets[live: id.index].refcount == 0
            note(.r43, "TIME_WAIT of \(id) ended: the socket is CLOSED\(released ? " and released" : "").")
            closeEndpoint(id)
            releaseIfUnreferenced(id)
        }
    }

    /// The ACK of our FIN (R43).
    mutating func ackArrived(_ id: SocketID) {
        let s = sockets[live: id.index]
        guard !s.isReleased, let c = s.connection else { return }
        switch c.state {
        case .finWait1:
            cite(.r43, "the ACK of our FIN reached {0}: FIN_WAIT_1 → FIN_WAIT_2.", .socket(id))
            enter(.finWait2, on: id)
            if s.isOrphan { scheduleFinWait2Limit(id) }
        case .closing:
            note(.r43, "the ACK of our FIN reached \(id): CLOSING → TIME_WAIT.")
            enterTimeWait(id)
        case .lastAck:
            note(.r43, "the ACK of our FIN reached \(id): LAST_ACK → CLOSED\(s.refcount == 0 ? ", and with no descriptor left it is released" : "").")
            closeEndpoint(id)
            releaseIfUnreferenced(id)
        case .created, .established, .finWait2, .closeWait, .timeWait, .closed:
            break
        }
    }

    /// TIME_WAIT lasts `timewait`, then the socket is CLOSED (R43). J/linux: only an orphan waits
    /// there; a socket something still holds is CLOSED at once.
    mutating func enterTimeWait(_ id: SocketID, _ change: (inout Connection) -> Void = { _ in }) {
        if settings.profile.keepsTimeWaitOnlyForOrphans && !sockets[live: id.index].isUnreferencedButAlive {
            updateSocket(id) { _ = $0.updateConnection(change) }
            note(.r43, "[linux] both FINs are exchanged and acknowledged: tcp_time_wait hands TIME_WAIT to a separate timewait socket and tcp_done closes \(id), which still has a descriptor or a call holding it: it is CLOSED at once (a receive returns 0, shutdown fails with WSAENOTCONN).")
            closeEndpoint(id)
            return
        }
        enter(.timeWait, on: id, change)
        schedule(.timeWaitEnds(id), at: now.adding(settings.timeWait))
    }

    /// The peer's FIN reaches us (R43, R45).
    mutating func peerFinArrived(_ id: SocketID) {
        let s = sockets[live: id.index]
        guard !s.isReleased, let c = s.connection else { return }
        emit(.peerFinReceived(id))
        if c.state != .closed {
            // We acknowledge the FIN as it arrives; the ACK takes net latency to reach the peer
            // (trace shows it, and the pcap capture's frame comes from this record).
            let ack = logWire(id, .toPeer, .ack, sent: now)
            schedule(.ackArrivesAtPeer(id), at: now.adding(settings.netLatency), wireRecord: ack)
        }
        // The peer sends one FIN, so it arrives in ESTABLISHED, FIN_WAIT_1 or FIN_WAIT_2.
        let arrived: (inout Connection) -> Void = { $0.hasPeerFinArrived = true }
        switch c.state {
        case .established:
            note(.r43, "the peer's FIN reached \(id): ESTABLISHED → CLOSE_WAIT.")
            enter(.closeWait, on: id, arrived)
        case .finWait1:
            note(.r43, "the peer's FIN reached \(id): FIN_WAIT_1 → CLOSING.")
            enter(.closing, on: id, arrived)
        case .finWait2:
            note(.r43, "the peer's FIN reached \(id): FIN_WAIT_2 → TIME_WAIT.")
            enterTimeWait(id, arrived)
        case .created, .closing, .closeWait, .lastAck, .timeWait, .closed:
            note(.r43, "the peer's FIN reached \(id): \(c.state).")
            updateSocket(id) { _ = $0.updateConnection(arrived) }
        }
        if sockets[live: id.index].receiveBuffer == 0 {
            for waiter in sockets[live: id.index].receiveWaiters {
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
        let s = sockets[live: id.index]
        guard !s.isReleased, s.connection != nil else { return } // R43a: ignored
        if s.isUnreferencedButAlive {
            let profile = settings.profile
            note(.r43a, "the peer sent \(bytes) bytes to \(id), which has no descriptor left: it answers with RST and the peer's next receive reports \(profile.peerErrorAfterDataToOrphan)\(profile == .windows ? " (the windows profile)" : "").")
            resetConnection(id, cause: .reset, sendsReset: true, peerError: settings.profile.peerErrorAfterDataToOrphan)
            return
        }
        if s.isReceiveShutdown && s.receiveWaiters.isEmpty {
            if !settings.profile.receiveShutdownOnlyMarks {
                note(.r31, "\(bytes) bytes arrived on \(id) after SD_RECEIVE with no receive pending, so the connection is reset.")
                resetConnection(id, cause: .reset, sendsReset: true)
                return
            }
            if let c = s.connection, c.fin != .notOwed {
                note(.r31, "[linux] \(bytes) bytes arrived on \(id) after SD_RECEIVE with our FIN owed or sent (FIN_WAIT_1/FIN_WAIT_2 in the kernel): tcp_rcv_state_process resets the connection.")
                resetConnection(id, cause: .reset, sendsReset: true)
                return
            }
            note(.r31, "[linux] \(bytes) bytes arrived on \(id) after SD_RECEIVE: inet_shutdown only marked the socket, so they are kept and readable, and draw no RST.")
        }
        updateSocket(id) { $0.receiveBuffer += bytes }
        deliverToReceivers(id)
    }

    /// R45: waiting receives take what has arrived, in the order they were made.
    mutating func deliverToReceivers(_ id: SocketID) {
        while sockets[live: id.index].receiveBuffer > 0, let head = sockets[live: id.index].receiveWaiters.first {
            let requested: Int
            switch head {
            case .thread(let t):
                guard case .blocked(.recv(_, _, let n)) = threads[t.index].state else {
                    sockets[live: id.index].receiveWaiters.removeFirst(); continue
                }
                requested = n
            case .operation(let op):
                requested = operations[op.index].requested
            }
            let k = min(requested, sockets[live: id.index].receiveBuffer)
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
        let s = sockets[live: id.index]
        guard s.isOrphan else { return }
        switch s.state {
        case .timeWait:
            return // TIME_WAIT keeps its own timer
        case .finWait2:
            let limit = settings.gracefulTimeout
            note(.r9, "\(id) was still in FIN_WAIT_2 when the provider's give-up time (\(limit)) ran out: it is released without a reset.")
            closeEndpoint(id)
            releaseIfUnreferenced(id)
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            let limit = settings.gracefulTimeout
            guard settings.profile.orphanGivesUpWithReset else {
                note(.r9, "[linux] \(id) could not finish within graceful-timeout (\(limit)), which stands for the kernel's own give-up (the retransmission and zero-window probe timers, tcp_orphan_retries): tcp_write_err drops the orphan silently, with no RST; its unsent data is discarded and the peer is told nothing.")
                resetConnection(id, cause: .reset, sendsReset: false)
                return
            }
            note(.r9, "the provider's give-up time (\(limit)) ran out before the graceful close of \(id) finished, so it resets the connection and releases the socket.")
            resetConnection(id, cause: .reset, sendsReset: true)
        case .created, .closed:
            releaseIfUnreferenced(id)
        }
    }
}
