// The helper: closelab run again, by the lab, as one of the lab's other processes (P2, P3, …).
// It holds that process's descriptors and runs its threads' calls on its own real threads, so
// what the kernel does with another process's descriptors (SCM_RIGHTS, process exit) is real.
//
//     lab (closelab --backend linux)                   helper (closelab --linux-helper P2 <lab pid>)
//     ─────────────────────────────                    ───────────────────────────────────────────
//     posix_spawn from its spawner thread ───────────▶ PR_SET_PDEATHSIG(SIGKILL): dies with the lab
//     control socket (SOCK_SEQPACKET pair) ◀─ fd 3 ──▶ reads requests on this thread
//                                                      worker 0, 1, … = TN of P2 (real threads)
//                                                      one thread per pending overlapped operation
//
// What it holds: its stdin and stdout are /dev/null, stderr is the lab's; fd 3 is its end of the
// control socket; every other descriptor it has was made by a job (sockets, dups, descriptors
// taken out of a mailbox) or adopted from the lab (a mailbox end). It ends three ways: `exit`
// (_exit: the kernel's exit-time close of everything, which is what `process exit PN` shows),
// `abort` (the lab is shutting down: every socket reset first, so nothing outlives the lab), or
// the lab's end of the control socket closing (the lab is gone: _exit as `exit`).
//
// It writes nothing anywhere but the control socket, and needs no privilege.

@preconcurrency import Glibc
import CLinuxTCP
import Synchronization

/// closelab's helper mode. The executable calls `run` first thing when `isRequested` says so.
public enum LinuxHelper {
    /// `closelab --linux-helper PN <lab pid>`: the arguments the lab spawns itself with.
    public static let argument = "--linux-helper"
    /// The helper's end of the control socket.
    static let controlDescriptor: Int32 = 3

    /// Whether closelab was started as a helper.
    public static func isRequested(by arguments: [String]) -> Bool {
        arguments.count > 1 && arguments[1] == argument
    }

    /// Runs the helper until the lab tells it to end, or ends itself; never returns.
    public static func run(_ arguments: [String]) -> Never {
        // Die with the lab's spawner thread; if the lab is already gone, do not start at all.
        guard arguments.count == 4, let lab = Int32(arguments[3]),
              closelab_set_parent_death_signal(SIGKILL) == 0, getppid() == lab else { _exit(3) }
        _ = closelab_set_name("closelab-helper")
        guard case .success(let type) = Kernel.intOption(controlDescriptor, SO_TYPE),
              type == Int32(SOCK_SEQPACKET.rawValue) else {
            let text = "closelab: \(argument) is for closelab's own use (process new under --backend linux)\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
            _exit(2)
        }
        let helper = Helper()
        helper.reply(.ready(pid: getpid()))
        helper.serve()
    }
}

/// The helper's state: its threads and the threads of its pending operations. Only `serve`'s
/// thread touches it; workers only write replies.
final class Helper {
    private var threads: [Worker] = []
    private var progress: [SendProgress] = []
    private var operations: [Int: Worker] = [:]
    private let buffer = Kernel.MessageBuffer(words: HelperProcess.largestMessage)

    /// Writes one reply; if the lab is gone, so is the helper.
    func reply(_ message: HelperReply) {
        Helper.write(message)
    }

    fileprivate static func write(_ message: HelperReply) {
        // One sendmsg per packet: replies from several threads never interleave.
        if !Kernel.sendMessage(LinuxHelper.controlDescriptor, message.words).isSuccess { _exit(0) }
    }

    /// Reads and answers requests until told to end.
    func serve() -> Never {
        while true {
            let message: Kernel.Message
            switch Kernel.receiveMessage(LinuxHelper.controlDescriptor, into: buffer, waiting: true) {
            case .success(.message(let received)): message = received
            case .success(.endOfStream), .failure: _exit(0)   // the lab is gone
            }
            guard let request = HelperRequest(words: message.words) else {
                if let fd = message.descriptor { Kernel.close(fd) }
                continue
            }
            handle(request, descriptor: message.descriptor)
            reapOperations()
        }
    }

    private func handle(_ request: HelperRequest, descriptor: Int32?) {
        switch request {
        case .newThread:
            let index = threads.count
            do {
                threads.append(try Worker(onCompletion: { Helper.write(.done(thread: index, $0)) }))
                progress.append(SendProgress())
                reply(.threadStarted(thread: index, kernelThreadID: threads[index].threadID))
            } catch {
                reply(.threadStarted(thread: index, kernelThreadID: -error.code))
            }
        case .run(let thread, let job):
            guard threads.indices.contains(thread) else {
                reply(.done(thread: thread, Completion(result: .failure(EINVAL), finishedAt: MonotonicClock.now())))
                return
            }
            let worker = threads[thread], sendProgress = progress[thread]
            // The lab sends a thread's next job only after its `done`, which the worker writes once
            // it is idle; waiting here only guards against a lab that does not.
            _ = worker.waitForCompletion(until: MonotonicClock.now() + 1_000_000_000)
            worker.start { job.run(progress: sendProgress) }
        case .interrupt(let thread):
            if threads.indices.contains(thread) { _ = threads[thread].interruptUntilDone() }
        case .startOperation(let operation, let job):
            do {
                let worker = try Worker(onCompletion: { Helper.write(.operationDone(operation: operation, $0)) })
                operations[operation] = worker
                worker.start { job.run(progress: SendProgress()) }
            } catch {
                if let held = job.heldDescriptor { Kernel.close(held) }
                reply(.operationDone(operation: operation, Completion(result: .failure(error.code),
                                                                      finishedAt: MonotonicClock.now())))
            }
        case .sample(let fds):
            let samples = fds.map(SocketSample.take)
            reply(.samples(samples, queued: progress.map { $0.queued.load(ordering: .relaxed) }))
        case .adopt:
            reply(.adopted(descriptor ?? -1))
        case .discard(let fd):
            if fd > LinuxHelper.controlDescriptor { Kernel.close(fd) }
        case .exit:
            _exit(0)
        case .abort:
            Helper.resetEverything()
            _exit(0)
        }
        if let descriptor, request != .adopt { Kernel.close(descriptor) }
    }

    /// Joins the threads of operations that ended (their completion was written already).
    private func reapOperations() {
        for (operation, worker) in operations where !worker.isBusy {
            worker.stop()
            operations[operation] = nil
        }
    }

    /// The lab is shutting down: every TCP socket this process can reach gets SO_LINGER {1, 0},
    /// so the exit that follows resets it instead of leaving an orphan, and every descriptor still
    /// in a mailbox (a block never used) is taken out and treated the same way.
    private static func resetEverything() {
        for fd in openDescriptors() where fd > LinuxHelper.controlDescriptor {
            guard case .success(let domain) = Kernel.intOption(fd, SO_DOMAIN) else { continue }
            if domain == AF_INET {
                _ = Kernel.setLinger(fd, onoff: 1, seconds: 0)
            } else if domain == AF_UNIX {
                let buffer = Kernel.MessageBuffer(words: 1)
                while case .success(.message(let message)) = Kernel.receiveMessage(fd, into: buffer, waiting: false) {
                    guard let taken = message.descriptor else { continue }
                    _ = Kernel.setLinger(taken, onoff: 1, seconds: 0)
                }
            }
        }
    }

    /// Every descriptor number open in this process now (/proc/self/fd).
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var fds: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name) { fds.append(fd) }
        }
        return fds
    }
}

extension KernelJob {
    /// The descriptor a job owns and closes when it ends (a pending operation's duplicate).
    var heldDescriptor: Int32? {
        switch self {
        case .finishSend(let fd, _, _), .finishReceive(let fd, _): fd
        case .socket, .connect, .setLinger, .setDontLinger, .getOption, .setNonblocking, .send, .receive, .shutdown,
             .close, .duplicate, .sendDescriptor, .takeDescriptor, .startSend, .startReceive:
            nil
        }
    }
}
