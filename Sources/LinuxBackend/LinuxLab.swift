// The linux backend: the lab's provider calls as real socket calls on the loopback interface
// (RULES.md section J, `linux`, is what they are predicted to do; this is how it is checked).
//
//     session ──▶ LinuxLab (one lock) ──▶ Laboratory ──▶ Worker T1, T2, … (real threads of P1)
//                                             │   │           │ socket, connect, send, recv,
//                                             │   │           │ setsockopt, shutdown, close, dup
//                                             │   │           ▼
//                                             │   └─ control socket ─▶ helper P2 (closelab
//                                             │      (HelperProtocol)     --linux-helper): its
//                                             │                           threads T3, T4, …
//                                             └──── reads ─▶ kernel: TCP_INFO, SIOCOUTQ/SIOCINQ,
//                                                            poll, /proc/net/tcp
//
// Names: h1, h2… are the lab's names for descriptors, each one fd of one process (P1's in the
// lab, P2's… in their helpers); s1, s2… name underlying sockets (a socket and its duplicates share
// one); each stream socket's peer (`sN.peer`) is the connection a lab-owned listener on 127.0.0.1
// accepted, always in P1. `duplicate hN PN` to another process sends the descriptor with
// SCM_RIGHTS at once; overlapped calls that cannot finish at once pend on threads of their own.
// The lab binds only 127.0.0.1 and connects nowhere else.
//
// No Linux counterpart (each refused with one line): WSPStartup/WSPCleanup counting, `process
// exit P1` (P1 is the lab itself), and every setting but `sndbuf` and `window`.

import LabScript
import LabSession
import Synchronization
import WinsockModel

/// The `linux` live backend. Every method may be called from any thread; calls are serialised.
/// `shutDown()` (also run by deinit) closes every descriptor and ends every thread it made.
public final class LinuxLab: LiveBackend {
    private let lab: Mutex<Laboratory>

    /// Starts the lab with one thread, T1, in P1. Sockets, the listener and the datagram sink
    /// are made when first needed, helper processes at `process new`: `helperExecutable` is
    /// closelab (itself, by default; a program that embeds the lab names the built closelab).
    /// Throws when the system refuses the thread.
    public init(helperExecutable: String = "/proc/self/exe") throws(Refusal) {
        lab = Mutex(try Laboratory(helperExecutable: helperExecutable))
    }

    deinit { shutDown() }

    /// `linux`, as `set backend` and `--backend` spell it.
    public var name: String { "linux" }

    /// A snapshot of the observed state, sampled from the kernel now (a FIN or RST first seen
    /// here is reported in the next command's outcome).
    public var state: any SessionState { lab.withLock { $0.snapshot() } }

    /// The same snapshot, typed.
    public var snapshot: LinuxState { lab.withLock { $0.snapshot() } }

    /// False for what the kernel does not show: whether an operation's completion action ran
    /// (`opN.notified`: Linux has none), WSPStartup counts (`PN.startup`, Linux has none) and the
    /// bytes a reset threw away (`sN.discarded`). Everything else is read back from the kernel.
    public func canObserve(_ path: ExpectPath) -> Bool {
        switch path {
        case .operation(_, .notified), .process(_, .startup), .socket(_, .discarded): false
        case .last, .time, .thread, .handle, .socket, .operation: true
        }
    }

    /// Runs `call` on `thread`'s real thread (default: the current one). A call still running
    /// after 100 ms is reported blocked (`BLOCK TN …`); its `WAKE` comes with the first command
    /// after it returns. A call from a blocked thread answers WSAEINPROGRESS (R24) and a call
    /// through a released handle WSAENOTSOCK (EBADF) without reaching the kernel (R1).
    public func perform(_ call: ProviderCall, by thread: ThreadID?) throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.perform(call, by: thread) }
    }

    /// `process new`: spawns a helper process (closelab in helper mode) with one thread.
    public func newProcess() throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.newProcess() }
    }

    /// `process exit PN`: the helper calls _exit; the kernel closes what it held, as at any exit.
    /// P1 is the lab itself: refused.
    public func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.exitProcess(p) }
    }

    /// `thread new [PN]`: starts another real thread (`TN`) in PN's process.
    public func newThread(in p: ProcessID?) throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.newThread(in: p) }
    }

    /// `use PN`: its first thread that is not blocked becomes current.
    public func use(_ p: ProcessID) throws(Refusal) {
        try lab.withLock { lab throws(Refusal) in try lab.use(p) }
    }

    /// `use TN`: TN issues the following calls.
    public func use(_ t: ThreadID) throws(Refusal) {
        try lab.withLock { lab throws(Refusal) in try lab.use(t) }
    }

    /// `peer sN read|send|close|reset|window` on the accepted socket: recv / send (nonblocking),
    /// shutdown(SHUT_WR) (its FIN), SO_LINGER {1, 0} and close (its RST), SO_RCVBUF.
    public func peer(_ s: SocketID, _ action: World.PeerAction) throws(Refusal) -> (Outcome, String) {
        try lab.withLock { lab throws(Refusal) in try lab.peer(s, action) }
    }

    /// Waits `span` of real time (at most 60 s) watching the sockets; reports progress every
    /// second of a longer wait and stops early when `control` says Ctrl-C was pressed.
    public func advance(by span: Span, control: WaitControl) throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.advance(by: span, control: control) }
    }

    /// `set sndbuf` and `set window` (approximate: the kernel doubles them); every other setting
    /// has no counterpart and is refused with one line.
    public func apply(_ setting: World.Setting) throws(Refusal) -> Outcome {
        try lab.withLock { lab throws(Refusal) in try lab.apply(setting) }
    }

    /// Ends every helper (its sockets reset first), interrupts and joins every thread, then closes
    /// every descriptor the lab owns. Idempotent.
    public func shutDown() {
        lab.withLock { $0.shutDown() }
    }

    // MARK: For tests

    /// Provider calls that reached the kernel so far.
    var kernelCallCount: Int { lab.withLock { $0.kernelCallCount } }

    /// Every descriptor the lab owns in its own process now.
    var ownedDescriptors: [Int32] { lab.withLock { $0.ownedDescriptors() } }

    /// The kernel thread ids of P1's threads.
    var threadIDs: [Int32] { lab.withLock { $0.labThreadIDs } }

    /// The kernel thread ids of the threads of P1's pending operations.
    var operationThreadIDs: [Int32] {
        lab.withLock { lab in
            lab.operations.compactMap { operation in
                if case .lab(let worker)? = operation.runner { worker.threadID } else { nil }
            }
        }
    }

    /// The pid of each helper process made so far, live or not, in process order (P2 first).
    var helperPIDs: [Int32] { lab.withLock { $0.processes.compactMap { $0.helper?.pid } } }
}
