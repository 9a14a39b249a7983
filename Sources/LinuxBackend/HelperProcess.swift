// The lab's side of one helper process (Helper.swift is the other side, HelperProtocol.swift
// what they say). Spawned with posix_spawn, never fork: the lab has threads, and a forked copy of
// a threaded process may inherit a lock some other thread held. It is spawned from the lab's
// spawner thread, which lives as long as the lab: PR_SET_PDEATHSIG fires when the thread that
// spawned the helper ends, so a helper dies with the lab even if the lab is killed.
//
// Who owns which descriptor:
//   - the lab: its end of the control socket (close-on-exec, so no later helper inherits it);
//   - the helper: fd 3 (its end), /dev/null as 0 and 1, the lab's stderr as 2, and nothing else
//     from the lab (closefrom(4) in the spawn); then what its jobs make and what it adopts.
// Only the session's thread uses this object (LinuxLab serialises every call).

@preconcurrency import Glibc
import CLinuxTCP
import WinsockModel

/// How a helper process ended, as waitpid reported it.
enum HelperEnding: Hashable, Sendable, CustomStringConvertible {
    case exited(status: Int32)
    case killed(signal: Int32)

    var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .killed(let signal): "was killed by \(HelperEnding.signalName(signal))"
        }
    }

    /// `SIGKILL` for 9.
    static func signalName(_ signal: Int32) -> String {
        guard let name = closelab_signal_name(signal) else { return "signal \(signal)" }
        return "SIG" + String(cString: name)
    }
}

/// One helper process, as the lab sees it.
final class HelperProcess {
    /// The largest message either side sends, in integers (a sample of about 9,000 sockets).
    static let largestMessage = 65_536
    /// A sample request lists at most this many descriptors (its reply must fit in one packet,
    /// which the socket's send buffer bounds).
    static let samplesPerRequest = 1_024
    /// How long the lab waits for a helper to answer a request that never blocks.
    static let answerLimit: Int64 = 5_000_000_000

    let process: ProcessID
    let pid: pid_t
    /// The lab's end of the control socket; nil once the helper is gone (or being ended).
    private var control: Int32?
    private let buffer = Kernel.MessageBuffer(words: HelperProcess.largestMessage)
    /// Replies that came while the lab waited for something else.
    private var finishedCalls: [Int: Completion] = [:]
    private var finishedOperations: [Int: Completion] = [:]
    /// Set once it was reaped.
    private(set) var ending: HelperEnding?

    private init(process: ProcessID, pid: pid_t, control: Int32) {
        self.process = process
        self.pid = pid
        self.control = control
    }

    /// Whether the control socket is still open (false: the helper died, or was told to end).
    var isConnected: Bool { control != nil }

    // MARK: Starting

    /// Spawns `executable --linux-helper PN <lab pid>` from `spawner`'s thread and waits for its
    /// `ready`. Throws when the system refuses a socket pair or a process, or the helper does not
    /// answer (it is killed and reaped then).
    static func spawn(_ process: ProcessID, executable: String, spawner: Worker) throws(Refusal) -> HelperProcess {
        guard let (lab, child) = Kernel.socketPair() else {
            throw Refusal("process new: the system refused a socket pair (\(Kernel.errnoName(errno)))")
        }
        // argv[0] is the name `ps` shows; the executable itself may be /proc/self/exe.
        let arguments = ["closelab", LinuxHelper.argument, process.description, String(getpid())]
        spawner.start { HelperProcess.spawnJob(executable: executable, arguments: arguments, control: child) }
        let done = spawner.waitForCompletion(until: MonotonicClock.now() + answerLimit)
        Kernel.close(child)
        guard let done, done.result.isSuccess else {
            Kernel.close(lab)
            let why = done.map { Kernel.errnoName($0.result.errno) } ?? "no answer"
            throw Refusal("process new: the system refused a process (posix_spawn \(executable): \(why))")
        }
        let helper = HelperProcess(process: process, pid: pid_t(done.result.value), control: lab)
        guard case .ready(let pid)? = helper.receiveReply(until: MonotonicClock.now() + answerLimit),
              pid == helper.pid else {
            let ending = helper.kill()
            throw Refusal("process new: the helper \(executable) did not start (it \(ending))")
        }
        return helper
    }

    /// posix_spawn with the helper's descriptors (the table above), its own process group (the
    /// terminal's Ctrl-C and Ctrl-Z are the lab's, not its), every signal at its default action
    /// and none blocked. Returns the pid, or the error number posix_spawn gave.
    private static func spawnJob(executable: String, arguments: [String], control: Int32) -> SystemResult {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        // dup2 onto itself would leave close-on-exec set: move the control end off fd 3 first.
        let source = control == LinuxHelper.controlDescriptor ? closelab_dup_cloexec(control) : control
        defer { if source != control { Kernel.close(source) } }
        var failure = posix_spawn_file_actions_adddup2(&actions, source, LinuxHelper.controlDescriptor)
        if failure == 0 { failure = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if failure == 0 { failure = posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
        if failure == 0 { failure = closelab_spawn_add_closefrom(&actions, LinuxHelper.controlDescriptor + 1) }
        var everySignal = sigset_t(), noSignal = sigset_t()
        sigfillset(&everySignal)
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        guard failure == 0 else { return .failure(failure) }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        failure = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        return failure == 0 ? .success(Int(pid)) : .failure(failure)
    }

    // MARK: Requests and replies

    /// Sends one request (with `descriptor`, SCM_RIGHTS). False when the helper is gone.
    @discardableResult
    func send(_ request: HelperRequest, descriptor: Int32? = nil) -> Bool {
        guard let control else { return false }
        if Kernel.sendMessage(control, request.words, descriptor: descriptor).isSuccess { return true }
        disconnect()
        return false
    }

    /// Sends a request and waits for its answer; nil when the helper died or did not answer in
    /// time (then it is killed: a helper that stops answering cannot be trusted with sockets).
    func ask(_ request: HelperRequest, descriptor: Int32? = nil) -> HelperReply? {
        guard send(request, descriptor: descriptor) else { return nil }
        if let reply = receiveReply(until: MonotonicClock.now() + HelperProcess.answerLimit) { return reply }
        if isConnected { _ = kill() }
        return nil
    }

    /// The next reply that answers a request, keeping every `done` and `operationDone` that
    /// comes first; nil at the deadline or when the helper is gone.
    private func receiveReply(until deadline: Int64) -> HelperReply? {
        while let reply = receive(until: deadline) {
            switch reply {
            case .done(let thread, let completion): finishedCalls[thread] = completion
            case .operationDone(let operation, let completion): finishedOperations[operation] = completion
            case .ready, .threadStarted, .samples, .adopted: return reply
            }
        }
        return nil
    }

    /// One message, waiting until `deadline` (0: only what is there now). Malformed ones are
    /// skipped; the end of the stream disconnects.
    private func receive(until deadline: Int64) -> HelperReply? {
        while let control {
            switch Kernel.receiveMessage(control, into: buffer, waiting: false) {
            case .success(.message(let message)):
                if let fd = message.descriptor { Kernel.close(fd) }   // a helper never sends one
                if let reply = HelperReply(words: message.words) { return reply }
            case .success(.endOfStream):
                disconnect()
            case .failure(let error) where error.code == EAGAIN:
                let left = deadline - MonotonicClock.now()
                guard left > 0 else { return nil }
                var entry = pollfd(fd: control, events: Kernel.pollIn, revents: 0)
                _ = poll(&entry, 1, Int32(clamping: (left + 999_999) / 1_000_000))
            case .failure:
                disconnect()
            }
        }
        return nil
    }

    /// Reads whatever arrived, without waiting: completions are kept, a closed end noticed.
    func collect() {
        while let reply = receive(until: 0) {
            switch reply {
            case .done(let thread, let completion): finishedCalls[thread] = completion
            case .operationDone(let operation, let completion): finishedOperations[operation] = completion
            case .ready, .threadStarted, .samples, .adopted: break   // an answer nobody waits for any more
            }
        }
    }

    /// Thread `index`'s call's completion once it comes, waiting until `deadline` at most.
    func waitForCall(_ index: Int, until deadline: Int64) -> Completion? {
        while finishedCalls[index] == nil, isConnected, MonotonicClock.now() < deadline {
            guard let reply = receive(until: deadline) else { break }
            switch reply {
            case .done(let thread, let completion): finishedCalls[thread] = completion
            case .operationDone(let operation, let completion): finishedOperations[operation] = completion
            case .ready, .threadStarted, .samples, .adopted: break
            }
        }
        return finishedCalls.removeValue(forKey: index)
    }

    /// Thread `index`'s finished call, if one came (no waiting beyond what already arrived).
    func takeCall(_ index: Int) -> Completion? {
        collect()
        return finishedCalls.removeValue(forKey: index)
    }

    /// Operation `operation`'s end, if it came.
    func takeOperation(_ operation: Int) -> Completion? {
        finishedOperations.removeValue(forKey: operation)
    }

    /// Samples of `fds` (the helper's numbers), in order, and each thread's blocking send so far;
    /// nil when the helper is gone.
    func sample(_ fds: [Int32]) -> (samples: [SocketSample], queued: [Int])? {
        var samples: [SocketSample] = []
        var queued: [Int] = []
        var start = 0
        repeat {
            let part = Array(fds[start..<min(fds.count, start + HelperProcess.samplesPerRequest)])
            guard case .samples(let got, let progress)? = ask(.sample(part)), got.count == part.count else { return nil }
            samples += got
            queued = progress
            start += part.count
        } while start < fds.count
        return (samples, queued)
    }

    /// Hands `fd` to the helper (SCM_RIGHTS); its number there, or nil when the helper is gone.
    /// The lab's `fd` stays the lab's to close.
    func adopt(_ fd: Int32) -> Int32? {
        guard case .adopted(let number)? = ask(.adopt, descriptor: fd), number >= 0 else { return nil }
        return number
    }

    // MARK: Ending

    /// `exit` (process exit: the kernel closes what it holds, as at any exit) or `abort` (the lab
    /// shuts down: every socket reset first). Waits for the end of the stream, then reaps it.
    func end(abortively: Bool) -> HelperEnding {
        if let ending { return ending }
        if send(abortively ? .abort : .exit) {
            let deadline = MonotonicClock.now() + HelperProcess.answerLimit
            while isConnected && MonotonicClock.now() < deadline {
                collect()
                if isConnected { waitReadable(until: deadline) }
            }
        }
        return reap(until: MonotonicClock.now() + HelperProcess.answerLimit) ?? kill()
    }

    /// SIGKILL, then reaps it (waiting as long as it takes: a killed process always ends).
    @discardableResult
    func kill() -> HelperEnding {
        if let ending { return ending }
        _ = Glibc.kill(pid, SIGKILL)
        disconnect()
        return reap(until: nil) ?? .killed(signal: SIGKILL)
    }

    /// Reaps the helper (waitpid on its pid alone: other children of this process are not the
    /// lab's). Nil if it is still running at `deadline` (nil: wait without one).
    func reap(until deadline: Int64?) -> HelperEnding? {
        if let ending { return ending }
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if rc == pid { break }
            if rc < 0 && errno == EINTR { continue }
            if rc < 0 {
                // Someone else reaped it (SIGCHLD ignored): it ended, how is unknown.
                ending = .exited(status: -1)
                disconnect()
                return ending
            }
            guard let deadline, MonotonicClock.now() < deadline else { return nil }
            var nothing = pollfd(fd: -1, events: 0, revents: 0)
            _ = poll(&nothing, 1, 1)
        }
        let signal = status & 0x7f
        ending = signal == 0 ? .exited(status: (status >> 8) & 0xff) : .killed(signal: signal)
        disconnect()
        return ending
    }

    private func waitReadable(until deadline: Int64) {
        guard let control else { return }
        var entry = pollfd(fd: control, events: Kernel.pollIn, revents: 0)
        _ = poll(&entry, 1, Int32(clamping: max(1, (deadline - MonotonicClock.now()) / 1_000_000)))
    }

    /// Closes the lab's end of the control socket.
    private func disconnect() {
        if let control { Kernel.close(control) }
        control = nil
    }

    /// The lab's end of the control socket, for `advance` to wake on (a reply, or the helper's
    /// death); nil once disconnected.
    var controlDescriptor: Int32? { control }
}
