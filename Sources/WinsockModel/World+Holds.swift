/// J/linux: what holds a socket besides its descriptors. Under `linux` a socket is an open file, and
/// a thread blocked in a call on it, a pending overlapped operation and a protocol-info block not yet
/// used each hold a reference to that file (`fget`/`fput`, fs/file_table.c; a descriptor in flight
/// in an SCM_RIGHTS message holds one too). Closing the last descriptor then only releases the
/// descriptor: nothing is woken or aborted (no R18, R19), and the socket's own close — `inet_release`
/// and `__tcp_close`, with FIN or RST as R7–R10 and R51 decide — runs when the last hold ends.
extension World {
    /// What holds `s` besides its descriptors, in words (empty: nothing). Only under a profile whose
    /// calls hold the socket.
    func holds(on s: SocketID) -> [String] {
        guard settings.profile.callsHoldTheSocket else { return [] }
        var found: [String] = []
        for t in threads {
            guard let call = t.blockedCall, call.socket == s else { continue }
            switch call {
            case .send, .recv: found.append("\(t.id)'s \(call.name)")
            case .close: continue   // the close itself, not a hold (J: it lingers on an orphan)
            }
        }
        found += pendingOperations(on: s).map(\.description)
        for pi in protocolInfos where pi.socket == s && !pi.isUsed && processes[pi.target.index].isAlive {
            found.append(pi.id.description)
        }
        return found
    }

    /// Whether something besides a descriptor holds `s` (J/linux).
    func isHeld(_ s: SocketID) -> Bool { !holds(on: s).isEmpty }

    /// J/linux: a close that goes ahead wakes and aborts nothing; says what holds the socket.
    mutating func explainHolds(closing h: HandleID, plan: ClosePlan) {
        let s = socketID(of: h)
        let what = holds(on: s)
        switch plan {
        case .releaseHeld:
            let list = what.joined(separator: ", ")
            note(.r19, "[linux] \(list) still hold\(what.count == 1 ? "s" : "") \(s): a blocked call, a pending operation and an unused protocol-info block each hold a reference to the socket's open file (fput), so closing \(h) only releases the descriptor. Nothing is woken or aborted, and nothing goes on the wire: the socket's own close (inet_release, __tcp_close) runs when the last of them ends.")
        case .releaseOnly, .releaseAndLeak, .close:
            guard !what.isEmpty else { return }
            note(.r18, "[linux] closing \(h) neither wakes nor aborts what waits on \(s) (\(what.joined(separator: ", "))): each holds a reference to the socket's open file (fput).")
        }
    }

    /// J/linux: the last descriptor of `s` went while something still holds it.
    mutating func markHeld(_ s: SocketID) {
        updateSocket(s) { $0.lifecycle = .held }
        unreferencedAliveCount += 1
    }

    /// J/linux: a `held` socket whose last hold ended (its blocked call returned, its operation
    /// finished, its block's target process exited) closes now, as its last reference: the last
    /// `fput` runs `inet_release` and `__tcp_close` (R7–R10, R51) in the thread whose call ended.
    /// It never lingers here (the kernel would make that thread wait; the model does not).
    mutating func closeIfNoLongerHeld(_ s: SocketID) {
        guard case .held = sockets[live: s.index].lifecycle, !isHeld(s) else { return }
        unreferencedAliveCount -= 1
        updateSocket(s) { $0.lifecycle = .referenced }
        let sock = sockets[live: s.index]
        note(.r2, "[linux] the last call, operation or block holding \(s) has ended, so its own close runs now: the last fput calls inet_release and __tcp_close, which close it as the close of its last descriptor would, without lingering.")
        closeConnection(s, lastClose(of: sock, mayLinger: false), found: sock, lingers: false)
        if sockets[live: s.index].lifecycle == .referenced { socketLostLastDescriptor(s) }
    }

    /// `socket from piN` on a socket only its block holds (J/linux): it has descriptors again.
    mutating func unhold(_ s: SocketID) {
        guard case .held = sockets[live: s.index].lifecycle else { return }
        unreferencedAliveCount -= 1
        updateSocket(s) { $0.lifecycle = .referenced }
    }
}
