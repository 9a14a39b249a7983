/// The provider calls: the entry point and the checks every call makes first. Each call family has
/// its own file (World+Socket, +Options, +Send, +Recv, +Shutdown, +Close, +Duplicate, +Startup,
/// +Cancel). Each checks, in R48's order, WSAEINPROGRESS (R24), WSANOTINITIALISED (R35) and
/// WSAENOTSOCK (R1, R5) before its own checks.
extension World {
    /// Issues a provider call from `thread` (default: the current thread).
    /// Throws only for what is an invalid line: no live process, or a thread that cannot call.
    public mutating func perform(_ call: ProviderCall, by thread: ThreadID? = nil) throws(Refusal) -> Outcome {
        guard let t = thread ?? current else {
            throw Refusal("no process is live: provider calls need one (`process new`)")
        }
        guard let th = self.thread(t) else { throw Refusal("there is no thread \(t)") }
        guard th.state != .exited else { throw Refusal("\(t) has exited with its process \(th.process)") }
        if let h = call.handle, let handle = handle(h) { sockets.unpack(handle.socket.index) }
        var outcome = try request { w throws(Refusal) in
            let result = w.dispatch(call, by: t)
            w.lastResult = result
            let cancelled = (call == .cancelBlockingCall && result == .value(.zero))
            if result != .blocked && !cancelled {
                w.updateThread(t) { $0.lastResult = result }
            }
            return result
        }
        if settings.profile.showsErrno, case .failure(let error)? = outcome.result {
            outcome.hostError = World.linuxErrno(for: error, in: call)
        }
        return outcome
    }

    mutating func dispatch(_ call: ProviderCall, by t: ThreadID) -> CallResult {
        let p = threads[t.index].process
        if let error = commonError(call, by: t, in: p) { return .failure(error) }
        switch call {
        case .socket(let type, let nonblocking): return createSocket(type, nonblocking: nonblocking, in: p)
        case .socketFromProtocolInfo(let pi): return socketFromProtocolInfo(pi, in: p)
        case .connect(let h): return connect(h)
        case .setLinger(let h, let onoff, let seconds): return setLinger(h, Linger(onoff: onoff, seconds: seconds))
        case .setDontLinger(let h, let on): return setDontLinger(h, on)
        case .getSockOpt(let h, let option): return getSockOpt(h, option)
        case .setNonblocking(let h, let on): return setNonblocking(h, on)
        case .send(let h, let n, let overlapped): return send(h, bytes: n, overlapped: overlapped, by: t)
        case .recv(let h, let n, let overlapped): return recv(h, bytes: n, overlapped: overlapped, by: t)
        case .shutdown(let h, let how): return shutdown(h, how: how)
        case .close(let h): return closeSocket(h, by: t)
        case .duplicate(let h, let target): return duplicate(h, for: target)
        case .startup: return startup(p)
        case .cleanup: return cleanup(p)
        case .cancelBlockingCall: return cancelBlockingCall(by: t)
        }
    }

    /// R48: WSAEINPROGRESS, then WSANOTINITIALISED, then WSAENOTSOCK.
    mutating func commonError(_ call: ProviderCall, by t: ThreadID, in p: ProcessID) -> WinsockError? {
        if let blocked = threads[t.index].blockedCall, call != .cancelBlockingCall {
            note(.r48, "when several errors apply, WSAEINPROGRESS is reported first, then WSANOTINITIALISED, then WSAENOTSOCK.")
            note(.r24, "\(t) is blocked in \(blocked.name), so it can only call from its blocking hook: every call but WSPCancelBlockingCall fails with WSAEINPROGRESS and changes nothing.")
            return .inProgress
        }
        if processes[p.index].startupCount == 0 && call != .startup {
            note(.r35, "\(p) has no WSPStartup in force (its count is 0), so every call fails with WSANOTINITIALISED until the next WSPStartup.")
            return .notInitialised
        }
        if let h = call.handle {
            guard let handle = handle(h) else {
                note(.r1, "\(h) never was a handle, so the call fails with WSAENOTSOCK.")
                if settings.profile.showsErrno {
                    note(.r1, "[linux] the process's descriptor table has no file at that number (fdget), so the kernel fails the call with EBADF.")
                }
                return .notSocket
            }
            guard handle.isOpen else {
                note(.r1, "\(h) was released by an earlier close, so any call through it fails with WSAENOTSOCK.")
                if settings.profile.showsErrno {
                    note(.r1, "[linux] the process's descriptor table has no file at that number (close_fd, fdget), so the kernel fails the call with EBADF.")
                }
                if call.name == .setSockOpt || call.name == .getSockOpt {
                    note(.r30, "getting or setting an option through a closed descriptor fails with WSAENOTSOCK and changes nothing.")
                }
                return .notSocket
            }
            guard handle.process == p else {
                note(.r5, "\(h) belongs to \(handle.process); a descriptor is valid only in its own process, so a call from \(p) fails with WSAENOTSOCK.")
                return .notSocket
            }
        }
        return nil
    }

    /// The socket a descriptor refers to (the calls use it once `commonError` let them through).
    func socketID(of h: HandleID) -> SocketID { handles[h.index].socket }

    // MARK: Shared by the calls

    /// The calling thread blocks in `call` (`BLOCK TN <call>`) until a rule wakes it.
    mutating func block(_ t: ThreadID, in call: BlockedCall) {
        updateThread(t) { $0.state = .blocked(call) }
        emit(.threadBlocked(t, call.name))
    }

    /// An overlapped send or receive that cannot finish at once becomes `opN`, pending through its
    /// descriptor (R44, R45): WSA_IO_PENDING.
    mutating func makeOperation(_ kind: OverlappedOperation.Kind, through h: HandleID, socket s: SocketID,
                                by t: ThreadID, bytes n: Int) -> OperationID {
        let op = OperationID(rawValue: operations.count + 1)
        operations.append(OverlappedOperation(id: op, kind: kind, handle: h, descriptor: handles[h.index].serial, socket: s,
                                    process: handles[h.index].process, thread: t, requested: n))
        touch(op)
        updateHandle(h) { $0.countPending(by: +1) }
        return op
    }
}
