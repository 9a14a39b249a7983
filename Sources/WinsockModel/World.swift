/// The whole simulated system: provider, processes, threads, sockets, descriptors, operations,
/// peers and the virtual clock. A value: copying it is a snapshot, and two worlds that went
/// through the same requests are equal.
///
/// Every request that can change it is a `mutating` method: a provider call (`perform(_:by:)`),
/// the clock (`advance(by:)`), the peer (`peer(_:_:)`), a setting (`apply(_:)`) or a process or
/// thread (`newProcess()`, `newThread(in:)`, `exitProcess(_:)`). Each returns an `Outcome` — the
/// call's result, the events in the order their rules fired, the rules that fired (for `explain`)
/// and which rows changed — or throws a `Refusal` before it changes anything. `use(_:)` only
/// changes the current thread. Nothing here prints, sleeps, reads a clock or draws a random number.
public struct World: Hashable, Sendable {
    /// What the model obeys (docs/language.md, "The model"); changed with `apply(_:)`.
    public internal(set) var settings: Settings
    /// The virtual clock: it moves only with `advance(by:)` (R46).
    public internal(set) var now = Instant.zero
    /// Every process ever made, indexed by `ProcessID.index`.
    public internal(set) var processes: [SimulatedProcess] = []
    /// Every thread ever made, indexed by `ThreadID.index`.
    public internal(set) var threads: [SimulatedThread] = []
    /// Every socket ever made, released ones included, indexed by `SocketID.index`; idle ones
    /// packed (`SocketStore`).
    public internal(set) var sockets = SocketStore()
    /// Indexed by handle value; with `set reuse on` a slot is taken over by a new descriptor.
    public internal(set) var handles = ChunkedArray<Handle>()
    /// Every overlapped operation, finished ones included, indexed by `OperationID.index`.
    public internal(set) var operations = ChunkedArray<OverlappedOperation>()
    /// Every protocol-info block, indexed by `ProtocolInfoID.index`.
    public internal(set) var protocolInfos: [ProtocolInfo] = []
    /// The thread provider calls come from; nil when no process is live (R39).
    public internal(set) var current: ThreadID?
    /// The last provider call's result (`last`); nil before any.
    public internal(set) var lastResult: CallResult?
    /// Everything that crossed the wire, in the order it was sent (`trace`, `trace --pcap`).
    public internal(set) var wire = ChunkedArray<WireRecord>()
    /// Whether outcomes list the rows each request touched. Only tables and json need them; a
    /// quiet run (`format off`) turns this off and saves the bookkeeping. Changes no semantics.
    public var tracksChanges = true
    /// Whether idle sockets are packed (`SocketStore`). Changes no semantics: tests turn it off
    /// to prove so.
    var packsIdleSockets = true

    // Bookkeeping the clock needs. Kept so that a step costs nothing per idle socket.
    var arrivals = OrderedQueue<Scheduled>()
    var timers = OrderedQueue<Scheduled>()
    var nextSequence = 0
    /// Sockets moving bytes, in ID order (few at a time: a sorted array beats a set here).
    var transmitting = SortedIDs<SocketID>()
    /// Sockets whose waiting sends, FINs or lingering closes must be looked at this instant
    /// (may hold duplicates; an array is cheaper than a set for the few touched per command).
    var attention: [SocketID] = []
    /// `runInstant`'s second buffer for `attention` (always empty between instants).
    var spareAttention: [SocketID] = []
    /// The sockets this request looked at, to pack those that went idle as it ends (always
    /// empty between requests).
    var looked: [SocketID] = []

    // Bookkeeping for descriptors and the sockets table.
    /// Released handle values, for `set reuse on` (R23): the lowest is handed out again.
    var freeHandles = OrderedQueue<Int>()
    /// Descriptors made so far (each one's `serial`).
    var descriptorsMade = 0
    /// Sockets with no descriptor that the provider still holds (orphans and leaks), so that
    /// `hasUnreferencedSockets` needs no walk over every socket.
    var unreferencedAliveCount = 0
    /// What the request in progress did; handed back as its `Outcome`.
    var journal = Journal()

    /// A fresh world: process P1 with thread T1, started (WSPStartup count 1) and current.
    public init(settings: Settings = Settings()) {
        self.settings = settings
        let p1 = ProcessID(rawValue: 1), t1 = ThreadID(rawValue: 1)
        processes = [SimulatedProcess(id: p1, threads: [t1])]
        threads = [SimulatedThread(id: t1, process: p1)]
        current = t1
    }

    // MARK: Lookups

    /// The socket with this name, if one was ever made.
    public func socket(_ id: SocketID) -> Socket? { sockets.indices.contains(id.index) ? sockets[id.index] : nil }
    /// The descriptor that bears this name now (open or released), if one ever did.
    public func handle(_ id: HandleID) -> Handle? { handles.indices.contains(id.index) ? handles[id.index] : nil }
    /// The process with this name, if one was ever made.
    public func process(_ id: ProcessID) -> SimulatedProcess? { processes.indices.contains(id.index) ? processes[id.index] : nil }
    /// The thread with this name, if one was ever made.
    public func thread(_ id: ThreadID) -> SimulatedThread? { threads.indices.contains(id.index) ? threads[id.index] : nil }
    /// The overlapped operation with this name, if one was ever made.
    public func operation(_ id: OperationID) -> OverlappedOperation? { operations.indices.contains(id.index) ? operations[id.index] : nil }
    /// The protocol-info block with this name, if one was ever made.
    public func protocolInfo(_ id: ProtocolInfoID) -> ProtocolInfo? { protocolInfos.indices.contains(id.index) ? protocolInfos[id.index] : nil }

    /// The process of the current thread.
    public var currentProcess: ProcessID? { current.map { threads[$0.index].process } }

    /// Whether any socket has no open descriptor but is still held by the provider (an orphan,
    /// or a ReactOS leak): then the sockets table is shown.
    public var hasUnreferencedSockets: Bool { unreferencedAliveCount > 0 }

    /// Sockets in any state but CLOSED (`set provider` needs none).
    public var hasLiveSockets: Bool { sockets.contains { $0.state != .closed } }

    /// The processes that have not exited, in order.
    public var liveProcesses: [ProcessID] { processes.filter(\.isAlive).map(\.id) }

    /// The first running thread of a process, else its first thread (`use PN`).
    public func preferredThread(of p: ProcessID) -> ThreadID? {
        guard let proc = process(p) else { return nil }
        return proc.threads.first { threads[$0.index].state == .running } ?? proc.threads.first
    }
}

/// Collects what happens during one request. Transient: two worlds that differ only in their
/// journals are equal.
struct Journal: Hashable, Sendable {
    static func == (a: Journal, b: Journal) -> Bool { true }
    func hash(into h: inout Hasher) {}

    var events: [TimedEvent] = []
    var notes: [RuleNote] = []
    // Touched rows, in the order they were touched, with repeats: only the views that print
    // tables sort and dedupe them (`changedHandles(in:)`, `Outcome.changedSockets`).
    var handles: [HandleID] = []
    var sockets: [SocketID] = []
    var operations: [OperationID] = []
    var released: [HandleID] = []
}

extension World {
    // MARK: Journal

    mutating func emit(_ event: Event) {
        if journal.events.isEmpty { journal.events.reserveCapacity(6) } // one allocation, not three
        journal.events.append(TimedEvent(event: event, time: now))
        if let s = event.socket { touch(s) }
    }

    /// Appends a wire record and returns its index (to mark its arrival later).
    @discardableResult
    mutating func logWire(_ s: SocketID, _ direction: WireRecord.Direction, _ kind: WireRecord.Kind,
                          sent: Instant, arrived: Instant? = nil) -> Int {
        wire.append(WireRecord(socket: s, direction: direction, kind: kind, sent: sent, arrived: arrived))
        return wire.count - 1
    }

    /// Marks a socket's rows changed (consecutive repeats are common; skip them here).
    @inline(__always) mutating func touch(_ s: SocketID) {
        if tracksChanges && journal.sockets.last != s { journal.sockets.append(s) }
    }

    @inline(__always) mutating func touch(_ h: HandleID) {
        if tracksChanges && journal.handles.last != h { journal.handles.append(h) }
    }

    @inline(__always) mutating func touch(_ op: OperationID) {
        if tracksChanges && journal.operations.last != op { journal.operations.append(op) }
    }

    mutating func note(_ rule: RuleID, _ text: @autoclosure @escaping @Sendable () -> String) {
        if journal.notes.isEmpty { journal.notes.reserveCapacity(6) } // one allocation, not three
        journal.notes.append(RuleNote(rule, text))
    }

    /// A note from a template (`{0}` … `{2}`): for the notes of frequent calls, which then cost
    /// no allocation.
    mutating func cite(_ rule: RuleID, _ template: StaticString, _ a: NoteArg = .none, _ b: NoteArg = .none,
                       _ c: NoteArg = .none) {
        if journal.notes.isEmpty { journal.notes.reserveCapacity(6) }
        journal.notes.append(RuleNote(rule, template: template, a, b, c))
    }

    /// Runs one request: clears the journal, lets the clock settle what is due at this
    /// instant, and ends open TX stretches (docs/language.md: a stretch also ends at the end of the command).
    /// A body that refuses must do so before it changes anything (no copy is kept to roll back:
    /// that would cost a copy of every table per command).
    mutating func request(_ body: (inout World) throws(Refusal) -> CallResult?) throws(Refusal) -> Outcome {
        journal = Journal()
        let result = try body(&self)
        runInstant()
        endStretches()
        packIdleSockets()
        var j = Journal()
        swap(&j, &journal)
        return Outcome(result: result, timedEvents: j.events, notes: j.notes, changedHandles: j.handles,
                       changedSockets: j.sockets, changedOperations: j.operations, releasedHandles: j.released)
    }

    /// The handle rows a request changed, in ID order: handles touched directly, and every
    /// descriptor of a socket that changed (their rows show the socket's columns).
    public func changedHandles(in outcome: Outcome) -> [HandleID] {
        var changed = outcome.touchedHandles
        for s in uniqueSorted(outcome.touchedSockets) {
            for h in sockets[s.index].handleIDs where handles[h.index].socket == s { changed.append(h) }
        }
        return uniqueSorted(changed)
    }

    // MARK: Mutation helpers that keep change tracking honest

    /// Packs the sockets this request looked at that nothing will reach but something stored
    /// (`SocketStore`): no descriptor, nothing queued, waiting or lingering.
    mutating func packIdleSockets() {
        if looked.isEmpty { return }
        for s in looked where packsIdleSockets && !sockets.isPacked(s.index) && World.isIdle(sockets[live: s.index]) {
            sockets.pack(s.index)
        }
        looked.removeAll(keepingCapacity: true)
    }

    static func isIdle(_ s: Socket) -> Bool {
        switch s.lifecycle {
        case .orphaned, .released, .leaked: break
        case .referenced, .held: return false
        }
        return s.sendQueue == 0 && s.sendWaiters.isEmpty && s.receiveWaiters.isEmpty && s.lingeringClose == nil
            && !s.isTransmitting && s.stretch == 0
    }

    mutating func updateSocket<T>(_ id: SocketID, _ body: (inout Socket) -> T) -> T {
        touch(id)
        if attention.last != id { attention.append(id) }
        return body(&sockets[live: id.index])
    }

    mutating func updateHandle<T>(_ id: HandleID, _ body: (inout Handle) -> T) -> T {
        touch(id)
        return body(&handles[id.index])
    }

    mutating func updateOperation<T>(_ id: OperationID, _ body: (inout OverlappedOperation) -> T) -> T {
        touch(id)
        return body(&operations[id.index])
    }

    mutating func updateThread<T>(_ id: ThreadID, _ body: (inout SimulatedThread) -> T) -> T {
        body(&threads[id.index])
    }

    mutating func schedule(_ item: Due, at time: Instant, wireRecord: Int = -1) {
        let entry = Scheduled(time: time, sequence: nextSequence, item: item, wireRecord: wireRecord)
        nextSequence += 1
        if item.isArrival { arrivals.insert(entry) } else { timers.insert(entry) }
    }

    /// The socket's open descriptors, in handle order (R3's note on shared options, and ReactOS's
    /// leak check when a descriptor is released).
    func openHandles(of s: SocketID) -> [HandleID] {
        handles.filter { $0.isOpen && $0.socket == s }.map(\.id)
    }
}

/// Sorts `items` and drops repeats, in place.
func sortUnique<T: Comparable>(_ items: inout [T]) {
    if items.count < 2 { return }
    items.sort()
    var kept = 1
    for i in 1..<items.count where items[i] != items[kept - 1] {
        items[kept] = items[i]
        kept += 1
    }
    items.removeLast(items.count - kept)
}

/// The distinct elements, in order.
func uniqueSorted<T: Comparable>(_ items: [T]) -> [T] {
    if items.count < 2 { return items }
    let sorted = items.sorted()
    var out: [T] = [sorted[0]]
    out.reserveCapacity(sorted.count)
    for x in sorted.dropFirst() where x != out[out.count - 1] { out.append(x) }
    return out
}

/// A small set of IDs kept in ascending order, so iterating it needs no sort.
struct SortedIDs<ID: ObjectID>: Hashable, Sendable, Sequence {
    private(set) var ids: [ID] = []
    var isEmpty: Bool { ids.isEmpty }
    func contains(_ id: ID) -> Bool { ids.contains(id) }
    mutating func insert(_ id: ID) {
        let i = ids.firstIndex { $0 >= id } ?? ids.count
        if i < ids.count && ids[i] == id { return }
        ids.insert(id, at: i)
    }
    mutating func remove(_ id: ID) { ids.removeAll { $0 == id } }
    func makeIterator() -> IndexingIterator<[ID]> { ids.makeIterator() }
}
