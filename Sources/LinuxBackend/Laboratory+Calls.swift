// Provider calls: each runs as real system calls on its thread's worker, in P1 or in the helper of
// the thread's process. The checks the lab makes itself (R24's WSAEINPROGRESS, R1's released
// handles, R5's handles of another process, R4's blocks) come first and never reach the kernel;
// everything else is the kernel's answer, named in Winsock terms (HostErrors).

@preconcurrency import Glibc
import LabSession
import WinsockModel

extension Laboratory {
    /// How long a call may take before it is reported blocked (`BLOCK TN …`).
    static let blockThreshold: Int64 = 100_000_000
    /// Calls that cannot block on loopback get this long before they are interrupted.
    static let hangLimit: Int64 = 5_000_000_000

    /// One provider call as a command: what was observed since the last command, the call (the
    /// lab's checks, else the kernel on T's worker), then what the call caused. A successful close
    /// lists its handle as released even when it blocks: Linux removes the descriptor first (J).
    func perform(_ call: ProviderCall, by thread: ThreadID?) throws(Refusal) -> Outcome {
        try checkRunning()
        let t = thread ?? current
        guard let record = threadRecord(t) else { throw Refusal("there is no thread \(t)") }
        try refuseUnavailable(call)
        observe()
        try takePendingRefusal()
        guard !threads[t.index].isExited else {
            throw Refusal("\(t) has exited with its process \(record.process) (\(endingAccount(record.process)))")
        }
        var released: [HandleID] = []
        if case .close(let h) = call, threads[t.index].inFlight == nil, openDescriptor(h, in: record.process) != nil {
            released = [h]
        }
        let (result, hostError) = try issue(call, by: t)
        lastResult = result
        let cancelled = call == .cancelBlockingCall && result == .value(.zero)
        if result != .blocked && !cancelled { threads[t.index].lastResult = result }
        observe()
        return outcome(result, hostError: hostError, released: released)
    }

    /// One line for each call that has no Linux counterpart.
    private func refuseUnavailable(_ call: ProviderCall) throws(Refusal) {
        switch call {
        case .startup, .cleanup:
            throw Refusal("\(call.name) has no counterpart under the linux backend: Linux has no WSPStartup/WSPCleanup counting")
        case .socket, .socketFromProtocolInfo, .connect, .setLinger, .setDontLinger, .getSockOpt, .setNonblocking,
             .send, .recv, .shutdown, .close, .duplicate, .cancelBlockingCall:
            return
        }
    }

    /// The lab's own checks, then the call on the worker.
    private func issue(_ call: ProviderCall, by t: ThreadID) throws(Refusal) -> (CallResult, String?) {
        if threads[t.index].inFlight != nil {
            // R24, kept as a rule of the lab: a blocked thread calls only from its blocking hook.
            if call == .cancelBlockingCall { return try cancel(t) }
            return (.failure(.inProgress), nil)
        }
        let p = process(of: t)
        let notSocket: (CallResult, String?) = (.failure(.notSocket), Kernel.errnoName(EBADF))
        switch call {
        case .cancelBlockingCall:
            return (.failure(.invalidArgument), nil)   // R25: nothing is blocked
        case .startup, .cleanup:
            throw Refusal("\(call.name) has no counterpart under the linux backend")
        case .socketFromProtocolInfo(let pi):
            return try takeProtocolInfo(pi, by: t)
        case .socket(let type, let nonblocking):
            return try run(call, on: t, socket: nil,
                           job: .socket(type, nonblocking: nonblocking, sendBuffer: sendBuffer))
        case .connect(let h):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            let port = switch sockets[s.index].type {
            case .stream: try ensureListener()
            case .dgram: try ensureDatagramSink()
            }
            return try run(call, on: t, socket: s, job: .connect(fd, port: port))
        case .setLinger(let h, let onoff, let seconds):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            return try run(call, on: t, socket: s, job: .setLinger(fd, onoff: onoff, seconds: seconds))
        case .setDontLinger(let h, let on):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            return try run(call, on: t, socket: s, job: .setDontLinger(fd, on))
        case .getSockOpt(let h, let option):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            return try run(call, on: t, socket: s, job: .getOption(fd, option))
        case .setNonblocking(let h, let on):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            return try run(call, on: t, socket: s, job: .setNonblocking(fd, on))
        case .send(let h, let bytes, let overlapped):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            let job: KernelJob = overlapped ? .startSend(fd, bytes: bytes) : .send(fd, bytes: bytes)
            return try run(call, on: t, socket: s, job: job)
        case .recv(let h, let bytes, let overlapped):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            let job: KernelJob = overlapped ? .startReceive(fd, bytes: bytes) : .receive(fd, bytes: bytes)
            return try run(call, on: t, socket: s, job: job)
        case .shutdown(let h, let how):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            return try run(call, on: t, socket: s, job: .shutdown(fd, how: how))
        case .close(let h):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            // The kernel removes the descriptor as the close starts, even one that lingers (J):
            // from now on the lab never passes this number to the kernel for h.
            if let sample = sample(s, through: (p, fd)) { refreshReading(s, from: sample) }
            handles[h.index].fd = nil
            touch(s)
            return try run(call, on: t, socket: s, job: .close(fd))
        case .duplicate(let h, let target):
            guard let (fd, s) = openDescriptor(h, in: p) else { return notSocket }
            // R4: naming a process that does not exist, or no longer lives, fails with WSAEINVAL.
            guard let process = processRecord(target), process.isAlive else { return (.failure(.invalidArgument), nil) }
            if target == p { return try run(call, on: t, socket: s, job: .duplicate(fd)) }
            return try duplicate(call, fd, of: s, on: t, to: target)
        }
    }

    /// WSPDuplicateSocket for another process (J: SCM_RIGHTS). A mailbox, a socket pair, is made
    /// for the block: T sends the descriptor into it at once, and the target process holds its
    /// receiving end, so the descriptor is in flight, in the message, until `socket from` takes
    /// it (or the target's exit drops it).
    private func duplicate(_ call: ProviderCall, _ fd: Int32, of s: SocketID, on t: ThreadID,
                           to target: ProcessID) throws(Refusal) -> (CallResult, String?) {
        guard let (sending, receiving) = Kernel.socketPair() else {
            throw Refusal("duplicate: the system refused a socket pair (\(Kernel.errnoName(errno)))")
        }
        let p = process(of: t)
        var sendEnd = sending
        if let helper = processes[p.index].helper {
            let adopted = helper.adopt(sending)
            Kernel.close(sending)
            guard let adopted else {
                Kernel.close(receiving)
                noteEndedHelpers()
                throw Refusal("\(t) has exited with its process \(p) (\(endingAccount(p)))")
            }
            sendEnd = adopted
        }
        let result: CallResult, hostError: String?
        do {
            (result, hostError) = try run(call, on: t, socket: s, job: .sendDescriptor(fd, mailbox: sendEnd))
        } catch {
            Kernel.close(receiving)
            throw error
        }
        guard case .value(.protocolInfo(let pi)) = result else {
            Kernel.close(receiving)
            return (result, hostError)
        }
        if let helper = processes[target.index].helper {
            if let mailbox = helper.adopt(receiving) { protocolInfos[pi.index].holding = .message(mailbox: mailbox) }
            Kernel.close(receiving)
            noteEndedHelpers()
        } else {
            protocolInfos[pi.index].holding = .message(mailbox: receiving)
        }
        return (result, hostError)
    }

    /// Hands the job to T's worker and waits up to 100 ms. A send, recv or close still running
    /// then is reported blocked; anything else (it cannot block on loopback) is waited for.
    private func run(_ call: ProviderCall, on t: ThreadID, socket: SocketID?,
                     job: KernelJob) throws(Refusal) -> (CallResult, String?) {
        let progress = SendProgress()
        threads[t.index].inFlight = CallInFlight(call: call, socket: socket, progress: progress)
        kernelCallCount += 1
        start(job, on: t, progress: progress)
        if let done = waitForCompletion(of: t, until: MonotonicClock.now() + Laboratory.blockThreshold) {
            threads[t.index].inFlight = nil
            return try finish(call, socket: socket, done.result, by: t)
        }
        try refuseIfEnded(t, in: call)
        if Laboratory.canBlock(call) {
            threads[t.index].inFlight?.isBlocked = true
            emit(.threadBlocked(t, call.name), at: now())
            return (.blocked, nil)
        }
        let done = waitForCompletion(of: t, until: MonotonicClock.now() + Laboratory.hangLimit)
            ?? interruptUntilDone(t)
        threads[t.index].inFlight = nil
        try refuseIfEnded(t, in: call)
        guard let done else { throw Refusal("\(call.name) did not return, even when interrupted") }
        return try finish(call, socket: socket, done.result, by: t)
    }

    /// T's process died while the lab waited for T's call: the call never returned.
    private func refuseIfEnded(_ t: ThreadID, in call: ProviderCall) throws(Refusal) {
        noteEndedHelpers()
        guard threads[t.index].isExited else { return }
        let p = process(of: t)
        throw Refusal("\(call.name) did not return: \(p) exited while \(t) was in it (\(endingAccount(p)))")
    }

    /// The calls a thread can be shown blocked in (`BlockedCall`). An overlapped send or receive
    /// never blocks: what cannot finish at once pends as an operation.
    static func canBlock(_ call: ProviderCall) -> Bool {
        switch call {
        case .send(_, _, let overlapped), .recv(_, _, let overlapped): !overlapped
        case .close: true
        case .socket, .socketFromProtocolInfo, .connect, .setLinger, .setDontLinger, .getSockOpt, .setNonblocking,
             .shutdown, .duplicate, .startup, .cleanup, .cancelBlockingCall:
            false
        }
    }

    /// WSPCancelBlockingCall (R25): interrupts T's blocked system call with the thread-interrupt
    /// signal until it returns; its WAKE is in this command's outcome.
    private func cancel(_ t: ThreadID) throws(Refusal) -> (CallResult, String?) {
        guard let done = interruptUntilDone(t) else {
            try refuseIfEnded(t, in: .cancelBlockingCall)
            throw Refusal("\(t)'s blocked call did not return when interrupted")
        }
        wake(t, done)
        return (.value(.zero), nil)
    }

    /// A blocked call returned: `WAKE TN <call> = <result>`, stamped when it returned.
    func wake(_ t: ThreadID, _ done: Completion) {
        guard let flight = threads[t.index].inFlight else { return }
        threads[t.index].inFlight = nil
        do throws(Refusal) {
            let (result, _) = try finish(flight.call, socket: flight.socket, done.result, by: t)
            threads[t.index].lastResult = result
            emit(.threadWoke(t, flight.call.name, result), at: instant(at: done.finishedAt))
        } catch {
            threads[t.index].lastResult = nil
            pendingRefusal = Refusal("\(t) woke: \(error.message)")
        }
    }

    /// The kernel's answer, in the lab's terms; records what the call changed.
    func finish(_ call: ProviderCall, socket s: SocketID?, _ r: SystemResult,
                by t: ThreadID) throws(Refusal) -> (CallResult, String?) {
        if r.isPending, let s { return (.pending(try startOperation(call, socket: s, by: t, r)), nil) }
        if case .connect = call, let s, r.isSuccess || r.errno == EINPROGRESS {
            recordConnect(s, localPort: UInt16(truncatingIfNeeded: r.extra))
        }
        guard r.isSuccess else {
            guard let error = HostErrors.winsockError(for: r.errno, on: s.map { sockets[$0.index] }) else {
                throw HostErrors.unmapped(r.errno, in: call.name)
            }
            if r.errno == ECONNRESET, let s { notePeerReset(s) }
            return (.failure(error), Kernel.errnoName(r.errno))
        }
        let p = process(of: t)
        switch call {
        case .socket(let type, _):
            return (.value(.handle(addSocket(fd: Int32(r.value), type: type, in: p))), nil)
        case .socketFromProtocolInfo(let pi):
            protocolInfos[pi.index].isUsed = true
            return (.value(.handle(addHandle(fd: Int32(r.value), socket: protocolInfos[pi.index].socket, in: p))), nil)
        case .send, .recv:
            return (.value(.count(r.value)), nil)
        case .shutdown(_, let how):
            if let s {
                if how == 1 || how == 2 { sockets[s.index].didShutdownSend = true }
                if how == 0 || how == 2 { sockets[s.index].didShutdownReceive = true }
            }
            return (.value(.zero), nil)
        case .getSockOpt(_, let option):
            switch option {
            case .linger: return (.value(.linger(Linger(onoff: r.value, seconds: r.extra))), nil)
            case .dontLinger: return (.value(.bool(r.value == 0)), nil)
            case .sendBuffer: return (.value(.count(r.value)), nil)
            }
        case .duplicate(let h, let target):
            // Within one process the job made a dup; to another, `duplicate` records the mailbox.
            let pi = ProtocolInfoID(rawValue: protocolInfos.count + 1)
            protocolInfos.append(ProtocolInfoRecord(id: pi, socket: handles[h.index].socket, source: h, target: target,
                                                    holding: target == p ? .duplicate(fd: Int32(r.value)) : nil))
            return (.value(.protocolInfo(pi)), nil)
        case .connect, .setLinger, .setDontLinger, .setNonblocking, .close:
            return (.value(.zero), nil)
        case .startup, .cleanup, .cancelBlockingCall:
            preconditionFailure("\(call.name) never runs on a worker")
        }
    }

    /// `socket from piN` (R4's order of checks): an unknown block, another process's, one used
    /// already: WSAEINVAL. Then the descriptor: a dup already in this process becomes the handle
    /// as it is; one in flight is received out of its mailbox by T (J: it held the socket all
    /// along, so the source's last close does not matter); a block whose target process ended has
    /// none left (WSAENOTSOCK).
    private func takeProtocolInfo(_ pi: ProtocolInfoID, by t: ThreadID) throws(Refusal) -> (CallResult, String?) {
        guard protocolInfos.indices.contains(pi.index) else { return (.failure(.invalidArgument), nil) }
        let block = protocolInfos[pi.index]
        let p = process(of: t)
        guard block.target == p, !block.isUsed else { return (.failure(.invalidArgument), nil) }
        switch block.holding {
        case nil:
            return (.failure(.notSocket), Kernel.errnoName(EBADF))
        case .duplicate(let fd):
            protocolInfos[pi.index].holding = nil
            protocolInfos[pi.index].isUsed = true
            return (.value(.handle(addHandle(fd: fd, socket: block.socket, in: p))), nil)
        case .message(let mailbox):
            // The job closes the mailbox whatever it finds.
            protocolInfos[pi.index].holding = nil
            return try run(.socketFromProtocolInfo(pi), on: t, socket: block.socket, job: .takeDescriptor(mailbox: mailbox))
        }
    }

    /// Our socket's own receive reported the peer's reset: that is an observation too, and the
    /// error it consumed will not show in poll again.
    func notePeerReset(_ s: SocketID) {
        guard !sockets[s.index].sawPeerReset else { return }
        sockets[s.index].sawPeerReset = true
        emit(.peerResetReceived(s), at: now())
    }
}
