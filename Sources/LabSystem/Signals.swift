// Signals: the one owner of the program's signal handlers.
//
// A signal handler is process-wide state: two modules that each install one silently undo each
// other. So every disposition closelab sets is set here, and this list is the whole story. "Prompt"
// is the interactive prompt (standard input a terminal, no script); "script" is every other run
// (files, standard input, -c, --lesson, --compare). `install(for:)` puts the handlers in place once,
// at start, for the whole run.
//
//   SIGINT    Ctrl-C. Both modes: sets the interrupt flag (`isInterrupted`), nothing else.
//               At the prompt, while a line is read: the reader sees the flag (its pselect is always
//               interrupted) and abandons the line. While a command runs: the command's long work
//               (replays, compare, `source`, a live backend's `advance` through
//               WaitControl.isInterrupted) checks the flag and stops; the prompt then puts back the
//               session from before the line and says so in one line.
//               In a script: the run stops at the next check and exits with status 130 (a live
//               backend shut down first). A second Ctrl-C before it has stopped exits at once
//               (_exit(130)): nothing can make Ctrl-C do nothing.
//             Installed without SA_RESTART, so that a blocked read (a script on a pipe, `source` of a
//             FIFO) fails with EINTR and its reader can look at the flag; while libedit reads a
//             line (`enterPrompt(restartsSystemCalls: true)`) with SA_RESTART instead, so that
//             libedit's own writes and tcsetattr calls are never cut short.
//   SIGTERM   Prompt only: restore the terminal modes saved before the editor started, remove a
//   SIGHUP      half-written history file, _exit(128 + signal). (In a script: the default action.)
//   SIGQUIT   Prompt only: the same, then die of the signal with its default action (core dump).
//   SIGTSTP   Prompt only: Ctrl-Z while a line is read restores the terminal and stops; after `fg`
//             the reader draws the prompt again with the text typed so far. During a command it
//             just stops (the terminal is in its normal mode then).
//   SIGWINCH  Prompt only: counts resizes (`resizeCount`). The width is read again after one, for
//             the completion list and for the next command's tables; the line editor is told too.
//             With SA_RESTART: a resize never cuts a read or write short.
//   SIGUSR1   `cancel TN` under the linux backend (WSPCancelBlockingCall, R25). The backend sends it
//             with pthread_kill to the one worker thread that is blocked in a system call. The
//             handler does nothing; what matters is that it is installed WITHOUT SA_RESTART, so the
//             interrupted recv, send or connect fails with EINTR (shown as WSAEINTR) and a lingering
//             close stops waiting and returns 0 (the kernel's sk_stream_wait_close checks
//             signal_pending). Installed once, on first use, by `installThreadInterrupt()`; never
//             removed (an interrupt that arrives late must still be harmless).
//   SIGPIPE   Ignored (`ignoreBrokenPipe()`, first thing in main): a write to a closed pipe fails
//             with EPIPE, and the output code exits quietly with the status so far. The backend's
//             sends use MSG_NOSIGNAL as well.
//
// A signal that was ignored when closelab started (nohup, `&` without job control) stays ignored.
// The handled signals are unblocked on the main thread at install (a blocked mask is inherited
// through exec); worker threads block them (`acceptThreadInterrupt()`), so that the main thread is
// the one a process-directed signal interrupts and a worker's system call never sees EINTR from
// Ctrl-C. Left at their defaults on purpose: SIGUSR2, SIGALRM, SIGCHLD and the rest (unused).
//
// Handlers touch only atomics, memory allocated before the first handler was installed, and
// async-signal-safe calls (tcsetattr, write, unlink, sigaction, kill, sigprocmask, _exit).
// Signals+Handlers.swift holds them.
//
// No Foundation here: startup time matters.

@preconcurrency import Glibc

/// Process-level signal handling. Every handler of the program is installed through this type
/// (see the list at the top of this file), so that no two modules fight over one signal.
public enum Signals {
    /// How the program runs; decides which handlers `install(for:)` puts in place.
    public enum Mode: Sendable {
        /// The interactive prompt: every handler of the list.
        case prompt
        /// Files, standard input, `-c`, `--lesson`, `--compare`: SIGINT only.
        case script
    }

    /// Ignores SIGPIPE for the whole run (see the list). Call first thing, before any output.
    public static func ignoreBrokenPipe() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&action.sa_mask)
        _ = sigaction(SIGPIPE, &action, nil)
    }

    /// Installs the run's handlers (the list at the top of this file). Call once, from the main
    /// thread, before any other thread starts; later calls do nothing. A signal ignored at start
    /// stays ignored. The handled signals are unblocked on the calling thread.
    public static func install(for mode: Mode) {
        signalState.install(mode)
    }

    // MARK: SIGINT

    /// True once Ctrl-C (SIGINT) arrived since the last `clearInterrupt()`. An atomic load: cheap
    /// enough to ask between any two steps of a long computation, and safe from any thread.
    public static var isInterrupted: Bool { signalState.interrupted.load(ordering: .acquiring) }

    /// `isInterrupted`, asked by work that stops when it answers true (a long command, a script's
    /// next line, a real-time wait): it remembers that work stopped (`hasStoppedWork`).
    public static func stopsWork() -> Bool {
        guard isInterrupted else { return false }
        signalState.stoppedWork.store(true, ordering: .releasing)
        return true
    }

    /// True once `stopsWork()` answered true since the last `clearInterrupt()`. A line none of whose
    /// steps asked after Ctrl-C arrived ran whole, and its output is written like any other's.
    public static var hasStoppedWork: Bool { signalState.stoppedWork.load(ordering: .acquiring) }

    /// Forgets an interrupt that arrived: the prompt does so before it reads a line.
    public static func clearInterrupt() {
        signalState.interrupted.store(false, ordering: .releasing)
        signalState.stoppedWork.store(false, ordering: .releasing)
    }

    // MARK: The prompt

    /// Remembers the modes of the terminal `fd` is open on, to put them back on every exit path:
    /// SIGTERM, SIGHUP, SIGQUIT, Ctrl-Z at the prompt, and exit() (an atexit handler). Returns false
    /// when `fd` is not a terminal.
    @discardableResult
    public static func saveTerminalModes(of fd: Int32) -> Bool { signalState.saveTerminalModes(fd) }

    /// Puts the saved terminal modes back now and forgets them (the editor's close()).
    public static func restoreTerminalModes() { signalState.restoreTerminalModes(forget: true) }

    /// Tells the handlers that the line editor is reading: the terminal may be in raw mode (a
    /// termination prints a new line after restoring it, Ctrl-Z restores it before stopping).
    /// libedit's read restarts its system calls after a signal (its reader's pselect is interrupted
    /// all the same); a plain read passes false so that Ctrl-C interrupts it.
    public static func enterPrompt(restartsSystemCalls: Bool) { signalState.enterPrompt(restarting: restartsSystemCalls) }

    /// The line editor stopped reading: the terminal is in its normal mode again.
    public static func leavePrompt() { signalState.leavePrompt() }

    /// True when Ctrl-Z stopped the program while the editor was reading (and it was continued
    /// since): the reader must give up the read so that the prompt is drawn again.
    public static var wasSuspended: Bool { signalState.suspended.load(ordering: .acquiring) }

    /// Forgets a suspension (the prompt has been drawn again).
    public static func clearSuspension() { signalState.suspended.store(false, ordering: .releasing) }

    /// The signals a prompt's reader waits for with pselect: Ctrl-C, Ctrl-Z and resizes. It blocks
    /// them, checks the flags, and waits with them unblocked, atomically, so that none slips in
    /// between the check and the wait.
    public static var readerSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGINT, SIGTSTP, SIGWINCH] { sigaddset(&set, signal) }
        return set
    }

    /// The number of terminal resizes (SIGWINCH) so far: compare with a remembered value to know
    /// whether the terminal's size must be read again.
    public static var resizeCount: Int { signalState.resizes.load(ordering: .acquiring) }

    // MARK: Temporary files

    /// Names a temporary file the termination handlers must remove if the program ends while it
    /// is being written (the history's next version). One at a time; returns false when the path
    /// is too long to keep (the caller must not create the file then).
    public static func announceTemporaryFile(_ path: String) -> Bool { signalState.announceTemporaryFile(path) }

    /// The announced file was renamed or removed: nothing to clean up any more.
    public static func withdrawTemporaryFile() { signalState.withdrawTemporaryFile() }

    /// Runs `body` with Ctrl-C and resizes held back on the calling thread: they are delivered
    /// when it returns. For short work whose system calls must not fail with EINTR halfway (the
    /// history file's rewrite); termination signals still get through.
    public static func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        var held = sigset_t()
        sigemptyset(&held)
        sigaddset(&held, SIGINT)
        sigaddset(&held, SIGWINCH)
        var previous = sigset_t()
        _ = pthread_sigmask(SIG_BLOCK, &held, &previous)
        defer { _ = pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    // MARK: SIGUSR1: interrupting one thread

    /// The signal that interrupts one thread's blocked system call: `cancel TN` under the linux
    /// backend sends it to TN's worker thread (R25), and the call fails with EINTR.
    public static let threadInterrupt: Int32 = SIGUSR1

    /// Installs the do-nothing handler of `threadInterrupt`, without SA_RESTART, once for the
    /// whole process (later calls only report the first one's success). Safe from any thread.
    /// Returns whether the handler is in place.
    @discardableResult
    public static func installThreadInterrupt() -> Bool { threadInterruptInstalled }

    /// Prepares a worker thread's signal mask; each worker calls it as it starts. Unblocks
    /// `threadInterrupt`: a new thread inherits its creator's mask, and a host that blocked SIGUSR1
    /// (a test runner's pool, say) would make `cancel` do nothing. Blocks the signals the main
    /// thread handles (Ctrl-C, termination, Ctrl-Z, resizes): they are for the main thread, and a
    /// worker's blocked call must not fail with EINTR because the user pressed Ctrl-C.
    public static func acceptThreadInterrupt() {
        var accepted = sigset_t()
        sigemptyset(&accepted)
        sigaddset(&accepted, threadInterrupt)
        _ = pthread_sigmask(SIG_UNBLOCK, &accepted, nil)
        var mainThreadOnly = sigset_t()
        sigemptyset(&mainThreadOnly)
        for signal in SignalState.handledSignals { sigaddset(&mainThreadOnly, signal) }
        _ = pthread_sigmask(SIG_BLOCK, &mainThreadOnly, nil)
    }

    /// Sends `threadInterrupt` to `thread`, which must not have been joined yet. If it is blocked
    /// in a system call, that call fails with EINTR; if the signal lands just before the call, the
    /// call blocks as usual, so a caller that must see the call end sends it again until it does.
    /// Returns whether the signal was sent.
    @discardableResult
    public static func interrupt(_ thread: pthread_t) -> Bool {
        pthread_kill(thread, threadInterrupt) == 0
    }

    /// Swift runs a static let's initializer exactly once, whichever thread gets there first.
    private static let threadInterruptInstalled: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = ignoreThreadInterrupt
        action.sa_flags = 0   // no SA_RESTART: the interrupted call must fail with EINTR
        sigemptyset(&action.sa_mask)
        return sigaction(threadInterrupt, &action, nil) == 0
    }()
}

/// The handler of `Signals.threadInterrupt`: its only job is to exist, so that the signal
/// interrupts the system call instead of ending the process.
private func ignoreThreadInterrupt(_ signal: Int32) {}
