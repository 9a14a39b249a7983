/// Invariants that hold after every request. Tests (the property and fuzz tests) check them
/// after each step; the model never traps on them.
extension World {
    /// Every violated invariant, as a sentence; empty when all hold.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var open = [Int](repeating: 0, count: sockets.count)
        var pendingPerHandle = [Int](repeating: 0, count: handles.count)
        for h in handles where h.isOpen {
            open[h.socket.index] += 1
            if !processes[h.process.index].isAlive { problems.append("\(h.id) is open in the exited \(h.process)") }
        }
        for o in operations where o.isPending {
            if o.descriptor == handles[o.handle.index].serial { pendingPerHandle[o.handle.index] += 1 }
            let s = sockets[o.socket.index]
            let waiting = s.sendWaiters.contains(.operation(o.id)) || s.receiveWaiters.contains(.operation(o.id))
            if !waiting { problems.append("\(o.id) is pending but waits on nothing") }
            if o.bytes != 0 || o.isNotified { problems.append("\(o.id) is pending but has finished parts") }
        }
        for o in operations where o.bytes < 0 || o.bytes > o.requested { problems.append("\(o.id) moved \(o.bytes) of \(o.requested) bytes") }
        for p in processes where p.startupCount < 0 { problems.append("\(p.id) has a negative startup count") }
        for h in handles where h.pendingCount != pendingPerHandle[h.id.index] {
            problems.append("\(h.id) counts \(h.pendingCount) pending operations, but \(pendingPerHandle[h.id.index]) are")
        }
        for s in sockets {
            let expected = open[s.id.index] - s.lostReferences
            if s.refcount != max(0, expected) {
                problems.append("\(s.id) has refcount \(s.refcount) but \(open[s.id.index]) open descriptors")
            }
            if s.accepted != s.delivered + s.discarded + s.sendQueue {
                problems.append("\(s.id): accepted \(s.accepted) ≠ delivered \(s.delivered) + discarded \(s.discarded) + queued \(s.sendQueue)")
            }
            let counts = [("refcount", s.refcount), ("sendq", s.sendQueue), ("recvq", s.receiveBuffer),
                          ("discarded", s.discarded), ("accepted", s.accepted), ("delivered", s.delivered)]
                + (s.peer.map { [("peer.received", $0.received), ("peer.read", $0.read), ("peer.sent", $0.sent),
                                 ("peer.window", $0.window)] } ?? [])
            for (name, n) in counts where n < 0 { problems.append("\(s.id).\(name) is negative (\(n))") }
            if s.transmitCredit < 0 { problems.append("\(s.id) has negative transmit credit") }
            if let p = s.peer {
                if p.received != s.delivered { problems.append("\(s.id): the peer received \(p.received) but \(s.delivered) were delivered") }
                if p.read > p.received { problems.append("\(s.id): the peer read more than it received") }
            }
            switch s.lifecycle {
            case .released:
                if open[s.id.index] > 0 { problems.append("\(s.id) is released but has open descriptors") }
                if s.sendQueue > 0 { problems.append("\(s.id) is released with \(s.sendQueue) bytes queued") }
                if s.isTransmitting { problems.append("\(s.id) is released but transmitting") }
                if s.state != .closed { problems.append("\(s.id) is released in \(s.state)") }
            case .orphaned:
                if open[s.id.index] > 0 { problems.append("\(s.id) is an orphan with open descriptors") }
            case .referenced:
                if open[s.id.index] == 0 { problems.append("\(s.id) is referenced but has no open descriptor") }
            case .leaked:
                break
            case .held:
                if open[s.id.index] > 0 { problems.append("\(s.id) is held by calls but has open descriptors") }
                if !isHeld(s.id) { problems.append("\(s.id) is held, but nothing holds it") }
            }
            problems += endpointViolations(s)
            if s.isTransmitting != transmitting.contains(s.id) { problems.append("\(s.id): transmitting set out of step") }
            for w in s.sendWaiters + s.receiveWaiters {
                switch w {
                case .thread(let t):
                    if threads[t.index].blockedCall?.socket != s.id { problems.append("\(t) waits on \(s.id) but is not blocked on it") }
                case .operation(let op):
                    if !operations[op.index].isPending { problems.append("\(op) waits on \(s.id) but is not pending") }
                }
            }
            if let lc = s.lingeringClose {
                if case .blocked(.close(let h, let sid)) = threads[lc.thread.index].state, h == lc.handle, sid == s.id {} else {
                    problems.append("\(s.id) lingers for \(lc.thread), which is not blocked in its close")
                }
            }
        }
        for t in threads {
            guard case .blocked(let call) = t.state else { continue }
            let s = sockets[call.socket.index]
            switch call {
            case .send: if !s.sendWaiters.contains(.thread(t.id)) { problems.append("\(t.id) is blocked in a send \(s.id) does not know") }
            case .recv: if !s.receiveWaiters.contains(.thread(t.id)) { problems.append("\(t.id) is blocked in a receive \(s.id) does not know") }
            case .close: if s.lingeringClose?.thread != t.id { problems.append("\(t.id) is blocked in a close \(s.id) does not know") }
            }
            // J/linux: a blocked call holds the socket, not the descriptor, and a lingering close
            // released its descriptor as it began.
            if !handles[call.handle.index].isOpen && !settings.profile.callsHoldTheSocket {
                problems.append("\(t.id) is blocked on the released \(call.handle)")
            }
        }
        let unreferenced = sockets.filter(\.existsWithoutDescriptor).count
        if unreferenced != unreferencedAliveCount { problems.append("orphan count \(unreferencedAliveCount) ≠ \(unreferenced)") }
        if let c = current, threads[c.index].state == .exited { problems.append("the current thread \(c) has exited") }
        return problems
    }

    /// What the socket's endpoint implies: a connection's TCP state agrees with both FINs (R43);
    /// only a connection carries data or lingers; a socket closed unconnected is released (R15).
    private func endpointViolations(_ s: Socket) -> [String] {
        var problems: [String] = []
        switch s.endpoint {
        case .stream(.connected(let c)):
            let finSent: Bool, peerFinArrived: Bool
            switch c.state {
            case .established: (finSent, peerFinArrived) = (false, false)
            case .closeWait: (finSent, peerFinArrived) = (false, true)
            case .finWait1, .finWait2: (finSent, peerFinArrived) = (true, false)
            case .closing, .lastAck, .timeWait: (finSent, peerFinArrived) = (true, true)
            case .created, .closed:
                return ["\(s.id) is connected in \(c.state)"]
            }
            if (c.fin == .sent) != finSent { problems.append("\(s.id) is in \(c.state) with our FIN \(c.fin)") }
            if c.hasPeerFinArrived != peerFinArrived {
                problems.append("\(s.id) is in \(c.state) but the peer's FIN \(c.hasPeerFinArrived ? "arrived" : "did not arrive")")
            }
            return problems
        case .stream(.closed), .datagram(.closed):
            if !s.isReleased { problems.append("\(s.id) closed unconnected but is not released") }
        case .stream(.unconnected), .stream(.finished), .stream(.reset), .datagram(.unaddressed), .datagram(.addressed):
            break
        }
        if s.sendQueue > 0 { problems.append("\(s.id) is not connected but has \(s.sendQueue) bytes queued") }
        if !s.sendWaiters.isEmpty { problems.append("\(s.id) is not connected but has sends waiting") }
        if s.lingeringClose != nil { problems.append("\(s.id) is not connected but a close lingers on it") }
        return problems
    }
}
