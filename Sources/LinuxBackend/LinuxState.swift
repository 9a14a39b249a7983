import WinsockModel

/// What the tables and expectation paths read under the linux backend: a snapshot of the lab's
/// records and the kernel's answers, taken when `LinuxLab.state` is read. Only observed values:
/// DISCARD counts read 0 (the kernel does not say what a reset threw away), an operation's
/// NOTIFIED reads false (nothing is notified: the lab observes the operation's end itself), and a
/// live process's startup count 1 (Linux does not count).
public struct LinuxState: SessionState, Sendable {
    /// Milliseconds since the lab started, on CLOCK_MONOTONIC (`t`).
    public let now: Instant
    /// The model's profile has no meaning for the kernel; `docs` until the session decides how to
    /// show a live backend's profile.
    public var profile: Profile { .docs }
    /// The thread provider calls come from (T1 until `use TN`).
    public let currentThread: ThreadID?
    /// The last provider call's result (`last`); `blocked` stays after the thread wakes.
    public let lastResult: CallResult?
    let handles: [HandleRow]
    let sockets: [SocketRow]
    let threads: [ThreadRow]
    let processes: [ProcessRow]
    let protocolInfos: [ProtocolInfoRow]
    let operations: [OperationRow]
    /// A socket with no handle left still exists: an orphan (R9), one a blocked call holds, or one
    /// only an unused protocol-info block refers to (J); the sockets table must show it.
    public let hasUnreferencedSockets: Bool

    /// Handles named so far (`h1` … `hN`), released ones included (R1).
    public var handleCount: Int { handles.count }
    /// Sockets named so far (`s1` … `sN`), released ones included.
    public var socketCount: Int { sockets.count }
    /// Overlapped operations that pended so far (`op1` … `opN`).
    public var operationCount: Int { operations.count }
    /// Threads started so far (`T1` … `TN`).
    public var threadCount: Int { threads.count }
    /// P1, the lab's own process, and each helper process made so far.
    public var processCount: Int { processes.count }
    /// Protocol-info blocks made by `duplicate` (`pi1` … `piN`).
    public var protocolInfoCount: Int { protocolInfos.count }

    /// A handle's row: its socket's columns while open (R3), `closed` once released.
    public func handleRow(_ id: HandleID) -> HandleRow? { LinuxState.row(id.index, of: handles) }
    /// A socket's row, read from the kernel (through a descriptor, or /proc/net/tcp for an orphan).
    public func socketRow(_ id: SocketID) -> SocketRow? { LinuxState.row(id.index, of: sockets) }
    /// An operation's row: pending, completed with the bytes it moved, or failed.
    public func operationRow(_ id: OperationID) -> OperationRow? { LinuxState.row(id.index, of: operations) }
    /// A thread's row: blocked in the call it was reported blocked in, else running.
    public func threadRow(_ id: ThreadID) -> ThreadRow? { LinuxState.row(id.index, of: threads) }
    /// A process's row (a live one's startup count reads 1: Linux does not count).
    public func processRow(_ id: ProcessID) -> ProcessRow? { LinuxState.row(id.index, of: processes) }
    /// A protocol-info block's row.
    public func protocolInfoRow(_ id: ProtocolInfoID) -> ProtocolInfoRow? { LinuxState.row(id.index, of: protocolInfos) }

    /// The handles the outcome touched and every handle of a socket it changed, in ID order.
    public func changedHandles(in outcome: Outcome) -> [HandleID] {
        let sockets = Set(outcome.changedSockets)
        return Array(Set(outcome.touchedHandleIDs + handles.filter { sockets.contains($0.socket) }.map(\.id))).sorted()
    }

    private static func row<Row>(_ index: Int, of rows: [Row]) -> Row? {
        rows.indices.contains(index) ? rows[index] : nil
    }
}

extension Laboratory {
    /// Samples the kernel, then builds the rows.
    func snapshot() -> LinuxState {
        if !isShutDown { observe() }
        let socketRows = sockets.map(socketRow)
        let handleRows = handles.map { h -> HandleRow in
            let s = socketRows[h.socket.index]
            return HandleRow(id: h.id, process: h.process, socket: h.socket, refcount: s.refcount,
                             pending: pendingOperationCount(through: h.id), sendQueue: s.sendQueue,
                             receiveQueue: s.receiveQueue, linger: s.linger, isNonblocking: s.isNonblocking,
                             state: h.isOpen ? .open(s.state) : .closed)
        }
        let threadRows = threads.map {
            ThreadRow(id: $0.id, process: $0.process, state: threadState($0), lastResult: $0.lastResult)
        }
        let blockRows = protocolInfos.map {
            ProtocolInfoRow(id: $0.id, socket: $0.socket, source: $0.source, target: $0.target, isUsed: $0.isUsed)
        }
        let processRows = processes.map {
            let isAlive = $0.isAlive && !isShutDown
            return ProcessRow(id: $0.id, startupCount: isAlive ? 1 : 0, threads: $0.threads, isAlive: isAlive)
        }
        let operationRows = operations.map {
            OperationRow(id: $0.id, kind: $0.kind, handle: $0.handle, socket: $0.socket, thread: $0.thread,
                         requested: $0.requested, status: $0.status, bytes: $0.bytes, isNotified: false)
        }
        return LinuxState(now: now(), currentThread: current, lastResult: lastResult, handles: handleRows,
                          sockets: socketRows, threads: threadRows, processes: processRows, protocolInfos: blockRows,
                          operations: operationRows,
                          hasUnreferencedSockets: socketRows.contains { $0.refcount == 0 && !$0.holder.isReleased })
    }

    private func socketRow(_ s: SocketRecord) -> SocketRow {
        let peer = s.peer.map { p in
            PeerRow(window: p.window, received: p.read + p.unread, read: p.read, hasReceivedFin: p.hasReceivedFin,
                    hasReceivedReset: p.hasReceivedReset, nextReceive: p.nextReceive, sent: p.sent, closing: p.closing)
        }
        let r = s.reading
        return SocketRow(id: s.id, type: s.type, refcount: openHandleCount(s.id), sendQueue: r.sendQueue,
                         receiveQueue: r.receiveQueue, linger: r.linger, isNonblocking: r.isNonblocking, state: r.state,
                         holder: s.holder, discarded: 0, peer: peer)
    }

    /// A thread in a call reported blocked shows that call; a blocking send shows what it still
    /// has to queue.
    private func threadState(_ t: ThreadRecord) -> ThreadState {
        if t.isExited { return .exited }
        guard let flight = t.inFlight, flight.isBlocked, let s = flight.socket else { return .running }
        switch flight.call {
        case .send(let h, let total, _):
            let queued = flight.progress?.queued.load(ordering: .relaxed) ?? 0
            return .blocked(.send(h, s, total: total, remaining: max(0, total - queued)))
        case .recv(let h, let bytes, _):
            return .blocked(.recv(h, s, bytes: bytes))
        case .close(let h):
            return .blocked(.close(h, s))
        case .socket, .socketFromProtocolInfo, .connect, .setLinger, .setDontLinger, .getSockOpt, .setNonblocking,
             .shutdown, .duplicate, .startup, .cleanup, .cancelBlockingCall:
            return .running   // never reported blocked (Laboratory.canBlock)
        }
    }
}

private extension SocketHolder {
    var isReleased: Bool {
        switch self {
        case .released: true
        case .descriptors, .orphan, .leaked, .held: false
        }
    }
}
