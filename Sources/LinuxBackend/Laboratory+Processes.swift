// Processes and threads: `process new` spawns a helper (HelperProcess), `process exit` ends it with
// _exit so that the kernel's exit-time close is what is observed (J: it never lingers), and a
// helper that dies any other way is reported as its process's exit. A lab thread runs its calls
// on a worker of P1 or on a thread of its helper, through the same four steps below.

@preconcurrency import Glibc
import LabSession
import WinsockModel

extension Laboratory {
    // MARK: process new, process exit

    /// `process new`: a helper process with one thread.
    func newProcess() throws(Refusal) -> Outcome {
        try checkRunning()
        observe()
        try takePendingRefusal()
        let p = ProcessID(rawValue: processes.count + 1)
        let helper = try HelperProcess.spawn(p, executable: helperExecutable, spawner: try ensureSpawner())
        processes.append(ProcessRecord(id: p, helper: helper))
        do {
            try addThread(in: p)
        } catch {
            processes[p.index].ending = helper.end(abortively: true)
            throw error
        }
        observe()
        return outcome(nil, created: .process(p))
    }

    /// The spawner thread, made once.
    private func ensureSpawner() throws(Refusal) -> Worker {
        if let spawner { return spawner }
        do {
            let made = try Worker()
            spawner = made
            return made
        } catch {
            throw Refusal("process new: the system refused a thread (\(Kernel.errnoName(error.code)))")
        }
    }

    /// `process exit PN`: the helper calls _exit, and the kernel closes everything it held as at
    /// any process exit (J: without lingering; RST for linger {1, 0} and for unread data). P1 is
    /// the lab itself and cannot exit.
    func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome {
        try checkRunning()
        guard let record = processRecord(p) else { throw Refusal("there is no process \(p)") }
        guard let helper = record.helper else {
            throw Refusal("process exit \(p) has no counterpart under the linux backend: \(p) is closelab itself "
                + "(a process made with `process new` can exit)")
        }
        guard record.isAlive else { throw Refusal("\(p) has already exited") }
        observe()
        try takePendingRefusal()
        guard record.isAlive else { throw Refusal("\(p) has already exited (\(endingAccount(p)))") }
        let released = handles.filter { $0.process == p && $0.isOpen }.map(\.id)
        let ending = helper.end(abortively: false)
        processEnded(p, ending, expected: true)
        observe()
        return outcome(nil, released: released)
    }

    /// Helpers whose control socket closed since the last look died (killed, crashed): each is
    /// reaped and its process reported exited.
    func noteEndedHelpers() {
        for p in processes.indices {
            guard let helper = processes[p].helper, processes[p].isAlive, !helper.isConnected else { continue }
            let ending = helper.reap(until: MonotonicClock.now() + HelperProcess.answerLimit) ?? helper.kill()
            processEnded(processes[p].id, ending, expected: false)
        }
    }

    /// What a process's end does to the lab's records, whatever ended it (R39): its threads are
    /// exited (a blocked call never returns: no WAKE), its handles released, its unused blocks
    /// gone with it (the dup or the mailbox closed at its exit, and the message in the mailbox
    /// with it), its pending operations aborted. If it was current, P1 becomes current.
    func processEnded(_ p: ProcessID, _ ending: HelperEnding, expected: Bool) {
        processes[p.index].ending = ending
        for t in processes[p.index].threads {
            threads[t.index].isExited = true
            threads[t.index].inFlight = nil
        }
        for i in handles.indices where handles[i].process == p && handles[i].isOpen {
            handles[i].fd = nil
            releasedHandles.append(handles[i].id)
            touch(handles[i].socket)
        }
        for i in protocolInfos.indices where protocolInfos[i].target == p && protocolInfos[i].holding != nil {
            protocolInfos[i].holding = nil
            touch(protocolInfos[i].socket)
        }
        let time = now()
        for i in operations.indices where operations[i].runner != nil && process(of: operations[i].thread) == p {
            operations[i].runner = nil
            operations[i].status = .failed(.operationAborted)
            touch(operations[i].id)
            touch(operations[i].socket)
            emit(.operationAborted(operations[i].id, .operationAborted), at: time)
        }
        if threads[current.index].process == p {
            current = preferredThread(of: Laboratory.labProcess)
        }
        let how = expected ? "its helper called _exit" : "its helper \(ending) (pid \(processes[p.index].helper?.pid ?? 0))"
        pendingNotes.append(RuleNote(.r39, "[linux] \(p) exited: \(how), and the kernel closed every descriptor it held "
            + "as at any process exit, without lingering; its threads are exited and its pending operations aborted."))
    }

    /// How `p` ended, for messages.
    func endingAccount(_ p: ProcessID) -> String {
        guard let ending = processes[p.index].ending else { return "it is live" }
        return "its helper \(ending)"
    }

    // MARK: Threads

    /// `thread new [PN]`: a new real thread in PN (default: the current thread's process).
    func newThread(in p: ProcessID?) throws(Refusal) -> Outcome {
        try checkRunning()
        let p = p ?? process(of: current)
        guard processRecord(p) != nil else { throw Refusal("there is no process \(p)") }
        observe()
        guard processes[p.index].isAlive else { throw Refusal("\(p) has exited (\(endingAccount(p)))") }
        let t = try addThread(in: p)
        observe()
        return outcome(nil, created: .thread(t))
    }

    /// `use PN`: its first thread that is not blocked, else its first thread.
    func use(_ p: ProcessID) throws(Refusal) {
        guard let record = processRecord(p) else { throw Refusal("there is no process \(p)") }
        noteEndedHelpers()
        guard processes[p.index].isAlive else { throw Refusal("\(p) has exited (\(endingAccount(p)))") }
        current = preferredThread(of: record.id)
    }

    func use(_ t: ThreadID) throws(Refusal) {
        guard let record = threadRecord(t) else { throw Refusal("there is no thread \(t)") }
        noteEndedHelpers()
        guard !threads[t.index].isExited else { throw Refusal("\(t) has exited with its process \(record.process)") }
        current = t
    }

    func preferredThread(of p: ProcessID) -> ThreadID {
        let own = processes[p.index].threads
        return own.first { !threads[$0.index].isBlocked } ?? own[0]
    }

    // MARK: Running jobs on a thread, wherever it is

    /// Hands `job` to T's real thread.
    func start(_ job: KernelJob, on t: ThreadID, progress: SendProgress) {
        switch threads[t.index].host {
        case .lab(let worker):
            worker.start { job.run(progress: progress) }
        case .helper(let helper, index: let index, kernelThreadID: _):
            helper.send(.run(thread: index, job))
        }
    }

    /// T's job's completion once it comes, waiting until `deadline` at most (nil: still running,
    /// or T's process died meanwhile, which `noteEndedHelpers` then reports).
    func waitForCompletion(of t: ThreadID, until deadline: Int64) -> Completion? {
        switch threads[t.index].host {
        case .lab(let worker): worker.waitForCompletion(until: deadline)
        case .helper(let helper, index: let index, kernelThreadID: _): helper.waitForCall(index, until: deadline)
        }
    }

    /// T's finished job's completion, if it finished (no waiting).
    func takeCompletion(of t: ThreadID) -> Completion? {
        switch threads[t.index].host {
        case .lab(let worker): worker.takeCompletion()
        case .helper(let helper, index: let index, kernelThreadID: _): helper.takeCall(index)
        }
    }

    /// Interrupts T's blocked system call until it returns (WSPCancelBlockingCall); its completion.
    func interruptUntilDone(_ t: ThreadID) -> Completion? {
        switch threads[t.index].host {
        case .lab(let worker):
            return worker.interruptUntilDone()
        case .helper(let helper, index: let index, kernelThreadID: _):
            guard helper.send(.interrupt(thread: index)) else { return nil }
            return helper.waitForCall(index, until: MonotonicClock.now() + HelperProcess.answerLimit)
        }
    }

    /// The kernel thread ids of P1's threads (tests find them in /proc/self/task).
    var labThreadIDs: [pid_t] {
        threads.compactMap { thread in
            if case .lab(let worker) = thread.host { worker.threadID } else { nil }
        }
    }
}
