// Overlapped send and receive (R44, R45). Linux has no overlapped I/O on sockets, so an operation
// is what the kernel does for a thread that makes the call and waits: its first attempt runs on
// the issuing thread and never waits (done at once: the call's result); what cannot finish then
// pends as `opN` on a thread of its own, in the issuing process, through a private duplicate of
// the descriptor. That duplicate is the operation's hold on the socket: closing the descriptor
// neither aborts nor wakes it, and the socket's own close happens when it ends (J).
//
//   WSPRecv(h1, 100, overlapped)  ─▶ T1: recv(MSG_DONTWAIT)   data, FIN, error: the result
//                                       └─ EAGAIN: dup ─▶ op1's thread: poll, recv, close(dup)
//   COMPLETE op1 10 / ABORT op1 WSAECONNRESET  ◀── observed when it returns, like WAKE
//
// io_uring would hold the file the same way; plain threads need no probing and work wherever the
// lab does (io_uring_setup is often refused in containers and to unprivileged users).

@preconcurrency import Glibc
import LabSession
import WinsockModel

extension Laboratory {
    /// A first attempt that pended (`r`: the duplicate and what it queued): names the operation
    /// and starts its thread in T's process.
    func startOperation(_ call: ProviderCall, socket s: SocketID, by t: ThreadID,
                        _ r: SystemResult) throws(Refusal) -> OperationID {
        let own = Int32(r.value)
        let kind: OperationKind, h: HandleID, job: KernelJob, bytes: Int
        switch call {
        case .send(let handle, let n, _):
            (kind, h, bytes, job) = (.send, handle, n, .finishSend(own, bytes: n, queued: r.extra))
        case .recv(let handle, let n, _):
            (kind, h, bytes, job) = (.recv, handle, n, .finishReceive(own, bytes: n))
        case .socket, .socketFromProtocolInfo, .connect, .setLinger, .setDontLinger, .getSockOpt, .setNonblocking,
             .shutdown, .close, .duplicate, .startup, .cleanup, .cancelBlockingCall:
            preconditionFailure("only an overlapped send or receive pends")
        }
        let op = OperationID(rawValue: operations.count + 1)
        let runner: OperationRunner
        if let helper = processes[process(of: t).index].helper {
            helper.send(.startOperation(operation: op.rawValue, job))
            runner = .helper(helper)
        } else {
            do {
                let worker = try Worker()
                worker.start { job.run(progress: SendProgress()) }
                runner = .lab(worker)
            } catch {
                Kernel.close(own)
                throw Refusal("\(call.name): the system refused the operation a thread (\(Kernel.errnoName(error.code)))")
            }
        }
        operations.append(OperationRecord(id: op, kind: kind, handle: h, descriptor: handles[h.index].serial, socket: s,
                                          thread: t, requested: bytes, runner: runner))
        touch(op)
        touch(s)
        return op
    }

    /// `COMPLETE opN n` or `ABORT opN error` for each operation whose thread returned, stamped when
    /// it returned; an operation of a helper reports through the helper's `operationDone`.
    func collectOperations() {
        for i in operations.indices {
            guard let runner = operations[i].runner else { continue }
            let done: Completion?
            switch runner {
            case .lab(let worker):
                done = worker.takeCompletion()
                if done != nil { worker.stop() }
            case .helper(let helper):
                done = helper.takeOperation(operations[i].id.rawValue)
            }
            if let done { finish(operations[i].id, done) }
        }
    }

    private func finish(_ op: OperationID, _ done: Completion) {
        let record = operations[op.index]
        operations[op.index].runner = nil
        touch(op)
        touch(record.socket)
        let r = done.result, time = instant(at: done.finishedAt)
        if r.isSuccess {
            operations[op.index].status = .completed
            operations[op.index].bytes = r.value
            emit(.operationCompleted(op, r.value), at: time)
            return
        }
        guard let error = HostErrors.winsockError(for: r.errno, on: sockets[record.socket.index]) else {
            operations[op.index].status = .failed(.operationAborted)
            let call: CallName = record.kind == .send ? .send : .recv
            pendingRefusal = Refusal("\(op) ended: \(HostErrors.unmapped(r.errno, in: call).message)")
            return
        }
        if r.errno == ECONNRESET { notePeerReset(record.socket) }
        operations[op.index].status = .failed(error)
        operations[op.index].bytes = max(0, r.extra)
        emit(.operationAborted(op, error), at: time)
    }

    /// Pending operations issued through the descriptor that bears the name `h` now (the PENDING
    /// column; not an earlier descriptor the name belonged to).
    func pendingOperationCount(through h: HandleID) -> Int {
        let serial = handles[h.index].serial
        return operations.reduce(0) { $0 + ($1.handle == h && $1.descriptor == serial && $1.status == .pending ? 1 : 0) }
    }
}
