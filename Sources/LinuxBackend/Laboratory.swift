// The linux backend's engine: the lab's records, the real threads and processes, and the ends the
// lab owns (the listener whose accepted sockets are the peers, the datagram sink). `LinuxLab` is
// its public face and serialises every use of it behind one lock.
//
// One command, as the engine runs it:
//
//   observe()          collect what happened since the last command: calls that returned
//                      (WAKE), operations that ended (COMPLETE/ABORT), processes that died,
//                      FIN/RST the peer saw, FIN/RST our socket saw, orphans released
//   act                run the provider call on its thread's worker (wait 100 ms, else BLOCK),
//                      or the peer action, setting, wait, or process command
//   observe()          what the command itself caused (a FIN that reached the peer at once)
//   outcome            the events observed, each stamped with the instant it was observed
//
// P1 is the lab's own process; P2, P3… are helper processes (Helper.swift) holding their own
// descriptors and threads. The peers, the listener and the datagram sink always stay in P1.
//
// Nothing is emulated: every value in a row is read back from the kernel (through a descriptor in
// whichever process holds one, or from /proc/net/tcp for a socket with no descriptor left); what
// cannot be observed is said so.

@preconcurrency import Glibc
import LabSession
import WinsockModel

/// The engine behind `LinuxLab`. Not thread-safe by itself: `LinuxLab` holds it in a `Mutex`.
final class Laboratory {
    /// CLOCK_MONOTONIC when the lab started: `now` counts from here.
    let startedAt = MonotonicClock.now()
    /// What `process new` spawns in helper mode: closelab itself (/proc/self/exe) unless the lab
    /// runs inside another program (the tests name the built closelab).
    let helperExecutable: String
    var handles: [HandleRecord] = []
    /// Descriptors named so far (each one's `serial`).
    var descriptorsMade = 0
    var sockets: [SocketRecord] = []
    var protocolInfos: [ProtocolInfoRecord] = []
    var threads: [ThreadRecord] = []
    var processes: [ProcessRecord] = []
    var operations: [OperationRecord] = []
    var current = ThreadID(rawValue: 1)
    var lastResult: CallResult?
    /// The thread every helper is spawned from (PR_SET_PDEATHSIG follows the spawning thread), made
    /// at the first `process new` and ended after the last helper.
    var spawner: Worker?

    /// The listener (127.0.0.1, ephemeral port) whose accepted sockets are the peers.
    var listener: Int32?
    var listenerPort: UInt16 = 0
    /// The UDP socket a datagram socket's `connect` targets.
    var datagramSink: Int32?
    var datagramSinkPort: UInt16 = 0
    /// Accepted connections not yet matched to the socket that made them, by that socket's port.
    var unclaimedPeers: [(port: UInt16, fd: Int32)] = []

    /// `set sndbuf` (SO_SNDBUF of sockets made afterwards) and `set window` (the listener's
    /// SO_RCVBUF, inherited by the peers it accepts); nil: the kernel's defaults.
    var sendBuffer: Int?
    var window: Int?

    /// Events observed and not yet reported, in the order they were observed.
    var pendingEvents: [TimedEvent] = []
    /// Sockets and operations the current command touched (the rows that changed).
    var touchedSockets: [SocketID] = []
    var touchedOperations: [OperationID] = []
    /// Handles released since the last outcome by something other than the command's own close
    /// (a process that exited or died).
    var releasedHandles: [HandleID] = []
    /// What the rules say about something observed (a process that died), for `explain`.
    var pendingNotes: [RuleNote] = []
    /// A blocked call returned with an errno that has no Winsock name: the next command reports it.
    var pendingRefusal: Refusal?
    var isShutDown = false
    /// Provider calls handed to a worker, that is, to the kernel. Tests check that a call through
    /// a released handle never gets here (R1).
    var kernelCallCount = 0

    /// P1: the lab's own process.
    static let labProcess = ProcessID(rawValue: 1)

    init(helperExecutable: String) throws(Refusal) {
        self.helperExecutable = helperExecutable
        processes.append(ProcessRecord(id: Laboratory.labProcess, helper: nil))
        try addThread(in: Laboratory.labProcess)
    }

    deinit { shutDown() }

    // MARK: Time

    /// Milliseconds since the lab started, on CLOCK_MONOTONIC (`t`).
    func now() -> Instant { instant(at: MonotonicClock.now()) }

    func instant(at monotonic: Int64) -> Instant {
        Instant(nanoseconds: max(0, monotonic - startedAt) / 1_000_000 * 1_000_000)
    }

    // MARK: Records

    func threadRecord(_ t: ThreadID) -> ThreadRecord? {
        threads.indices.contains(t.index) ? threads[t.index] : nil
    }

    func processRecord(_ p: ProcessID) -> ProcessRecord? {
        processes.indices.contains(p.index) ? processes[p.index] : nil
    }

    /// The process `t` belongs to.
    func process(of t: ThreadID) -> ProcessID { threads[t.index].process }

    /// Starts a new real thread in `p` (a live process), named by the next `TN`.
    @discardableResult
    func addThread(in p: ProcessID) throws(Refusal) -> ThreadID {
        let id = ThreadID(rawValue: threads.count + 1)
        let host: ThreadHost
        if let helper = processes[p.index].helper {
            let index = processes[p.index].threads.count
            guard case .threadStarted(index, let tid)? = helper.ask(.newThread) else {
                noteEndedHelpers()
                throw Refusal("thread new: \(p) did not answer (it \(helper.ending?.description ?? "stopped answering"))")
            }
            guard tid > 0 else { throw Refusal("thread new: the system refused a thread in \(p) (\(Kernel.errnoName(-tid)))") }
            host = .helper(helper, index: index, kernelThreadID: tid)
        } else {
            do {
                host = .lab(try Worker())
            } catch {
                throw Refusal("thread new: the system refused a thread (\(Kernel.errnoName(error.code)))")
            }
        }
        threads.append(ThreadRecord(id: id, process: p, host: host))
        processes[p.index].threads.append(id)
        return id
    }

    /// The fd of an open handle of process `p` and its socket; nil for a released or unknown
    /// handle (R1) and for another process's handle (R5).
    func openDescriptor(_ h: HandleID, in p: ProcessID) -> (fd: Int32, socket: SocketID)? {
        guard handles.indices.contains(h.index), handles[h.index].process == p, let fd = handles[h.index].fd else {
            return nil
        }
        return (fd, handles[h.index].socket)
    }

    /// Open handles of a socket, in every process: its REFCNT (R2). Unused protocol-info blocks
    /// hold a reference too but are not handles, so they do not count.
    func openHandleCount(_ s: SocketID) -> Int {
        currentHandles(of: s).reduce(0) { $0 + (handles[$1.index].isOpen ? 1 : 0) }
    }

    /// The names among `s`'s descriptors that still refer to it (a reused name refers to another
    /// socket now), in order.
    func currentHandles(of s: SocketID) -> [HandleID] {
        sockets[s.index].handles.filter { handles[$0.index].socket == s }
    }

    /// A descriptor the lab can ask the kernel through, and the process whose number it is: an open
    /// handle's, else one waiting in an unused block as a dup; the lab's own process first (no
    /// round trip). Nil when the socket has none (an orphan, a socket a blocked call or an
    /// operation holds, or one in flight in a message).
    func anyDescriptor(of s: SocketID) -> (process: ProcessID, fd: Int32)? {
        var found: (process: ProcessID, fd: Int32)?
        func consider(_ p: ProcessID, _ fd: Int32) {
            if found == nil || (p == Laboratory.labProcess && found!.process != Laboratory.labProcess) { found = (p, fd) }
        }
        for h in currentHandles(of: s) {
            if let fd = handles[h.index].fd { consider(handles[h.index].process, fd) }
        }
        for block in protocolInfos where block.socket == s {
            if case .duplicate(let fd)? = block.holding { consider(block.target, fd) }
        }
        return found
    }

    /// Whether something besides a descriptor still holds the socket: a worker's call in flight
    /// (a blocked call holds it alive, J), a pending overlapped operation, or an unused block.
    func isHeldWithoutDescriptor(_ s: SocketID) -> Bool {
        threads.contains { $0.inFlight?.socket == s }
            || operations.contains { $0.socket == s && $0.runner != nil }
            || protocolInfos.contains { $0.socket == s && $0.holding != nil }
    }

    /// Names a new socket and its first handle, in process `p`.
    func addSocket(fd: Int32, type: SocketType, in p: ProcessID) -> HandleID {
        let s = SocketID(rawValue: sockets.count + 1)
        sockets.append(SocketRecord(id: s, type: type))
        return addHandle(fd: fd, socket: s, in: p)
    }

    /// Names a new descriptor: the lowest `hN` whose descriptor was released, as the kernel hands
    /// out the lowest free descriptor number (J: `reuse on`), else the next one.
    func addHandle(fd: Int32, socket s: SocketID, in p: ProcessID) -> HandleID {
        descriptorsMade += 1
        let h: HandleID
        if let free = handles.firstIndex(where: { !$0.isOpen }) {
            h = HandleID(rawValue: free + 1)
            handles[free] = HandleRecord(id: h, socket: s, process: p, serial: descriptorsMade, fd: fd)
        } else {
            h = HandleID(rawValue: handles.count + 1)
            handles.append(HandleRecord(id: h, socket: s, process: p, serial: descriptorsMade, fd: fd))
        }
        if !sockets[s.index].handles.contains(h) { sockets[s.index].handles.append(h) }
        sockets[s.index].holder = .descriptors
        touch(s)
        return h
    }

    // MARK: Events and outcomes

    func touch(_ s: SocketID) {
        if touchedSockets.last != s { touchedSockets.append(s) }
    }

    func touch(_ op: OperationID) {
        if touchedOperations.last != op { touchedOperations.append(op) }
    }

    func emit(_ event: Event, at time: Instant) {
        pendingEvents.append(TimedEvent(event: event, time: time))
        if let s = event.socket { touch(s) }
    }

    /// The outcome of one command: the events observed since the previous one (in time order),
    /// the rows they and the command touched.
    func outcome(_ result: CallResult?, hostError: String? = nil, released: [HandleID] = [],
                 created: CreatedObject? = nil, notes: [RuleNote] = []) -> Outcome {
        var events: [TimedEvent] = []
        swap(&events, &pendingEvents)
        // Stable: events observed at one instant keep the order they were observed in.
        let ordered = events.enumerated().sorted {
            ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
        }.map(\.element)
        let changedSockets = Array(Set(touchedSockets)).sorted()
        touchedSockets = []
        let changedOperations = Array(Set(touchedOperations)).sorted()
        touchedOperations = []
        let allReleased = Array(Set(released + releasedHandles)).sorted()
        releasedHandles = []
        var changedHandles = allReleased
        for s in changedSockets { changedHandles += currentHandles(of: s) }
        for op in changedOperations { changedHandles.append(operations[op.index].handle) }
        let allNotes = pendingNotes + notes
        pendingNotes = []
        return Outcome(result: result, timedEvents: ordered, notes: allNotes,
                       changedHandles: Array(Set(changedHandles)).sorted(), changedSockets: changedSockets,
                       changedOperations: changedOperations, releasedHandles: allReleased, created: created,
                       hostError: hostError)
    }

    /// Throws the refusal a late-returning call left (its errno has no Winsock name); the command
    /// that meets it does not run.
    func takePendingRefusal() throws(Refusal) {
        guard let refusal = pendingRefusal else { return }
        pendingRefusal = nil
        throw refusal
    }

    func checkRunning() throws(Refusal) {
        if isShutDown { throw Refusal("the linux backend was shut down") }
    }

    // MARK: Shutting down

    /// Every descriptor the lab still owns in its own process (handles, unused blocks, peers,
    /// listener, sink, helpers' control sockets), once each.
    func ownedDescriptors() -> [Int32] {
        var fds = handles.filter { $0.process == Laboratory.labProcess }.compactMap(\.fd)
        for block in protocolInfos where block.target == Laboratory.labProcess {
            switch block.holding {
            case .duplicate(let fd)?, .message(let fd)?: fds.append(fd)
            case nil: break
            }
        }
        fds += sockets.compactMap { $0.peer?.fd } + unclaimedPeers.map(\.fd)
        fds += [listener, datagramSink].compactMap { $0 }
        fds += processes.compactMap { $0.helper?.controlDescriptor }
        return fds
    }

    /// Ends every helper (each resets its sockets first, then exits, and is reaped), interrupts
    /// and joins every thread, then closes every descriptor the lab owns, never one it already
    /// closed. Its own sockets close abortively (SO_LINGER {1, 0}): the lab is ending, and a
    /// lingering close would make shutDown wait, a graceful one leave orphans behind; a descriptor
    /// still in a mailbox is taken out and reset too. Idempotent.
    func shutDown() {
        guard !isShutDown else { return }
        isShutDown = true
        for p in processes.indices {
            guard let helper = processes[p].helper, processes[p].isAlive else { continue }
            processes[p].ending = helper.end(abortively: true)
        }
        for thread in threads {
            if case .lab(let worker) = thread.host { worker.stop() }
        }
        for i in threads.indices { threads[i].inFlight = nil }
        for i in operations.indices {
            if case .lab(let worker)? = operations[i].runner { worker.stop() }
            operations[i].runner = nil
        }
        spawner?.stop()
        spawner = nil
        for i in protocolInfos.indices where protocolInfos[i].target == Laboratory.labProcess {
            guard case .message(let mailbox)? = protocolInfos[i].holding else { continue }
            protocolInfos[i].holding = nil   // takeDescriptor closes the mailbox
            let taken = Jobs.takeDescriptor(from: mailbox)
            guard taken.isSuccess else { continue }
            _ = Kernel.setLinger(Int32(taken.value), onoff: 1, seconds: 0)
            Kernel.close(Int32(taken.value))
        }
        for fd in ownedSocketDescriptors() { _ = Kernel.setLinger(fd, onoff: 1, seconds: 0) }
        for fd in ownedDescriptors() { Kernel.close(fd) }
        for i in handles.indices { handles[i].fd = nil }
        for i in protocolInfos.indices { protocolInfos[i].holding = nil }
        for i in sockets.indices { sockets[i].peer?.fd = nil }
        unclaimedPeers = []
        listener = nil
        datagramSink = nil
    }

    /// The lab's own descriptors of the lab's sockets: P1's open handles and dup'd blocks.
    private func ownedSocketDescriptors() -> [Int32] {
        var fds = handles.filter { $0.process == Laboratory.labProcess }.compactMap(\.fd)
        for block in protocolInfos where block.target == Laboratory.labProcess {
            if case .duplicate(let fd)? = block.holding { fds.append(fd) }
        }
        return fds
    }
}
