import WinsockModel

/// The tables of a session's state as typed rows, and how each is drawn. Labels, tones and change
/// marks come from the typed values here; nothing reads a rendered cell back.

/// A column of the handle table (docs/language.md, "Tables").
public enum HandleColumn: String, CaseIterable, Hashable, Sendable {
    case handle = "HANDLE", process = "PROC", socket = "SOCKET", refcount = "REFCNT", pending = "PENDING"
    case sendQueue = "SENDQ", receiveQueue = "RECVQ", linger = "LINGER", mode = "MODE", state = "STATE"

    var alignsRight: Bool {
        switch self {
        case .refcount, .pending, .sendQueue, .receiveQueue: true
        case .handle, .process, .socket, .linger, .mode, .state: false
        }
    }

    /// The header on a narrow terminal (`help columns` has the legend).
    public var compactName: String {
        switch self {
        case .handle: "HND"
        case .process: "PR"
        case .socket: "SK"
        case .refcount: "REF"
        case .pending: "PEND"
        case .sendQueue: "SNDQ"
        case .receiveQueue: "RCVQ"
        case .linger: "LING"
        case .mode: "MODE"
        case .state: "STATE"
        }
    }

    /// A shorter label on a narrow terminal, where one exists.
    func compactValue(_ r: HandleRow) -> String? {
        switch self {
        case .mode: compactMode(r.isNonblocking)
        case .state:
            switch r.state {
            case .open(let s): compactState(s)
            case .closed: nil
            }
        case .handle, .process, .socket, .refcount, .pending, .sendQueue, .receiveQueue, .linger: nil
        }
    }

    /// The columns whose values differ between two printings of a row.
    public static func changed(from old: HandleRow, to new: HandleRow) -> Set<HandleColumn> {
        var set = Set<HandleColumn>()
        for column in allCases where column.value(old) != column.value(new) { set.insert(column) }
        return set
    }

    /// The cell's text (display labels are decided here, once).
    public func value(_ r: HandleRow) -> String {
        switch self {
        case .handle: r.id.description
        case .process: r.process.description
        case .socket: r.socket.description
        case .refcount: String(r.refcount)
        case .pending: String(r.pending)
        case .sendQueue: String(r.sendQueue)
        case .receiveQueue: String(r.receiveQueue)
        case .linger: r.linger.description
        case .mode: modeText(r.isNonblocking)
        case .state: r.state.description
        }
    }
}

/// A column of the sockets table.
public enum SocketColumn: String, CaseIterable, Hashable, Sendable {
    case socket = "SOCKET", type = "TYPE", refcount = "REFCNT", sendQueue = "SENDQ", linger = "LINGER"
    case mode = "MODE", state = "STATE", holder = "HELD", discarded = "DISCARDED", peerReceived = "PEER RCVD"
    case peerRead = "PEER READ", peerSees = "PEER SEES"

    var alignsRight: Bool {
        switch self {
        case .refcount, .sendQueue, .discarded, .peerReceived, .peerRead: true
        case .socket, .type, .linger, .mode, .state, .holder, .peerSees: false
        }
    }

    /// The header on a narrow terminal (`help columns` has the legend).
    public var compactName: String {
        switch self {
        case .socket: "SK"
        case .type: "TYPE"
        case .refcount: "REF"
        case .sendQueue: "SNDQ"
        case .linger: "LING"
        case .mode: "MODE"
        case .state: "STATE"
        case .holder: "HELD"
        case .discarded: "DISC"
        case .peerReceived: "P.RCVD"
        case .peerRead: "P.READ"
        case .peerSees: "P.SEES"
        }
    }

    /// A shorter label on a narrow terminal, where one exists.
    func compactValue(_ r: SocketRow) -> String? {
        switch self {
        case .mode: compactMode(r.isNonblocking)
        case .state: compactState(r.state)
        case .holder:
            switch r.holder {
            case .released: "released"
            case .descriptors: "descr"
            case .orphan, .leaked, .held: nil
            }
        case .peerSees:
            switch r.peer?.nextReceive {
            case .error(let e)?: e.description.hasPrefix("WSAE") ? String(e.description.dropFirst(4)) : nil
            case .endOfStream?, PeerReceive.none?, nil: nil
            }
        case .type: r.type == .stream ? "strm" : nil
        case .socket, .refcount, .sendQueue, .linger, .discarded, .peerReceived, .peerRead: nil
        }
    }

    public static func changed(from old: SocketRow, to new: SocketRow) -> Set<SocketColumn> {
        var set = Set<SocketColumn>()
        for column in allCases where column.value(old) != column.value(new) { set.insert(column) }
        return set
    }

    /// The cell's text.
    public func value(_ r: SocketRow) -> String {
        switch self {
        case .socket: r.id.description
        case .type: r.type.description
        case .refcount: String(r.refcount)
        case .sendQueue: String(r.sendQueue)
        case .linger: r.linger.description
        case .mode: modeText(r.isNonblocking)
        case .state: r.state.description
        case .holder: r.holder.description
        case .discarded: String(r.discarded)
        case .peerReceived: r.peer.map { String($0.received) } ?? "-"
        case .peerRead: r.peer.map { String($0.read) } ?? "-"
        case .peerSees: r.peer.map { $0.nextReceive.description } ?? "-"
        }
    }
}

func modeText(_ nonblocking: Bool) -> String { nonblocking ? "nonblocking" : "blocking" }
func compactMode(_ nonblocking: Bool) -> String { nonblocking ? "nonblk" : "block" }

/// TCP states in at most 8 characters, for narrow terminals.
func compactState(_ state: TCPState) -> String? {
    switch state {
    case .established: "ESTAB"
    case .finWait1: "FIN_W1"
    case .finWait2: "FIN_W2"
    case .closeWait: "CLOSE_W"
    case .timeWait: "TIME_W"
    case .created, .closing, .lastAck, .closed: nil
    }
}

/// How a TCP state is coloured: established green, closing states yellow, closed dim.
func tone(of state: TCPState) -> Table.Tone {
    switch state {
    case .established: .good
    case .closed: .dim
    case .finWait1, .finWait2, .closing, .closeWait, .lastAck, .timeWait: .warn
    case .created: .normal
    }
}

/// The handle table: the rows to print, which of their cells changed since each row was last
/// printed, the descriptors this command released, and how many rows were left out.
public struct HandleTable: Sendable {
    public var rows: [HandleRow]
    /// Per row, the columns that changed (empty when changes are not marked).
    public var changed: [Set<HandleColumn>]
    /// Descriptors released by this command: their state reads `closed (just released)` when marked.
    public var justReleased: Set<HandleID>
    public var omitted: Int

    public init(rows: [HandleRow], changed: [Set<HandleColumn>], justReleased: Set<HandleID>, omitted: Int) {
        self.rows = rows; self.changed = changed; self.justReleased = justReleased; self.omitted = omitted
    }

    func table(_ style: Style) -> Table {
        let columns = HandleColumn.allCases
        let rows = self.rows.enumerated().map { i, row -> [Table.Cell] in
            let changed = i < self.changed.count ? self.changed[i] : []
            return columns.map { column in
                var text = column.value(row)
                var compact = column.compactValue(row)
                var cellTone = Table.Tone.normal
                if column == .state {
                    if style.marksChanges && justReleased.contains(row.id) {
                        text = "closed (just released)"
                        compact = "released"
                    }
                    switch row.state {
                    case .open(let s): cellTone = tone(of: s)
                    case .closed: cellTone = .dim
                    }
                }
                return Table.Cell(text, tone: cellTone, isChanged: changed.contains(column), compactText: compact)
            }
        }
        let footer = omitted > 0
            ? "… \(omitted) other handle\(omitted == 1 ? "" : "s") unchanged (`show handles` lists all)" : nil
        return Table(columns: columns.map { Table.Column($0.rawValue, alignsRight: $0.alignsRight, compactName: $0.compactName) },
                     rows: rows, footer: footer)
    }
}

/// The sockets table: every socket still held (orphans included) and those that changed.
public struct SocketTable: Sendable {
    public var rows: [SocketRow]
    public var changed: [Set<SocketColumn>]
    public var omitted: Int

    public init(rows: [SocketRow], changed: [Set<SocketColumn>], omitted: Int) {
        self.rows = rows; self.changed = changed; self.omitted = omitted
    }

    func table() -> Table {
        let columns = SocketColumn.allCases
        let rows = self.rows.enumerated().map { i, row -> [Table.Cell] in
            let changed = i < self.changed.count ? self.changed[i] : []
            return columns.map { column in
                let cellTone: Table.Tone
                switch column {
                case .state: cellTone = tone(of: row.state)
                case .holder:
                    switch row.holder {
                    case .orphan, .leaked, .held: cellTone = .accent
                    case .released: cellTone = .dim
                    case .descriptors: cellTone = .normal
                    }
                case .socket, .type, .refcount, .sendQueue, .linger, .mode, .discarded, .peerReceived, .peerRead, .peerSees:
                    cellTone = .normal
                }
                return Table.Cell(column.value(row), tone: cellTone, isChanged: changed.contains(column),
                                  compactText: column.compactValue(row))
            }
        }
        let footer = omitted > 0
            ? "… \(omitted) other socket\(omitted == 1 ? "" : "s") not shown (`show sockets` lists all)" : nil
        return Table(title: "sockets",
                     columns: columns.map { Table.Column($0.rawValue, alignsRight: $0.alignsRight, compactName: $0.compactName) },
                     rows: rows, footer: footer)
    }
}

/// One table of `show`.
public enum ShownTable: Sendable {
    case handles(HandleTable)
    case sockets(SocketTable)
    case operations([OperationRow])
    case processes([ProcessRow])
    /// The threads, and which one is current.
    case threads([ThreadRow], current: ThreadID?)
    case peers([(SocketID, PeerRow)])
    /// The protocol-info blocks WSPDuplicateSocket made (R4).
    case protocolInfos([ProtocolInfoRow])

    /// How an empty one reads: `handles: none`.
    var name: String {
        switch self {
        case .handles: "handles"
        case .sockets: "sockets"
        case .operations: "operations"
        case .processes: "processes"
        case .threads: "threads"
        case .peers: "peers"
        case .protocolInfos: "protocol-info blocks"
        }
    }

    var isEmpty: Bool {
        switch self {
        case .handles(let t): t.rows.isEmpty
        case .sockets(let t): t.rows.isEmpty
        case .operations(let r): r.isEmpty
        case .processes(let r): r.isEmpty
        case .threads(let r, _): r.isEmpty
        case .peers(let r): r.isEmpty
        case .protocolInfos(let r): r.isEmpty
        }
    }

    func table(_ style: Style) -> Table {
        switch self {
        case .handles(let t): return t.table(style)
        case .sockets(let t): return t.table()
        case .operations(let rows):
            let columns: [Table.Column] = [
                .init("OP"), .init("KIND"), .init("HANDLE"), .init("SOCKET"), .init("THREAD"),
                .init("REQUESTED", alignsRight: true), .init("STATUS"), .init("BYTES", alignsRight: true), .init("NOTIFIED"),
            ]
            return Table(title: "operations", columns: columns, rows: rows.map { o in
                let statusTone: Table.Tone = switch o.status {
                case .pending: .warn
                case .completed: .good
                case .failed: .bad
                }
                return [.init(o.id.description), .init(o.kind.rawValue), .init(o.handle.description), .init(o.socket.description),
                        .init(o.thread.description), .init(String(o.requested)), .init(o.status.description, tone: statusTone),
                        .init(String(o.bytes)), .init(o.isNotified ? "true" : "false")]
            })
        case .processes(let rows):
            let columns: [Table.Column] = [.init("PROC"), .init("STARTUP", alignsRight: true), .init("THREADS"), .init("STATE")]
            return Table(title: "processes", columns: columns, rows: rows.map { p in
                [.init(p.id.description), .init(String(p.startupCount)), .init(p.threads.map(\.description).joined(separator: " ")),
                 .init(p.isAlive ? "live" : "exited", tone: p.isAlive ? .normal : .dim)]
            })
        case .threads(let rows, let current):
            let columns: [Table.Column] = [.init("THREAD"), .init("PROC"), .init("STATE"), .init("BLOCKED IN"), .init("LAST RESULT")]
            return Table(title: "threads", columns: columns, rows: rows.map { t in
                let blocked: String
                let stateTone: Table.Tone
                switch t.state {
                case .blocked(let call): blocked = "\(call.name)(\(call.handle))"; stateTone = .warn
                case .running: blocked = "-"; stateTone = .normal
                case .exited: blocked = "-"; stateTone = .dim
                }
                return [.init(t.id.description + (current == t.id ? " (current)" : "")), .init(t.process.description),
                        .init(t.state.description, tone: stateTone), .init(blocked), .init(t.lastResult?.lastValue ?? "none")]
            })
        case .protocolInfos(let rows):
            let columns: [Table.Column] = [.init("BLOCK"), .init("SOCKET"), .init("FROM"), .init("FOR"), .init("USED")]
            return Table(title: "protocol-info blocks", columns: columns, rows: rows.map { b in
                [.init(b.id.description), .init(b.socket.description), .init(b.source.description), .init(b.target.description),
                 .init(b.isUsed ? "yes" : "no (socket from \(b.id))", tone: b.isUsed ? .dim : .accent)]
            })
        case .peers(let rows):
            let columns: [Table.Column] = [
                .init("SOCKET"), .init("WINDOW", alignsRight: true), .init("RECEIVED", alignsRight: true),
                .init("READ", alignsRight: true), .init("GOT FIN"), .init("GOT RST"), .init("NEXT RECEIVE"),
                .init("PEER SENT", alignsRight: true), .init("PEER CLOSED"),
            ]
            return Table(title: "peers", columns: columns, rows: rows.map { s, p in
                [.init(s.description), .init(String(p.window)), .init(String(p.received)), .init(String(p.read)),
                 .init(p.hasReceivedFin ? "true" : "false"),
                 .init(p.hasReceivedReset ? "true" : "false", tone: p.hasReceivedReset ? .bad : .normal),
                 .init(p.nextReceive.description), .init(String(p.sent)), .init(p.closing.description)]
            })
        }
    }
}

/// The state keys of a json record: the rows shown, and how many were left out.
public struct JSONState: Sendable {
    public var handles: [HandleRow]
    public var sockets: [SocketRow]
    public var operations: [OperationRow]
    /// Present when rows were left out (or, for sockets and ops, when the table is over the limit).
    public var handlesOmitted: Int?
    public var socketsOmitted: Int?
    public var operationsOmitted: Int?

    public init(handles: [HandleRow], sockets: [SocketRow], operations: [OperationRow],
                handlesOmitted: Int? = nil, socketsOmitted: Int? = nil, operationsOmitted: Int? = nil) {
        self.handles = handles; self.sockets = sockets; self.operations = operations
        self.handlesOmitted = handlesOmitted; self.socketsOmitted = socketsOmitted; self.operationsOmitted = operationsOmitted
    }
}
