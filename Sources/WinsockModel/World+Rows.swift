/// The model's world as the typed rows tables, expectations and JSON read (`SessionState`).
extension World: SessionState {
    /// `settings.profile`.
    public var profile: Profile { settings.profile }
    /// `current`: the thread provider calls come from.
    public var currentThread: ThreadID? { current }
    /// `handles.count`.
    public var handleCount: Int { handles.count }
    /// `sockets.count`.
    public var socketCount: Int { sockets.count }
    /// `operations.count`.
    public var operationCount: Int { operations.count }
    /// `threads.count`.
    public var threadCount: Int { threads.count }
    /// `processes.count`.
    public var processCount: Int { processes.count }
    /// `protocolInfos.count`.
    public var protocolInfoCount: Int { protocolInfos.count }

    /// The handle's row: its own PENDING and state, its socket's other columns.
    public func handleRow(_ id: HandleID) -> HandleRow? {
        guard let h = handle(id) else { return nil }
        let s = sockets[h.socket.index]
        return HandleRow(id: h.id, process: h.process, socket: s.id, refcount: s.refcount, pending: h.pendingCount,
                         sendQueue: s.sendQueue, receiveQueue: s.receiveBuffer, linger: s.linger,
                         isNonblocking: s.isNonblocking, state: h.isOpen ? .open(s.state) : .closed)
    }

    /// The socket's row, with its peer once it connected.
    public func socketRow(_ id: SocketID) -> SocketRow? {
        guard let s = socket(id) else { return nil }
        let holder: SocketHolder = switch s.lifecycle {
        case .referenced: .descriptors
        case .orphaned: .orphan
        case .leaked: .leaked
        case .held: .held
        case .released(let at): .released(at: at)
        }
        let peer = s.peer.map { p in
            PeerRow(window: p.window, received: p.received, read: p.read, hasReceivedFin: p.hasReceivedFin,
                    hasReceivedReset: p.hasReceivedReset, nextReceive: p.nextReceive, sent: p.sent,
                    closing: p.closing)
        }
        return SocketRow(id: s.id, type: s.type, refcount: s.refcount, sendQueue: s.sendQueue,
                         receiveQueue: s.receiveBuffer, linger: s.linger, isNonblocking: s.isNonblocking,
                         state: s.state, holder: holder, discarded: s.discarded, peer: peer)
    }

    /// The operation's row.
    public func operationRow(_ id: OperationID) -> OperationRow? {
        guard let o = operation(id) else { return nil }
        return OperationRow(id: o.id, kind: o.kind, handle: o.handle, socket: o.socket, thread: o.thread,
                            requested: o.requested, status: o.status, bytes: o.bytes, isNotified: o.isNotified)
    }

    /// The thread's row.
    public func threadRow(_ id: ThreadID) -> ThreadRow? {
        thread(id).map { ThreadRow(id: $0.id, process: $0.process, state: $0.state, lastResult: $0.lastResult) }
    }

    /// The process's row.
    public func processRow(_ id: ProcessID) -> ProcessRow? {
        process(id).map { ProcessRow(id: $0.id, startupCount: $0.startupCount, threads: $0.threads, isAlive: $0.isAlive) }
    }

    /// The protocol-info block's row.
    public func protocolInfoRow(_ id: ProtocolInfoID) -> ProtocolInfoRow? {
        protocolInfo(id).map { ProtocolInfoRow(id: $0.id, socket: $0.socket, source: $0.source, target: $0.target, isUsed: $0.isUsed) }
    }
}
