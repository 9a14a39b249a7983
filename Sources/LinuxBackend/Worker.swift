// A worker: the real thread behind one of the lab's threads (T1, T2, …).
//
// The session hands it one job at a time (a provider call's system calls) and waits on a
// condition variable, with a deadline, for the job to finish: 100 ms decide whether the call is
// reported blocked (Laboratory+Calls). A blocked job keeps the thread busy; the session collects
// its completion later, and `interrupt()` ends a blocked system call with EINTR
// (Signals.threadInterrupt, installed without SA_RESTART).
//
//     session thread                         worker thread
//     start(job) ──── signal ──────────────▶ runs job() (may block in the kernel)
//     waitForCompletion(until:) ◀─ signal ── stores Completion, goes idle
//     interrupt() ── pthread_kill(SIGUSR1) ▶ blocked call fails with EINTR
//     stop() ───────── signal, join ───────▶ leaves its loop and exits
//
// In a helper process (Helper.swift) nobody waits on the condition: each completion is handed to
// `onCompletion` on the worker's own thread, which writes it to the lab at once.

@preconcurrency import Glibc
import CLinuxTCP
import LabSystem
import Synchronization
import WinsockModel

/// One job's answer and when it returned (CLOCK_MONOTONIC, nanoseconds).
struct Completion: Hashable, Sendable {
    var result: SystemResult
    var finishedAt: Int64
}

/// How far a blocking send has got: its worker adds what each chunk queued, so a blocked send's
/// row can show what is still to be queued.
final class SendProgress: Sendable {
    let queued = Atomic<Int>(0)
}

/// A real thread that runs provider calls for one lab thread. Its mutable fields are guarded by
/// its own pthread mutex (a condition variable needs one; `Mutex` has none), hence
/// `@unchecked Sendable`.
final class Worker: @unchecked Sendable {
    typealias Job = @Sendable () -> SystemResult

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    // Guarded by `mutex`.
    private var job: Job?
    private var completion: Completion?
    private var busy = false
    private var stopping = false
    private var kernelThreadID: pid_t = 0
    // Written once by init, read only by the session's thread.
    private var thread = pthread_t()
    private var joined = false
    /// Called on the worker's thread after each job, once the worker is idle again (so a new job
    /// may already be handed to it from another thread).
    private let onCompletion: (@Sendable (Completion) -> Void)?

    /// Starts the thread; throws the error pthread_create reported when the system refuses one.
    /// `onCompletion`, if given, receives each job's completion on the worker's own thread.
    init(onCompletion: (@Sendable (Completion) -> Void)? = nil) throws(SystemError) {
        self.onCompletion = onCompletion
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        Signals.installThreadInterrupt()

        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, workerMain, context)
        guard rc == 0 else {
            Unmanaged<Worker>.fromOpaque(context).release()
            joined = true
            throw SystemError(rc)
        }
        // Wait for the thread to say who it is, so tests can find it in /proc/self/task.
        locked { while kernelThreadID == 0 { pthread_cond_wait(condition, mutex) } }
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// The kernel's id of the thread (gettid), as /proc/self/task lists it.
    var threadID: pid_t { locked { kernelThreadID } }

    /// Whether a job is running (a blocked call keeps it busy until it returns).
    var isBusy: Bool { locked { busy } }

    /// Hands the thread a job. The worker must be idle: one call at a time per thread (R24).
    func start(_ newJob: @escaping Job) {
        locked {
            precondition(!busy, "a worker runs one call at a time")
            completion = nil
            job = newJob
            busy = true
            pthread_cond_broadcast(condition)
        }
    }

    /// Waits until the job finishes or `deadline` (CLOCK_MONOTONIC ns) passes; returns the
    /// completion once (a later call returns nil), or nil while the job still runs.
    func waitForCompletion(until deadline: Int64) -> Completion? {
        locked {
            while busy && MonotonicClock.now() < deadline {
                var time = MonotonicClock.time(at: deadline)
                pthread_cond_timedwait(condition, mutex, &time)
            }
            defer { if !busy { completion = nil } }
            return busy ? nil : completion
        }
    }

    /// The finished job's completion, if there is one not yet taken.
    func takeCompletion() -> Completion? { waitForCompletion(until: 0) }

    /// Interrupts the running job's blocked system call (EINTR). Harmless when it is not blocked.
    func interrupt() {
        guard !joined else { return }
        Signals.interrupt(thread)
    }

    /// Interrupts the job until it returns (a signal that lands just before the system call is
    /// lost, so it is sent again every 10 ms), up to `limit` ns. Returns its completion.
    func interruptUntilDone(limit: Int64 = 2_000_000_000) -> Completion? {
        let end = MonotonicClock.now() + limit
        while isBusy && MonotonicClock.now() < end {
            interrupt()
            if let done = waitForCompletion(until: MonotonicClock.now() + 10_000_000) { return done }
        }
        return takeCompletion()
    }

    /// Ends the thread: a blocked job is interrupted until it returns, then the thread leaves its
    /// loop and is joined. Idempotent. A job that ignores signals for 5 s (none of the lab's
    /// does) leaves the thread detached rather than hanging the program.
    func stop() {
        guard !joined else { return }
        locked {
            stopping = true
            pthread_cond_broadcast(condition)
        }
        _ = interruptUntilDone(limit: 5_000_000_000)
        joined = true
        if isBusy {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    /// The thread's loop: wait for a job, run it, publish its completion.
    fileprivate func run() {
        Signals.acceptThreadInterrupt()
        pthread_mutex_lock(mutex)
        kernelThreadID = closelab_gettid()
        pthread_cond_broadcast(condition)
        while true {
            while job == nil && !stopping { pthread_cond_wait(condition, mutex) }
            guard let next = job else { break }
            job = nil
            pthread_mutex_unlock(mutex)
            let result = next()
            let finishedAt = MonotonicClock.now()
            pthread_mutex_lock(mutex)
            let done = Completion(result: result, finishedAt: finishedAt)
            completion = done
            busy = false
            pthread_cond_broadcast(condition)
            if let onCompletion {
                pthread_mutex_unlock(mutex)
                onCompletion(done)
                pthread_mutex_lock(mutex)
            }
        }
        pthread_mutex_unlock(mutex)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// pthread_create's entry point: the context is a retained Worker, released when the thread ends.
private func workerMain(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    Unmanaged<Worker>.fromOpaque(context).takeRetainedValue().run()
    return nil
}
