/// WSPStartup and WSPCleanup (R35–R38): counted per process; the final cleanup, which a process
/// exit also performs (R39), aborts, wakes and resets what the process still holds.
extension World {
    mutating func startup(_ p: ProcessID) -> CallResult {
        guard settings.profile.countsStartups else {
            note(.r35, "[linux] there is no WSPStartup/WSPCleanup counting: the call does nothing and returns 0 (WSANOTINITIALISED never happens).")
            return .value(.zero)
        }
        processes[p.index].startupCount += 1
        let count = processes[p.index].startupCount
        note(.r35, "WSPStartup is counted per process: the count of \(p) is now \(count).")
        return .value(.zero)
    }

    mutating func cleanup(_ p: ProcessID) -> CallResult {
        guard settings.profile.countsStartups else {
            note(.r35, "[linux] there is no WSPStartup/WSPCleanup counting: the call does nothing and returns 0; the process's descriptors stay as they are.")
            return .value(.zero)
        }
        processes[p.index].startupCount -= 1
        let left = processes[p.index].startupCount
        guard left == 0 else {
            note(.r35, "only the cleanup that brings the count to 0 acts; the count of \(p) is now \(left).")
            return .value(.zero)
        }
        if settings.profile.cleanupOnlyCounts {
            note(.r35, "[reactos] WSPCleanup only counts: the count of \(p) is 0, but nothing is reset, aborted or woken.")
            return .value(.zero)
        }
        note(.r35, "this cleanup brings the count of \(p) to 0, so it acts; every later call fails with WSANOTINITIALISED until the next WSPStartup.")
        finalCleanup(p)
        return .value(.zero)
    }

    /// The final cleanup (R36, R37), also what a process exit does (R39).
    mutating func finalCleanup(_ p: ProcessID) {
        let pending = operations.filter { $0.isPending && $0.process == p }.map(\.id)
        for op in pending {
            note(.r36, "the final cleanup aborts \(op) with WSA_OPERATION_ABORTED without performing its completion action.")
            abort(op, with: .operationAborted, notify: false)
        }
        for t in processes[p.index].threads where threads[t.index].isBlocked {
            note(.r36, "the final cleanup fails the call \(t) was blocked in with WSAEINTR.")
            wake(t, with: .failure(.interrupted))
        }
        let held = handles.filter { $0.isOpen && $0.process == p }.map(\.id)
        for h in held { resetAndRelease(h) }
        let orphans = sockets.filter { $0.isOrphan }
        if !orphans.isEmpty {
            note(.r38, "sockets already closed and still draining (\(orphans.map(\.id.description).joined(separator: ", "))) are not affected: their data is still sent.")
        }
    }

    /// R37: a descriptor the final cleanup finds is closed as if with a hard close.
    mutating func resetAndRelease(_ h: HandleID) {
        let s = socketID(of: h)
        let sock = sockets[live: s.index]
        if sock.refcount == 1, settings.profile.operationsBelongToSocket, case let ops = pendingOperations(on: s), !ops.isEmpty {
            // J/windows: the last descriptor goes away with this cleanup or exit, so operations other
            // processes issued on the socket complete now.
            abort(ops, on: s, cause: "[windows] the final cleanup of \(handles[h.index].process) releases the last descriptor of \(s), which")
        }
        if sock.refcount > 1 {
            note(.r37, "\(h) is released; \(s) is still referenced by another descriptor (count \(sock.refcount - 1)) and lives on.")
        } else if let c = sock.connection, c.state != .timeWait {
            note(.r37, "\(h) was the last descriptor of the connected \(s), so the final cleanup resets it (RST, DISCARD) and releases it.")
            resetConnection(s, cause: .reset, sendsReset: true, inClose: true)
        } else {
            note(.r37, "\(h) is released by the final cleanup\(sock.state == .timeWait ? "; \(s) stays in TIME_WAIT until it ends" : "").")
            if sock.state != .timeWait && sock.lostReferences == 0 { closeEndpoint(s) }
        }
        releaseDescriptor(h)
    }
}
