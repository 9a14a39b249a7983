import LabRendering
import LabScript
import WinsockModel

/// The views: pure functions of (state, what changed, what was last printed) → typed tables.
/// They read `SessionState` rows only, so the model's world and a live backend's observations
/// print the same way; which rows show follows docs/language.md, "Tables".
extension Session {
    // MARK: Which rows

    /// All rows when the table is small or `show` asks; else only the changed ones.
    func visibleHandles<S: SessionState>(_ state: S, changed: [HandleID], all: Bool) -> (ids: [HandleID], omitted: Int) {
        let count = state.handleCount
        if all || count <= rows { return ((0..<count).map { HandleID(rawValue: $0 + 1) }, 0) }
        return (changed, count - changed.count)
    }

    /// Sockets still held, and those that changed in this command; all with `show`.
    func visibleSockets<S: SessionState>(_ state: S, changed: [SocketID], all: Bool) -> (ids: [SocketID], omitted: Int) {
        let count = state.socketCount
        if all { return ((0..<count).map { SocketID(rawValue: $0 + 1) }, 0) }
        if count <= rows {
            let changedSet = Set(changed)
            let ids = (0..<count).map { SocketID(rawValue: $0 + 1) }.filter { id in
                changedSet.contains(id) || !(state.socketRow(id).map { if case .released = $0.holder { true } else { false } } ?? true)
            }
            return (ids, 0)
        }
        return (changed, count - changed.count)
    }

    /// The sockets table is shown whenever a socket has no open descriptor but still exists, or
    /// such a socket changed in this command (so its release is seen too).
    func showsSocketsTable<S: SessionState>(_ state: S, changed: [SocketID]) -> Bool {
        state.hasUnreferencedSockets || changed.contains { id in
            state.socketRow(id).map { if case .descriptors = $0.holder { false } else { true } } ?? false
        }
    }

    // MARK: Tables

    mutating func handleTable<S: SessionState>(_ state: S, changed: [HandleID], all: Bool,
                                               released: Set<HandleID>) -> HandleTable {
        let (ids, omitted) = visibleHandles(state, changed: changed, all: all)
        var rows: [HandleRow] = []
        var marks: [Set<HandleColumn>] = []
        rows.reserveCapacity(ids.count)
        for id in ids {
            guard let row = state.handleRow(id) else { continue }
            rows.append(row)
            if marksChanges {
                marks.append(printedHandles[id].map { HandleColumn.changed(from: $0, to: row) } ?? [])
                printedHandles[id] = row
            }
        }
        return HandleTable(rows: rows, changed: marks, justReleased: released, omitted: omitted)
    }

    mutating func socketTable<S: SessionState>(_ state: S, changed: [SocketID], all: Bool) -> SocketTable {
        let (ids, omitted) = visibleSockets(state, changed: changed, all: all)
        var rows: [SocketRow] = []
        var marks: [Set<SocketColumn>] = []
        for id in ids {
            guard let row = state.socketRow(id) else { continue }
            rows.append(row)
            if marksChanges {
                marks.append(printedSockets[id].map { SocketColumn.changed(from: $0, to: row) } ?? [])
                printedSockets[id] = row
            }
        }
        return SocketTable(rows: rows, changed: marks, omitted: omitted)
    }

    /// The tables printed after a command in text: the handle table (nil: `no handles`) and, when
    /// an orphan exists or such a socket changed, the sockets table.
    mutating func tablesAfter<S: SessionState>(_ state: S, _ outcome: Outcome) -> CommandReport.Tables {
        if tablesMode == .changed && outcome.changedSockets.isEmpty && outcome.touchedHandleIDs.isEmpty {
            return .unchanged
        }
        let handles: HandleTable? = state.handleCount == 0 ? nil
            : handleTable(state, changed: state.changedHandles(in: outcome), all: false, released: Set(outcome.releasedHandles))
        let changedSockets = outcome.changedSockets
        let sockets = showsSocketsTable(state, changed: changedSockets)
            ? socketTable(state, changed: changedSockets, all: false) : nil
        return .afterCommand(handles: handles, sockets: sockets)
    }

    /// `show <topic>`: whole tables.
    mutating func shownTables<S: SessionState>(_ state: S, _ topic: ShowTopic) -> [ShownTable] {
        let handles = { (s: inout Session) in ShownTable.handles(s.handleTable(state, changed: [], all: true, released: [])) }
        let sockets = { (s: inout Session) in ShownTable.sockets(s.socketTable(state, changed: [], all: true)) }
        let ops = ShownTable.operations((0..<state.operationCount).compactMap { state.operationRow(OperationID(rawValue: $0 + 1)) })
        let processes = ShownTable.processes((0..<state.processCount).compactMap { state.processRow(ProcessID(rawValue: $0 + 1)) })
        let threads = ShownTable.threads((0..<state.threadCount).compactMap { state.threadRow(ThreadID(rawValue: $0 + 1)) },
                                         current: state.currentThread)
        let blocks = ShownTable.protocolInfos((0..<state.protocolInfoCount).compactMap {
            state.protocolInfoRow(ProtocolInfoID(rawValue: $0 + 1))
        })
        let peers = ShownTable.peers((0..<state.socketCount).compactMap { i -> (SocketID, PeerRow)? in
            let id = SocketID(rawValue: i + 1)
            return state.socketRow(id)?.peer.map { (id, $0) }
        })
        switch topic {
        case .handles:
            var tables = [handles(&self)]
            if state.hasUnreferencedSockets { tables.append(sockets(&self)) }
            return tables
        case .sockets: return [sockets(&self)]
        case .ops: return [ops]
        case .threads: return [processes, threads]
        case .peers: return [peers]
        case .pi: return [blocks]
        case .all: return [handles(&self), sockets(&self), ops, processes, threads, peers, blocks]
        }
    }

    // MARK: JSON

    /// Every handle, socket and operation, whatever `rows` says (`show`, and after a jump in time).
    func fullJSONState<S: SessionState>(_ state: S) -> JSONState {
        JSONState(handles: (0..<state.handleCount).compactMap { state.handleRow(HandleID(rawValue: $0 + 1)) },
                  sockets: (0..<state.socketCount).compactMap { state.socketRow(SocketID(rawValue: $0 + 1)) },
                  operations: (0..<state.operationCount).compactMap { state.operationRow(OperationID(rawValue: $0 + 1)) })
    }

    /// The state keys of a json record: all rows when small, else the changed ones and how many
    /// were left out.
    func jsonState<S: SessionState>(_ state: S, _ outcome: Outcome?) -> JSONState {
        let (hs, hOmitted) = visibleHandles(state, changed: outcome.map { state.changedHandles(in: $0) } ?? [], all: false)
        let count = state.socketCount
        let ss = count <= rows ? (0..<count).map { SocketID(rawValue: $0 + 1) } : outcome?.changedSockets ?? []
        let opCount = state.operationCount
        let ops = opCount <= rows ? (0..<opCount).map { OperationID(rawValue: $0 + 1) } : outcome?.changedOperations ?? []
        return JSONState(handles: hs.compactMap { state.handleRow($0) }, sockets: ss.compactMap { state.socketRow($0) },
                         operations: ops.compactMap { state.operationRow($0) },
                         handlesOmitted: hOmitted > 0 ? hOmitted : nil,
                         socketsOmitted: count > rows ? count - ss.count : nil,
                         operationsOmitted: opCount > rows ? opCount - ops.count : nil)
    }
}
