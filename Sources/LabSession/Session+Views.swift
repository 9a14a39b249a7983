import LabRendering
import LabScript
import WinsockModel

/// The tables and JSON records built from the world. Their columns are SPEC.md section 3's.
extension Session {
    static let handleColumns: [Table.Column] = [
        .init("HANDLE"), .init("PROC"), .init("SOCKET"), .init("REFCNT", alignsRight: true),
        .init("PENDING", alignsRight: true), .init("SENDQ", alignsRight: true), .init("LINGER"),
        .init("MODE"), .init("STATE"),
    ]

    static let socketColumns: [Table.Column] = [
        .init("SOCKET"), .init("TYPE"), .init("REFCNT", alignsRight: true), .init("SENDQ", alignsRight: true),
        .init("LINGER"), .init("MODE"), .init("STATE"), .init("HELD"), .init("DISCARDED", alignsRight: true),
        .init("PEER RCVD", alignsRight: true), .init("PEER READ", alignsRight: true), .init("PEER SEES"),
    ]

    static let operationColumns: [Table.Column] = [
        .init("OP"), .init("KIND"), .init("HANDLE"), .init("SOCKET"), .init("THREAD"),
        .init("REQUESTED", alignsRight: true), .init("STATUS"), .init("BYTES", alignsRight: true), .init("NOTIFIED"),
    ]

    static let threadColumns: [Table.Column] = [
        .init("THREAD"), .init("PROC"), .init("STATE"), .init("BLOCKED IN"), .init("LAST RESULT"),
    ]

    static let processColumns: [Table.Column] = [
        .init("PROC"), .init("STARTUP", alignsRight: true), .init("THREADS"), .init("STATE"),
    ]

    static let peerColumns: [Table.Column] = [
        .init("SOCKET"), .init("WINDOW", alignsRight: true), .init("RECEIVED", alignsRight: true),
        .init("READ", alignsRight: true), .init("GOT FIN"), .init("GOT RST"), .init("NEXT RECEIVE"),
        .init("PEER SENT", alignsRight: true), .init("PEER CLOSED"),
    ]

    // MARK: Cell values (shared by tables, expectations and JSON)

    func handleState(_ h: Handle) -> String {
        h.isOpen ? world.sockets[h.socket.index].state.description : "closed"
    }

    func mode(_ s: Socket) -> String { s.isNonblocking ? "nonblocking" : "blocking" }

    func held(_ s: Socket) -> String {
        switch s.lifecycle {
        case .referenced: "descriptors"
        case .orphaned: "orphan"
        case .leaked: "leaked"
        case .released(let at): "released t=\(at.milliseconds)ms"
        }
    }

    func tone(of state: String) -> Table.Tone {
        switch state {
        case "ESTABLISHED": .good
        case "closed", "CLOSED": .dim
        case "FIN_WAIT_1", "FIN_WAIT_2", "CLOSING", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT": .warn
        default: .normal
        }
    }

    func handleCells(_ h: Handle) -> [String] {
        let s = world.sockets[h.socket.index]
        return [h.id.description, h.process.description, s.id.description, String(s.refcount),
                String(h.pendingCount), String(s.sendQueue), s.linger.description, mode(s), handleState(h)]
    }

    func socketCells(_ s: Socket) -> [String] {
        let peer = s.peer
        return [s.id.description, s.type.description, String(s.refcount), String(s.sendQueue), s.linger.description,
                mode(s), s.state.description, held(s), String(s.discarded),
                peer.map { String($0.received) } ?? "-", peer.map { String($0.read) } ?? "-",
                peer.map(\.nextReceiveError) ?? "-"]
    }

    // MARK: Which rows

    /// All rows when the table is small or `show` asks; else only the changed ones (SPEC.md 3.5).
    func visibleHandles(changed: [HandleID], all: Bool) -> (ids: [HandleID], omitted: Int) {
        let count = world.handles.count
        if all || count <= rows { return ((0..<count).map { HandleID(rawValue: $0 + 1) }, 0) }
        return (changed, count - changed.count)
    }

    func visibleSockets(changed: [SocketID], all: Bool) -> (ids: [SocketID], omitted: Int) {
        let count = world.sockets.count
        if all { return ((0..<count).map { SocketID(rawValue: $0 + 1) }, 0) }
        if count <= rows {
            let changedSet = Set(changed)
            let ids = world.sockets.filter { !$0.isReleased || changedSet.contains($0.id) }.map(\.id)
            return (ids, 0)
        }
        return (changed, count - changed.count)
    }

    /// The sockets table is shown whenever a socket has no open descriptor but still exists, or
    /// such a socket changed in this command (so its release is seen too).
    func showsSocketsTable(changed: [SocketID]) -> Bool {
        world.hasUnreferencedSockets || changed.contains { world.sockets[$0.index].lifecycle != .referenced }
    }

    // MARK: Tables

    mutating func handleTable(changed: [HandleID], all: Bool, released: Set<HandleID>) -> Table {
        let (ids, omitted) = visibleHandles(changed: changed, all: all)
        var rows: [[Table.Cell]] = []
        rows.reserveCapacity(ids.count)
        for id in ids {
            let h = world.handles[id.index]
            var texts = handleCells(h)
            if marksChanges && released.contains(id) { texts[8] = "closed (just released)" }
            rows.append(markedRow(key: "h\(id.rawValue)", texts, tones: [.normal, .normal, .normal, .normal, .normal,
                                                                         .normal, .normal, .normal, tone(of: texts[8])]))
        }
        let footer = omitted > 0
            ? "… \(omitted) other handle\(omitted == 1 ? "" : "s") unchanged (`show handles` lists all)" : nil
        return Table(columns: Session.handleColumns, rows: rows, footer: footer)
    }

    mutating func socketTable(changed: [SocketID], all: Bool) -> Table {
        let (ids, omitted) = visibleSockets(changed: changed, all: all)
        var rows: [[Table.Cell]] = []
        for id in ids {
            let texts = socketCells(world.sockets[id.index])
            var tones = [Table.Tone](repeating: .normal, count: texts.count)
            tones[6] = tone(of: texts[6])
            tones[7] = texts[7] == "orphan" || texts[7] == "leaked" ? .accent : texts[7].hasPrefix("released") ? .dim : .normal
            rows.append(markedRow(key: "s\(id.rawValue)", texts, tones: tones))
        }
        let footer = omitted > 0
            ? "… \(omitted) other socket\(omitted == 1 ? "" : "s") not shown (`show sockets` lists all)" : nil
        return Table(title: "sockets", columns: Session.socketColumns, rows: rows, footer: footer)
    }

    /// A row whose cells are marked where they differ from the last time this row was printed.
    mutating func markedRow(key: String, _ texts: [String], tones: [Table.Tone]) -> [Table.Cell] {
        guard marksChanges else {
            return zip(texts, tones).map { Table.Cell($0, tone: $1) }
        }
        let previous = printedRows[key]
        printedRows[key] = texts
        return texts.enumerated().map { i, text in
            let changed = previous.map { i < $0.count && $0[i] != text } ?? false
            return Table.Cell(text, tone: tones[i], isChanged: changed)
        }
    }

    func operationTable() -> Table {
        let rows: [[Table.Cell]] = world.operations.map { o in
            [.init(o.id.description), .init(o.kind.rawValue), .init(o.handle.description), .init(o.socket.description),
             .init(o.thread.description), .init(String(o.requested)),
             .init(o.status.description, tone: o.isPending ? .warn : o.status == .completed ? .good : .bad),
             .init(String(o.bytes)), .init(o.isNotified ? "true" : "false")]
        }
        return Table(title: "operations", columns: Session.operationColumns, rows: rows)
    }

    func threadTable() -> Table {
        let rows: [[Table.Cell]] = world.threads.map { t in
            let blocked = t.blockedCall.map { "\($0.name)(\($0.handle))" } ?? "-"
            let current = world.current == t.id ? " (current)" : ""
            return [.init(t.id.description + current), .init(t.process.description),
                    .init(t.state.description, tone: t.isBlocked ? .warn : t.state == .exited ? .dim : .normal),
                    .init(blocked), .init(t.lastResult?.lastValue ?? "none")]
        }
        return Table(title: "threads", columns: Session.threadColumns, rows: rows)
    }

    func processTable() -> Table {
        let rows: [[Table.Cell]] = world.processes.map { p in
            [.init(p.id.description), .init(String(p.startupCount)),
             .init(p.threads.map(\.description).joined(separator: " ")),
             .init(p.isAlive ? "live" : "exited", tone: p.isAlive ? .normal : .dim)]
        }
        return Table(title: "processes", columns: Session.processColumns, rows: rows)
    }

    func peerTable() -> Table {
        let rows: [[Table.Cell]] = world.sockets.compactMap { s in
            guard let p = s.peer else { return nil }
            return [.init(s.id.description), .init(String(p.window)), .init(String(p.received)), .init(String(p.read)),
                    .init(p.hasReceivedFin ? "true" : "false"), .init(p.hasReceivedReset ? "true" : "false", tone: p.hasReceivedReset ? .bad : .normal),
                    .init(p.nextReceiveError), .init(String(p.sent)),
                    .init(p.hasSentReset ? "reset" : p.hasSentFin ? "FIN" : "no")]
        }
        return Table(title: "peers", columns: Session.peerColumns, rows: rows)
    }

    // MARK: JSON

    func handleJSON(_ h: Handle) -> JSON {
        let s = world.sockets[h.socket.index]
        return .object([("handle", .string(h.id.description)), ("process", .string(h.process.description)),
                        ("socket", .string(s.id.description)), ("refcount", .number(s.refcount)),
                        ("pending", .number(h.pendingCount)), ("sendq", .number(s.sendQueue)),
                        ("linger", .string(s.linger.description)), ("mode", .string(mode(s))),
                        ("state", .string(handleState(h)))])
    }

    func socketJSON(_ s: Socket) -> JSON {
        let peer: JSON = s.peer.map { p in
            .object([("window", .number(p.window)), ("received", .number(p.received)), ("read", .number(p.read)),
                     ("fin", .bool(p.hasReceivedFin)), ("reset", .bool(p.hasReceivedReset)),
                     ("error", .string(p.nextReceiveError))])
        } ?? .null
        return .object([("socket", .string(s.id.description)), ("type", .string(s.type.description)),
                        ("refcount", .number(s.refcount)), ("sendq", .number(s.sendQueue)),
                        ("linger", .string(s.linger.description)), ("mode", .string(mode(s))),
                        ("state", .string(s.state.description)), ("held", .string(held(s))),
                        ("discarded", .number(s.discarded)), ("peer", peer)])
    }

    func operationJSON(_ o: Operation) -> JSON {
        .object([("op", .string(o.id.description)), ("kind", .string(o.kind.rawValue)),
                 ("handle", .string(o.handle.description)), ("socket", .string(o.socket.description)),
                 ("thread", .string(o.thread.description)), ("requested", .number(o.requested)),
                 ("status", .string(o.status.description)), ("bytes", .number(o.bytes)),
                 ("notified", .bool(o.isNotified))])
    }

    /// Every handle, socket and operation, whatever `rows` says (`show`, and after a jump in time).
    func fullStateJSON() -> [(String, JSON)] {
        [("handles", .array(world.handles.map(handleJSON))),
         ("sockets", .array(world.sockets.map(socketJSON))),
         ("ops", .array(world.operations.map(operationJSON)))]
    }

    /// The state keys of every json record: handles, sockets, ops (all rows when small, else the
    /// changed ones and how many were left out).
    func stateJSON(changedHandles: [HandleID], changedSockets: [SocketID], changedOperations: [OperationID]) -> [(String, JSON)] {
        let (hs, hOmitted) = visibleHandles(changed: changedHandles, all: false)
        let count = world.sockets.count
        let ss = count <= rows ? (0..<count).map { SocketID(rawValue: $0 + 1) } : changedSockets
        let opCount = world.operations.count
        let ops = opCount <= rows ? (0..<opCount).map { OperationID(rawValue: $0 + 1) } : changedOperations
        var pairs: [(String, JSON)] = [
            ("handles", .array(hs.map { handleJSON(world.handles[$0.index]) })),
            ("sockets", .array(ss.map { socketJSON(world.sockets[$0.index]) })),
            ("ops", .array(ops.map { operationJSON(world.operations[$0.index]) })),
        ]
        if hOmitted > 0 { pairs.append(("handles_omitted", .number(hOmitted))) }
        if count > rows { pairs.append(("sockets_omitted", .number(count - ss.count))) }
        if opCount > rows { pairs.append(("ops_omitted", .number(opCount - ops.count))) }
        return pairs
    }
}
