// The system calls of each provider call, as jobs a worker runs on its own thread. A job is data:
// numbers only (the fd, the sizes), never the lab, so the same job runs on a thread of the lab's
// own process or is written to a helper process and run on one of its threads (Helper.swift).
// The lab's records are touched only on the session's thread, when the job's result is collected.
//
// Descriptor numbers in a job are those of the process that runs it.

@preconcurrency import Glibc
import CLinuxTCP
import WinsockModel

/// One job: the system calls behind one provider call (or one step of an overlapped one).
enum KernelJob: Hashable, Sendable {
    /// WSPSocket: socket(2), then `set sndbuf`'s SO_SNDBUF and O_NONBLOCK for `socket nonblocking`.
    case socket(SocketType, nonblocking: Bool, sendBuffer: Int?)
    /// WSPConnect to 127.0.0.1:port (the lab's listener or datagram sink).
    case connect(Int32, port: UInt16)
    case setLinger(Int32, onoff: Int, seconds: Int)
    case setDontLinger(Int32, Bool)
    case getOption(Int32, SocketOption)
    case setNonblocking(Int32, Bool)
    /// A blocking-mode WSPSend / WSPRecv (the socket's own mode decides whether it waits).
    case send(Int32, bytes: Int)
    case receive(Int32, bytes: Int)
    case shutdown(Int32, how: Int)
    case close(Int32)
    /// WSPDuplicateSocket within one process: dup(2).
    case duplicate(Int32)
    /// WSPDuplicateSocket for another process: the descriptor goes into an SCM_RIGHTS message on
    /// `mailbox` (one end of a socket pair whose other end the target process holds); the job
    /// closes its end of the mailbox.
    case sendDescriptor(Int32, mailbox: Int32)
    /// `socket from piN` for a block sent by another process: the descriptor comes out of the
    /// message on `mailbox`, which the job then closes.
    case takeDescriptor(mailbox: Int32)
    /// An overlapped WSPSend / WSPRecv's first attempt, which never waits: done at once, or
    /// pending with a private duplicate of the descriptor for the operation's own thread.
    case startSend(Int32, bytes: Int)
    case startReceive(Int32, bytes: Int)
    /// The rest of a pending overlapped operation, on its own thread, through the duplicate its
    /// first attempt made (closed when the operation ends: J, the operation holds the socket).
    case finishSend(Int32, bytes: Int, queued: Int)
    case finishReceive(Int32, bytes: Int)

    /// Runs the job's system calls on the calling thread. `progress` follows a blocking send.
    func run(progress: SendProgress) -> SystemResult {
        switch self {
        case .socket(let type, let nonblocking, let sendBuffer):
            Jobs.socket(type, nonblocking: nonblocking, sendBuffer: sendBuffer)
        case .connect(let fd, let port):
            Jobs.connect(fd, to: Kernel.loopback(port: port))
        case .setLinger(let fd, let onoff, let seconds):
            Kernel.setLinger(fd, onoff: onoff, seconds: seconds)
        case .setDontLinger(let fd, let on):
            Jobs.setDontLinger(fd, on)
        case .getOption(let fd, let option):
            Jobs.getOption(fd, option)
        case .setNonblocking(let fd, let on):
            Kernel.setNonblocking(fd, on)
        case .send(let fd, let bytes):
            Jobs.send(fd, bytes: bytes, progress: progress)
        case .receive(let fd, let bytes):
            Jobs.receive(fd, bytes: bytes)
        case .shutdown(let fd, let how):
            .of(Glibc.shutdown(fd, Int32(clamping: how)))
        case .close(let fd):
            .of(Glibc.close(fd))
        case .duplicate(let fd):
            .of(closelab_dup_cloexec(fd))
        case .sendDescriptor(let fd, let mailbox):
            Jobs.sendDescriptor(fd, over: mailbox)
        case .takeDescriptor(let mailbox):
            Jobs.takeDescriptor(from: mailbox)
        case .startSend(let fd, let bytes):
            Jobs.startSend(fd, bytes: bytes)
        case .startReceive(let fd, let bytes):
            Jobs.startReceive(fd, bytes: bytes)
        case .finishSend(let own, let bytes, let queued):
            Jobs.finishSend(own, bytes: bytes, queued: queued)
        case .finishReceive(let own, let bytes):
            Jobs.finishReceive(own, bytes: bytes)
        }
    }
}

enum Jobs {
    /// socket(2), then SO_SNDBUF and O_NONBLOCK. A socket whose setup fails is closed again:
    /// failed calls allocate no names.
    static func socket(_ type: SocketType, nonblocking: Bool, sendBuffer: Int?) -> SystemResult {
        let kind = switch type {
        case .stream: Kernel.streamType
        case .dgram: Kernel.datagramType
        }
        let fd = Glibc.socket(AF_INET, kind, 0)
        guard fd >= 0 else { return .failure(errno) }
        var setup = SystemResult.success(0)
        if let sendBuffer { setup = Kernel.setIntOption(fd, SO_SNDBUF, sendBuffer) }
        if setup.isSuccess && nonblocking { setup = Kernel.setNonblocking(fd, true) }
        guard setup.isSuccess else {
            Kernel.close(fd)
            return setup
        }
        return .success(Int(fd))
    }

    /// connect(2). The socket's own port comes back in `extra` (its 4-tuple), also when a
    /// nonblocking connect is still in its handshake.
    static func connect(_ fd: Int32, to target: sockaddr_in) -> SystemResult {
        var result = Kernel.connect(fd, to: target)
        if result.isSuccess || result.errno == EINPROGRESS { result.extra = Int(Kernel.localPort(fd) ?? 0) }
        return result
    }

    /// WSPSetSockOpt(SO_DONTLINGER), emulated on the kernel's kept l_linger (R27): TRUE sets
    /// SO_LINGER {0, kept}, FALSE sets {1, kept}; Linux keeps l_linger while l_onoff is 0.
    static func setDontLinger(_ fd: Int32, _ on: Bool) -> SystemResult {
        switch Kernel.linger(fd) {
        case .failure(let error): .failure(error.code)
        case .success(let kept): Kernel.setLinger(fd, onoff: on ? 0 : 1, seconds: kept.seconds)
        }
    }

    /// WSPGetSockOpt: SO_LINGER and SO_DONTLINGER read the pair (value: l_onoff, extra: l_linger);
    /// SO_SNDBUF reads the kernel's value (twice what was set: the kernel doubles it).
    static func getOption(_ fd: Int32, _ option: SocketOption) -> SystemResult {
        switch option {
        case .linger, .dontLinger:
            switch Kernel.linger(fd) {
            case .failure(let error): .failure(error.code)
            case .success(let linger): .success(linger.onoff, extra: linger.seconds)
            }
        case .sendBuffer:
            switch Kernel.intOption(fd, SO_SNDBUF) {
            case .failure(let error): .failure(error.code)
            case .success(let size): .success(size)
            }
        }
    }

    /// Runs `body` on a private duplicate of `fd`, closed when it ends. A call made of several
    /// system calls (a send in chunks) must never pass `fd` itself to the kernel after its first
    /// one: another thread may close `fd` meanwhile (J: closing under a blocked call) and the
    /// number may be handed to a new socket. The duplicate is what the kernel's in-flight call
    /// holds anyway: the socket lives until the call ends, then its own close happens here.
    static func holding(_ fd: Int32, _ body: (Int32) -> SystemResult) -> SystemResult {
        let own = closelab_dup_cloexec(fd)
        guard own >= 0 else { return .failure(errno) }
        defer { Glibc.close(own) }
        return body(own)
    }

    /// WSPSend: `bytes` zeros with MSG_NOSIGNAL (a send on a reset connection fails with EPIPE
    /// instead of raising SIGPIPE), in chunks; a blocking socket blocks until all are queued, a
    /// nonblocking one queues what fits. Bytes already queued when a later chunk fails are the
    /// call's result, as a single large send(2) would report them.
    static func send(_ fd: Int32, bytes: Int, progress: SendProgress) -> SystemResult {
        progress.queued.store(0, ordering: .relaxed)
        return holding(fd) { own in
            var sent = 0
            repeat {
                let rc = Glibc.send(own, zeroBytes, min(sendChunk, bytes - sent), Kernel.noSignal)
                if rc < 0 {
                    let code = errno
                    return sent > 0 ? .success(sent) : .failure(code)
                }
                sent += rc
                progress.queued.store(sent, ordering: .relaxed)
            } while sent < bytes
            return .success(sent)
        }
    }

    /// WSPRecv: up to `bytes`, discarded. The first recv(2) blocks as the socket's mode says; what
    /// else is already there is taken without waiting, as one large recv(2) would take it.
    static func receive(_ fd: Int32, bytes: Int) -> SystemResult {
        holding(fd) { own in
            let rc = Glibc.recv(own, receiveBuffer, min(sendChunk, bytes), 0)
            guard rc >= 0 else { return .failure(errno) }
            return .success(rc + takeWaiting(own, after: rc, upTo: bytes))
        }
    }

    /// What else is already waiting, after a receive that took `first` bytes, without waiting. It
    /// stops where one large recv(2) would: at the end of the queued bytes when a reset's error waits
    /// behind them (poll's POLLERR does not consume it), so the error stays for the next call, which
    /// reports it once (J: tcp_recvmsg_locked returns what it copied and leaves sk_err).
    private static func takeWaiting(_ fd: Int32, after first: Int, upTo bytes: Int) -> Int {
        var taken = 0
        var rc = first
        while rc > 0 && first + taken < bytes {
            let errorWaits = Kernel.pollNow(fd, Kernel.pollIn) & Kernel.pollError != 0
            if errorWaits && (Kernel.receiveQueue(fd) ?? 0) == 0 { break }
            rc = Glibc.recv(fd, receiveBuffer, min(sendChunk, bytes - first - taken), Kernel.dontWait)
            if rc > 0 { taken += rc }
        }
        return taken
    }

    /// The descriptor into an SCM_RIGHTS message on `mailbox` (whose end this closes): a bad `fd`
    /// fails with EBADF, as dup would.
    static func sendDescriptor(_ fd: Int32, over mailbox: Int32) -> SystemResult {
        defer { Kernel.close(mailbox) }
        let sent = Kernel.sendMessage(mailbox, [Jobs.mailboxMark], descriptor: fd)
        return sent.isSuccess ? .success(0) : sent
    }

    /// The descriptor out of the message on `mailbox` (whose end this closes). A mailbox with no
    /// message, or one whose descriptor is gone, fails with EBADF: the block no longer holds a
    /// socket.
    static func takeDescriptor(from mailbox: Int32) -> SystemResult {
        defer { Kernel.close(mailbox) }
        switch Kernel.receiveMessage(mailbox, into: Kernel.MessageBuffer(words: 1), waiting: false) {
        case .failure(let error): return .failure(error.code == EAGAIN ? EBADF : error.code)
        case .success(.endOfStream): return .failure(EBADF)
        case .success(.message(let message)):
            guard let fd = message.descriptor else { return .failure(EBADF) }
            return .success(Int(fd))
        }
    }

    /// The one integer a mailbox message carries beside its descriptor.
    static let mailboxMark: Int64 = 1

    /// An overlapped send's first attempt (R44): what fits now is queued without waiting, whatever
    /// the socket's mode. All of it: done. Some or none and no error: pending, holding its own
    /// duplicate of the descriptor (`value`), `extra` bytes queued so far.
    static func startSend(_ fd: Int32, bytes: Int) -> SystemResult {
        var sent = 0
        while sent < bytes {
            let rc = Glibc.send(fd, zeroBytes, min(sendChunk, bytes - sent), Kernel.noSignal | Kernel.dontWait)
            if rc < 0 {
                let code = errno
                if code == EAGAIN { break }
                return sent > 0 ? .success(sent) : .failure(code)
            }
            sent += rc
        }
        if sent == bytes { return .success(sent) }
        return pending(holding: fd, queued: sent)
    }

    /// An overlapped receive's first attempt (R45): data waiting, the peer's FIN or an error
    /// answer at once; nothing yet: pending, holding its own duplicate of the descriptor.
    static func startReceive(_ fd: Int32, bytes: Int) -> SystemResult {
        let rc = Glibc.recv(fd, receiveBuffer, min(sendChunk, bytes), Kernel.dontWait)
        if rc >= 0 { return .success(rc + takeWaiting(fd, after: rc, upTo: bytes)) }
        let code = errno
        return code == EAGAIN ? pending(holding: fd, queued: 0) : .failure(code)
    }

    private static func pending(holding fd: Int32, queued: Int) -> SystemResult {
        let own = closelab_dup_cloexec(fd)
        guard own >= 0 else { return .failure(errno) }
        return SystemResult(value: Int(own), errno: 0, extra: queued, isPending: true)
    }

    /// The rest of a pending overlapped send: waits for room (poll, so the socket's O_NONBLOCK
    /// does not matter: an overlapped call wins over the mode) until all `bytes` are queued.
    /// Fails with the first error; a failure after some bytes were queued reports them in `extra`.
    static func finishSend(_ own: Int32, bytes: Int, queued: Int) -> SystemResult {
        defer { Kernel.close(own) }
        var sent = queued
        while sent < bytes {
            let rc = Glibc.send(own, zeroBytes, min(sendChunk, bytes - sent), Kernel.noSignal | Kernel.dontWait)
            if rc >= 0 { sent += rc; continue }
            let code = errno
            if code != EAGAIN { return SystemResult(value: -1, errno: code, extra: sent) }
            if let failure = waitUntilReady(own, Kernel.pollOut) {
                return SystemResult(value: -1, errno: failure, extra: sent)
            }
        }
        return .success(sent)
    }

    /// The rest of a pending overlapped receive: the first bytes that arrive (and what else came
    /// with them), 0 at the peer's FIN, or the error (a reset: ECONNRESET).
    static func finishReceive(_ own: Int32, bytes: Int) -> SystemResult {
        defer { Kernel.close(own) }
        while true {
            let rc = Glibc.recv(own, receiveBuffer, min(sendChunk, bytes), Kernel.dontWait)
            if rc >= 0 { return .success(rc + takeWaiting(own, after: rc, upTo: bytes)) }
            let code = errno
            if code != EAGAIN { return .failure(code) }
            if let failure = waitUntilReady(own, Kernel.pollIn) { return .failure(failure) }
        }
    }

    /// Waits, without a deadline, until poll reports `events` (or an error or hang-up, which the
    /// next call then reports). Returns EINTR when the thread-interrupt signal ended the wait
    /// (the lab is shutting down), nil otherwise.
    private static func waitUntilReady(_ fd: Int32, _ events: Int16) -> Int32? {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, -1) < 0 ? errno : nil
    }
}

/// Where every receive puts what it takes (the lab never looks at the bytes). One buffer shared by
/// every thread: the bytes are thrown away, so concurrent writes into it do no harm.
nonisolated(unsafe) let receiveBuffer: UnsafeMutableRawPointer = malloc(sendChunk)!
