// The handlers listed at the top of Signals.swift, and the state they share with the program.
//
// They run on whatever the main thread was doing, so they use only `signalState`: atomics (lock-free,
// hence async-signal-safe) and buffers allocated before the first handler was installed, never
// freed. `signalState` is a global: Swift initializes it on first use, which `install` guarantees
// happens before any handler can run.

@preconcurrency import Glibc
import Synchronization

/// What the handlers and the program share. One per process (`signalState`).
final class SignalState: @unchecked Sendable {
    /// Every signal `install` may handle (the worker threads block them all).
    static let handledSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGWINCH]

    /// Ctrl-C arrived (cleared by the program).
    let interrupted = Atomic<Bool>(false)
    /// Work stopped because of the interrupt (`Signals.stopsWork`).
    let stoppedWork = Atomic<Bool>(false)
    /// A second Ctrl-C ends the run at once (scripts).
    let exitsOnSecondInterrupt = Atomic<Bool>(false)
    /// Ctrl-Z stopped the program while the editor was reading.
    let suspended = Atomic<Bool>(false)
    /// The line editor is reading: the terminal may be in raw mode.
    let atPrompt = Atomic<Bool>(false)
    /// `terminalModes` holds the modes to put back.
    let hasTerminalModes = Atomic<Bool>(false)
    /// `temporaryPath` names a half-written file.
    let hasTemporaryFile = Atomic<Bool>(false)
    /// Terminal resizes so far.
    let resizes = Atomic<Int>(0)
    /// SIGINT has our handler (it was not ignored at start), so its SA_RESTART flag may be switched.
    let handlesInterrupt = Atomic<Bool>(false)

    let terminalFD = Atomic<Int32>(-1)
    let terminalModes: UnsafeMutablePointer<termios>
    static let temporaryPathCapacity = Int(PATH_MAX) + 1
    let temporaryPath: UnsafeMutablePointer<CChar>
    /// SIGINT with and without SA_RESTART, and SIGTSTP, built once so that switching is one call.
    let interruptRestarting: UnsafeMutablePointer<sigaction>
    let interruptInterrupting: UnsafeMutablePointer<sigaction>
    let suspendAction: UnsafeMutablePointer<sigaction>

    private let installed = Mutex<Bool>(false)
    private let exitHookRegistered = Atomic<Bool>(false)

    init() {
        terminalModes = .allocate(capacity: 1)
        terminalModes.initialize(to: termios())
        temporaryPath = .allocate(capacity: SignalState.temporaryPathCapacity)
        temporaryPath.initialize(repeating: 0, count: SignalState.temporaryPathCapacity)
        interruptRestarting = .allocate(capacity: 1)
        interruptRestarting.initialize(to: SignalState.action(handleInterrupt, restart: true))
        interruptInterrupting = .allocate(capacity: 1)
        interruptInterrupting.initialize(to: SignalState.action(handleInterrupt, restart: false))
        suspendAction = .allocate(capacity: 1)
        suspendAction.initialize(to: SignalState.action(handleSuspend, restart: true))
    }

    // MARK: Installing

    func install(_ mode: Signals.Mode) {
        installed.withLock { done in
            guard !done else { return }
            done = true
            var handled: [Int32] = []
            exitsOnSecondInterrupt.store(mode == .script, ordering: .releasing)
            // Outside the editor's read, Ctrl-C interrupts system calls (see the list).
            if installUnlessIgnored(SIGINT, interruptInterrupting.pointee) {
                handlesInterrupt.store(true, ordering: .releasing)
                handled.append(SIGINT)
            }
            if mode == .prompt {
                let terminate = SignalState.action(handleTermination, restart: true)
                let quit = SignalState.action(handleQuit, restart: true)
                let resize = SignalState.action(handleResize, restart: true)
                for (signal, action) in [(SIGTERM, terminate), (SIGHUP, terminate), (SIGQUIT, quit),
                                         (SIGTSTP, suspendAction.pointee), (SIGWINCH, resize)]
                where installUnlessIgnored(signal, action) {
                    handled.append(signal)
                }
            }
            // A parent that blocked these (a thread pool's thread spawning us, for one) would make
            // Ctrl-C and kill do nothing: unblock them on this thread, the one that reads the terminal.
            var set = sigset_t()
            sigemptyset(&set)
            for signal in handled { sigaddset(&set, signal) }
            _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
    }

    /// Installs `action` unless the signal is ignored (nohup, `&` without job control).
    private func installUnlessIgnored(_ signal: Int32, _ action: sigaction) -> Bool {
        var previous = sigaction()
        var action = action
        guard sigaction(signal, nil, &previous) == 0,
              unsafeBitCast(previous.__sigaction_handler.sa_handler, to: Int.self) != 1,   // SIG_IGN
              sigaction(signal, &action, nil) == 0 else { return false }
        return true
    }

    static func action(_ handler: @escaping @convention(c) (Int32) -> Void, restart: Bool) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        action.sa_flags = restart ? SA_RESTART : 0
        sigemptyset(&action.sa_mask)
        // One handler at a time: a termination must not interrupt a suspension and the reverse.
        for blocked in SignalState.handledSignals { sigaddset(&action.sa_mask, blocked) }
        return action
    }

    // MARK: The prompt

    func saveTerminalModes(_ fd: Int32) -> Bool {
        guard tcgetattr(fd, terminalModes) == 0 else { return false }
        terminalFD.store(fd, ordering: .releasing)
        hasTerminalModes.store(true, ordering: .releasing)
        // exit() anywhere (a failed write to the terminal, say) puts the terminal back too.
        if !exitHookRegistered.exchange(true, ordering: .acquiringAndReleasing) {
            atexit { signalState.restoreTerminalModes(forget: true) }
        }
        return true
    }

    func restoreTerminalModes(forget: Bool) {
        guard hasTerminalModes.load(ordering: .acquiring) else { return }
        _ = tcsetattr(terminalFD.load(ordering: .acquiring), TCSANOW, terminalModes)
        if forget { hasTerminalModes.store(false, ordering: .releasing) }
    }

    func enterPrompt(restarting: Bool) {
        atPrompt.store(true, ordering: .releasing)
        if restarting && handlesInterrupt.load(ordering: .acquiring) {
            _ = sigaction(SIGINT, interruptRestarting, nil)
        }
    }

    func leavePrompt() {
        atPrompt.store(false, ordering: .releasing)
        if handlesInterrupt.load(ordering: .acquiring) { _ = sigaction(SIGINT, interruptInterrupting, nil) }
    }

    // MARK: Temporary files

    func announceTemporaryFile(_ path: String) -> Bool {
        hasTemporaryFile.store(false, ordering: .releasing)
        guard path.utf8.count < SignalState.temporaryPathCapacity else { return false }
        path.withCString { _ = strcpy(temporaryPath, $0) }
        hasTemporaryFile.store(true, ordering: .releasing)
        return true
    }

    func withdrawTemporaryFile() {
        hasTemporaryFile.store(false, ordering: .releasing)
    }
}

/// The one SignalState of the process.
let signalState = SignalState()

// MARK: - The handlers

/// SIGINT: raise the flag. In a script, a second one ends the run at once.
private func handleInterrupt(_ signal: Int32) {
    let state = signalState
    if state.interrupted.exchange(true, ordering: .acquiringAndReleasing)
        && state.exitsOnSecondInterrupt.load(ordering: .acquiring) {
        restoreAfterSignal()
        _exit(128 + signal)
    }
}

/// SIGWINCH: count it; the width is read again when next needed.
private func handleResize(_ signal: Int32) {
    signalState.resizes.add(1, ordering: .acquiringAndReleasing)
}

/// Puts the terminal back and deletes a half-written temporary file.
private func restoreAfterSignal() {
    let state = signalState
    state.restoreTerminalModes(forget: false)
    if state.atPrompt.load(ordering: .acquiring) {
        var newline: UInt8 = 10
        _ = write(STDOUT_FILENO, &newline, 1)
    }
    if state.hasTemporaryFile.load(ordering: .acquiring) {
        _ = unlink(state.temporaryPath)
    }
}

/// SIGTERM, SIGHUP.
private func handleTermination(_ signal: Int32) {
    restoreAfterSignal()
    _exit(128 + signal)
}

/// SIGQUIT: clean up, then the default action (core dump).
private func handleQuit(_ signal: Int32) {
    restoreAfterSignal()
    dieOrStop(signal)
}

/// SIGTSTP: at the prompt, put the terminal back first and tell the reader; then stop.
private func handleSuspend(_ signal: Int32) {
    let state = signalState
    if state.atPrompt.load(ordering: .acquiring) {
        state.restoreTerminalModes(forget: false)
        var newline: UInt8 = 10
        _ = write(STDOUT_FILENO, &newline, 1)
        state.suspended.store(true, ordering: .releasing)
    }
    dieOrStop(signal)
    // Continued (`fg`): handle the next Ctrl-Z the same way.
    _ = sigaction(SIGTSTP, state.suspendAction, nil)
}

/// Takes the default action of `signal` now: terminate, dump core or stop.
private func dieOrStop(_ signal: Int32) {
    var defaultAction = sigaction()   // a nil handler is SIG_DFL
    sigemptyset(&defaultAction.sa_mask)
    _ = sigaction(signal, &defaultAction, nil)
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, signal)
    _ = kill(getpid(), signal)                        // pending: blocked while this handler runs
    _ = sigprocmask(SIG_UNBLOCK, &unblock, nil)       // delivered here
}
