// The interactive line editor: libedit (BSD editline) behind a small Swift class.
//
// Used only when standard input is a terminal (the main loop decides, see `Terminal`). It gives
// the prompt history (Up/Down arrows, saved to a file), TAB completion through a closure, Ctrl-C
// to abandon a line and Ctrl-D to quit, and it always gives the terminal back in the state it
// found it: on return, on `close()`, and when SIGTERM, SIGHUP or SIGQUIT arrive.
//
// Signals. libedit's own signal handling (EL_SIGNAL) is left OFF: its handler re-sends every
// signal it catches to the whole process group (kill(0, sig)), so a `kill <pid>` aimed at closelab
// would also kill the shell script or pipeline it runs in. Instead this file installs its own
// handlers, which touch only preallocated memory and async-signal-safe calls:
//   SIGINT   sets a flag. el_gets reads each character through readCharacter() (EL_GETCFN), which
//            checks the flag with SIGINT blocked and then waits in pselect with it unblocked: a
//            Ctrl-C is either seen there or interrupts the wait (pselect is never restarted), and
//            readCharacter fails with EINTR; el_gets then returns NULL with errno EINTR (libedit has
//            put the terminal back in cooked mode) and readLine() returns .interrupted. Keys typed
//            after the Ctrl-C stay queued for the next line. The handler keeps SA_RESTART, so that
//            libedit's writes and tcsetattr calls are never cut short. Outside readLine() a Ctrl-C
//            is dropped.
//   SIGTERM, SIGHUP
//            restore the terminal modes saved before libedit started, remove a half-written
//            history temporary file, then _exit(128 + signal).
//   SIGQUIT  the same, then dies of the signal (default action, core dump) as usual.
//   SIGTSTP  (Ctrl-Z) at the prompt: restore the terminal, stop; after `fg` the wait in
//            readCharacter() fails with EINTR and readLine() draws the prompt again with the text
//            typed so far (el_gets puts the terminal back in raw mode).
// A signal that was ignored when the editor started (nohup, `&` without job control) stays ignored;
// the handled ones are unblocked on the calling thread (a blocked mask is inherited through exec).
// Window size changes are picked up at the next prompt (libedit reads the size at each el_gets).
//
// No Foundation here: startup time matters.

@preconcurrency import CEditLine
@preconcurrency import Glibc

/// Terminal facts for the main loop.
enum Terminal {
    /// True when standard input and standard output are both terminals.
    static var isInteractive: Bool {
        isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
    }

    /// The number of columns of the terminal on standard output, or nil when it is not a terminal.
    static var width: Int? {
        let columns = closelab_terminal_columns(STDOUT_FILENO)
        return columns > 0 ? Int(columns) : nil
    }
}

final class LineEditor {
    enum ReadResult { case line(String), interrupted, endOfFile }

    /// historyPath: file to load at start and save to. prompt: called each time a prompt is drawn
    /// (once per readLine(); redraws within one readLine, after a completion list or Ctrl-Z, reuse
    /// its text; escape sequences may be wrapped in \u{1}…\u{1} so that they take no room).
    /// complete: given the text of the line before the cursor, returns the candidate FULL words for the
    /// last (possibly empty) word; the editor inserts the unique completion followed by a space, or the
    /// longest common prefix and lists the candidates when several match.
    /// Both closures run inside libedit callbacks: they must not trap (the terminal would stay raw).
    /// One LineEditor per process, used from the thread that created it (the main thread).
    init(historyPath: String, prompt: @escaping () -> String, complete: @escaping (String) -> [String]) {
        self.historyPath = LineEditor.resolvedPath(historyPath)
        self.promptProvider = prompt
        self.completer = complete
        self.promptText = LineEditor.duplicate("")

        // libedit silently drops non-ASCII input unless LC_CTYPE is UTF-8; it must be set before el_init.
        LineEditor.ensureUTF8Locale()

        let shared = signalShared   // allocated here, before any handler can run
        if tcgetattr(STDIN_FILENO, &shared.pointee.original) == 0 {
            shared.pointee.haveOriginal = 1
        }
        installSignalHandlers()

        if let history = history_init() {
            self.history = history
            var event = HistEvent()
            _ = closelab_history_int(history, &event, H_SETSIZE, LineEditor.historySize)
            _ = closelab_history_int(history, &event, H_SETUNIQUE, 1)
            loadHistory(history)
        }

        guard let editLine = el_init("closelab", stdin, stdout, stderr) else { return }
        self.editLine = editLine
        _ = closelab_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        _ = closelab_el_set_string(editLine, EL_EDITOR, "emacs")
        _ = closelab_el_set_int(editLine, EL_SIGNAL, 0)   // see the file comment: never on
        if let history { _ = closelab_el_set_history(editLine, history) }
        // Text between two \u{1} in the prompt is printed but takes no room (escape sequences).
        _ = closelab_el_set_prompt(editLine, { editLine in
            LineEditor.editor(of: editLine)?.promptText ?? emptyCString
        }, 1)
        _ = closelab_el_add_function(
            editLine, "closelab-complete", "Complete the word before the cursor",
            { editLine, _ in
                guard let editLine, let editor = LineEditor.editor(of: editLine) else {
                    return UInt8(CC_ERROR)
                }
                return editor.completeWord(editLine)
            })
        _ = closelab_el_bind(editLine, "^I", "closelab-complete")
        // Our own character reader: it notices a Ctrl-C that arrived while a key was being read or
        // handled, which libedit's reader would only see at the next signal.
        _ = closelab_el_set_getc(editLine, { _, character in readCharacter(character) })
        // The user's ~/.editrc (or $EDITRC) last, so that it can override the defaults above.
        _ = el_source(editLine, nil)
    }

    deinit { close() }

    /// Reads one line. `.interrupted` after Ctrl-C (the line is abandoned; "^C" and a new line are
    /// already printed), `.endOfFile` after Ctrl-D on an empty line (a new line is already printed).
    /// The returned line has no trailing newline.
    func readLine() -> ReadResult {
        guard !closed else { return .endOfFile }
        setPrompt(promptProvider())
        let shared = signalShared
        shared.pointee.interrupted = 0
        shared.pointee.suspended = 0
        guard let editLine else { return readLineWithoutEditing() }

        var carriedText: String? = nil
        while true {
            if let carriedText { el_push(editLine, carriedText) }
            carriedText = nil
            enterPrompt(interruptibleSystemCalls: false)
            errno = 0
            var count: Int32 = 0
            let text = el_gets(editLine, &count)
            let failure = errno
            leavePrompt()

            if let text, count > 0 {
                shared.pointee.interrupted = 0
                return .line(LineEditor.withoutNewline(String(cString: text)))
            }
            if shared.pointee.interrupted != 0 {
                shared.pointee.interrupted = 0
                finishAbandonedLine(editLine)
                return .interrupted
            }
            if count < 0 && failure == EINTR {
                // Another signal interrupted the read (Ctrl-Z then `fg`): draw the prompt again,
                // keeping what was typed.
                carriedText = LineEditor.printableText(LineEditor.lineText(editLine, upToCursor: false))
                if shared.pointee.suspended == 0 { LineEditor.writeOut("\n") }
                shared.pointee.suspended = 0
                continue
            }
            LineEditor.writeOut("\n")
            return .endOfFile
        }
    }

    /// Adds a non-empty line to the history and saves the history file atomically.
    func addToHistory(_ line: String) {
        guard !closed, let history else { return }
        // Trailing blanks (a completion adds one) would make "socket" and "socket " two entries.
        var entry = line
        while let last = entry.last, last.isWhitespace { entry.removeLast() }
        guard !entry.isEmpty else { return }
        var event = HistEvent()
        guard closelab_history_string(history, &event, H_ENTER, entry) != -1 else { return }
        historyChanged = true
        saveHistory()
    }

    /// Restores the terminal and the signal handlers, and saves the history. Idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        if historyChanged { saveHistory() }
        if let editLine {
            el_end(editLine)   // puts the terminal back as el_init found it
            self.editLine = nil
        }
        if let history {
            history_end(history)
            self.history = nil
        }
        let shared = signalShared
        if shared.pointee.haveOriginal != 0 {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &shared.pointee.original)
        }
        restoreSignalHandlers()
        shared.pointee.haveOriginal = 0
        free(promptText)
        promptText = nil
    }

    // MARK: - State

    private static let historySize: Int32 = 1000

    private let historyPath: String
    private let promptProvider: () -> String
    private let completer: (String) -> [String]
    private var editLine: OpaquePointer?
    private var history: OpaquePointer?
    /// The prompt of the current readLine, as the C string libedit's prompt callback returns.
    private var promptText: UnsafeMutablePointer<CChar>?
    private var closed = false
    private var historyChanged = false
    /// False when the history file exists but could not be read: never overwrite it then.
    private var historyWritable = true
    private var warnedAboutHistory = false
    private var previousActions: [(signal: Int32, action: sigaction)] = []
    private var handlesInterrupt = false
    private var previousMask = sigset_t()
    private var restoresMask = false

    // MARK: - Prompt

    private func setPrompt(_ text: String) {
        guard let copy = LineEditor.duplicate(text) else { return }
        free(promptText)
        promptText = copy
    }

    private static func duplicate(_ text: String) -> UnsafeMutablePointer<CChar>? {
        text.withCString { strdup($0) }
    }

    /// Used when el_init failed: a plain prompt and a plain read.
    private func readLineWithoutEditing() -> ReadResult {
        if let promptText { fputs(promptText, stdout) }
        fflush(stdout)
        enterPrompt(interruptibleSystemCalls: true)   // Ctrl-C must interrupt the read
        let line = Swift.readLine(strippingNewline: true)
        leavePrompt()
        if let line { return .line(line) }
        if signalShared.pointee.interrupted != 0 {
            signalShared.pointee.interrupted = 0
            clearerr(stdin)
            LineEditor.writeOut("^C\n")
            return .interrupted
        }
        LineEditor.writeOut("\n")
        return .endOfFile
    }

    /// After Ctrl-C: move past the rest of the line, then show ^C and start a new line.
    private func finishAbandonedLine(_ editLine: OpaquePointer) {
        let tail = LineEditor.textAfterCursor(editLine)
        LineEditor.writeOut((LineEditor.printableText(tail) ?? "") + "^C\n")
    }

    // MARK: - Completion (runs inside a libedit callback: must not trap)

    fileprivate func completeWord(_ editLine: OpaquePointer) -> UInt8 {
        let before = LineEditor.lineText(editLine, upToCursor: true)
        let word = LineEditor.lastWord(of: before)
        var candidates: [String] = []
        for candidate in completer(before) where !candidate.isEmpty && !candidates.contains(candidate) {
            candidates.append(candidate)
        }
        guard let first = candidates.first else { return UInt8(CC_REFRESH_BEEP) }
        if candidates.count == 1 {
            // A path prefix such as `h1.` continues with a field: no space after it.
            replaceWord(word, with: first.hasSuffix(".") ? first : first + " ", in: editLine)
            return UInt8(CC_REFRESH)
        }
        // Several: extend the word to their common prefix, then list them below the line and draw
        // the prompt again under the list. (CC_REDISPLAY would clear the rows of a wrapped line
        // upwards from the cursor, that is, the list.)
        let tail = LineEditor.textAfterCursor(editLine)
        let prefix = LineEditor.commonPrefix(of: candidates)
        if prefix.unicodeScalars.count > word.unicodeScalars.count {
            replaceWord(word, with: prefix, in: editLine)
        }
        let list = LineEditor.columns(candidates, width: Terminal.width ?? 80)
        LineEditor.writeOut((LineEditor.printableText(tail) ?? "") + list)
        _ = closelab_el_redraw(editLine)
        return UInt8(CC_NORM)
    }

    private func replaceWord(_ word: String, with replacement: String, in editLine: OpaquePointer) {
        let wordLength = word.unicodeScalars.count
        if replacement.unicodeScalars.starts(with: word.unicodeScalars) {
            let rest = String(String.UnicodeScalarView(replacement.unicodeScalars.dropFirst(wordLength)))
            _ = el_insertstr(editLine, rest)
        } else {
            // The completer may correct the word (for example its case): replace it whole.
            el_deletestr(editLine, Int32(clamping: wordLength))
            _ = el_insertstr(editLine, replacement)
        }
    }

    static func lastWord(of text: String) -> String {
        guard let space = text.unicodeScalars.lastIndex(where: { $0 == " " || $0 == "\t" }) else {
            return text
        }
        return String(text.unicodeScalars[text.unicodeScalars.index(after: space)...])
    }

    static func commonPrefix(of words: [String]) -> String {
        guard var prefix = words.first?.unicodeScalars.map({ $0 }) else { return "" }
        for word in words.dropFirst() {
            var length = 0
            for scalar in word.unicodeScalars {
                guard length < prefix.count, prefix[length] == scalar else { break }
                length += 1
            }
            prefix.removeSubrange(length...)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: prefix)
        return String(result)
    }

    /// The candidates in columns, ordered down the columns like ls(1); starts and ends with a new line.
    static func columns(_ words: [String], width: Int) -> String {
        let widest = words.map(\.count).max() ?? 0
        let columnWidth = widest + 2
        let columnCount = max(1, min(words.count, max(width, 1) / max(columnWidth, 1)))
        let rowCount = (words.count + columnCount - 1) / columnCount
        var text = "\n"
        for row in 0..<rowCount {
            var line = ""
            for column in 0..<columnCount {
                let index = column * rowCount + row
                guard index < words.count else { break }
                let word = words[index]
                line += word
                let nextIndex = (column + 1) * rowCount + row
                if column + 1 < columnCount, nextIndex < words.count {
                    line += String(repeating: " ", count: max(columnWidth - word.count, 1))
                }
            }
            text += line + "\n"
        }
        return text
    }

    // MARK: - History

    private func loadHistory(_ history: OpaquePointer) {
        var info = stat()
        guard stat(historyPath, &info) == 0 else { return }   // no file yet
        var event = HistEvent()
        if closelab_history_string(history, &event, H_LOAD, historyPath) < 0 && info.st_size > 0 {
            historyWritable = false
            warn("cannot read the history file \(historyPath); it will not be overwritten")
        }
    }

    /// Writes the whole history to a temporary file beside the history file, flushes it to disk and
    /// renames it over the history file: a kill at any moment leaves either the old or the new file.
    @discardableResult
    private func saveHistory() -> Bool {
        guard let history, historyWritable else { return false }
        let temporaryPath = "\(historyPath).\(getpid()).tmp"
        let shared = signalShared
        guard temporaryPath.utf8.count < temporaryPathCapacity else {
            warn("the history path is too long: \(historyPath)")
            return false
        }
        // Publish the name for the termination handlers (which delete it) before the file exists.
        temporaryPath.withCString { _ = strcpy(shared.pointee.temporaryPath, $0) }
        shared.pointee.saving = 1
        defer { shared.pointee.saving = 0 }

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            warn("cannot save the history to \(historyPath): \(LineEditor.describe(errno))")
            return false
        }
        guard let file = fdopen(descriptor, "w") else {
            let failure = errno
            _ = Glibc.close(descriptor)
            _ = unlink(temporaryPath)
            warn("cannot save the history to \(historyPath): \(LineEditor.describe(failure))")
            return false
        }
        var event = HistEvent()
        var saved = closelab_history_save_fp(history, &event, file) >= 0
        saved = saved && fflush(file) == 0 && ferror(file) == 0 && fsync(descriptor) == 0
        var failure = errno
        if fclose(file) != 0 && saved {
            saved = false
            failure = errno
        }
        if saved && rename(temporaryPath, historyPath) != 0 {
            saved = false
            failure = errno
        }
        guard saved else {
            _ = unlink(temporaryPath)
            warn("cannot save the history to \(historyPath): \(LineEditor.describe(failure))")
            return false
        }
        historyChanged = false
        return true
    }

    /// One warning per editor on standard error; the prompt goes on.
    private func warn(_ message: String) {
        guard !warnedAboutHistory else { return }
        warnedAboutHistory = true
        fflush(stdout)
        fputs("closelab: \(message)\n", stderr)
    }

    private static func describe(_ code: Int32) -> String {
        guard code != 0, let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    /// A symbolic link to the history file stays a link: the file it names is replaced.
    private static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    // MARK: - Signals

    private func installSignalHandlers() {
        let shared = signalShared
        shared.pointee.interruptRestarting = LineEditor.action(handleInterrupt, restart: true)
        shared.pointee.interruptInterrupting = LineEditor.action(handleInterrupt, restart: false)
        shared.pointee.suspend = LineEditor.action(handleSuspend, restart: true)
        var terminate = LineEditor.action(handleTermination, restart: true)
        var quit = LineEditor.action(handleQuit, restart: true)

        handlesInterrupt = install(SIGINT, &shared.pointee.interruptRestarting)
        _ = install(SIGTSTP, &shared.pointee.suspend)
        _ = install(SIGTERM, &terminate)
        _ = install(SIGHUP, &terminate)
        _ = install(SIGQUIT, &quit)

        // A signal mask is inherited: a parent that blocked these (a thread pool's thread spawning
        // us, for one) would make Ctrl-C and kill do nothing. Unblock the ones handled here on this
        // thread, the one that reads the terminal, so that el_gets is the read they interrupt.
        var handled = sigset_t()
        sigemptyset(&handled)
        for (signal, _) in previousActions { sigaddset(&handled, signal) }
        if pthread_sigmask(SIG_UNBLOCK, &handled, &previousMask) == 0 { restoresMask = true }
    }

    /// Installs `action` unless the signal is ignored; remembers the previous action for close().
    private func install(_ signal: Int32, _ action: inout sigaction) -> Bool {
        var previous = sigaction()
        guard sigaction(signal, nil, &previous) == 0,
              !LineEditor.isIgnored(previous),
              sigaction(signal, &action, nil) == 0 else { return false }
        previousActions.append((signal, previous))
        return true
    }

    private func restoreSignalHandlers() {
        if restoresMask {
            _ = pthread_sigmask(SIG_SETMASK, &previousMask, nil)
            restoresMask = false
        }
        for (signal, action) in previousActions.reversed() {
            var action = action
            _ = sigaction(signal, &action, nil)
        }
        previousActions = []
        handlesInterrupt = false
    }

    /// Tells the handlers that the terminal may be in raw mode. Only the plain read (no libedit)
    /// needs Ctrl-C to interrupt system calls; el_gets reads through readCharacter(), whose
    /// pselect a signal always interrupts, while its writes and tcsetattr calls must be restarted.
    private func enterPrompt(interruptibleSystemCalls: Bool) {
        let shared = signalShared
        shared.pointee.atPrompt = 1
        if handlesInterrupt && interruptibleSystemCalls {
            _ = sigaction(SIGINT, &shared.pointee.interruptInterrupting, nil)
        }
    }

    private func leavePrompt() {
        let shared = signalShared
        shared.pointee.atPrompt = 0
        if handlesInterrupt { _ = sigaction(SIGINT, &shared.pointee.interruptRestarting, nil) }
    }

    private static func action(_ handler: @escaping @convention(c) (Int32) -> Void, restart: Bool) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        action.sa_flags = restart ? SA_RESTART : 0
        sigemptyset(&action.sa_mask)
        // One handler at a time: a termination must not interrupt a suspension and the reverse.
        for blocked in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP] { sigaddset(&action.sa_mask, blocked) }
        return action
    }

    private static func isIgnored(_ action: sigaction) -> Bool {
        let handler = unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
        return handler == 1   // SIG_IGN
    }

    // MARK: - Helpers

    /// The editor behind a libedit handle (EL_CLIENTDATA).
    fileprivate static func editor(of editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = closelab_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    /// The text of libedit's line buffer, whole or up to the cursor.
    private static func lineText(_ editLine: OpaquePointer, upToCursor: Bool) -> String {
        guard let info = el_line(editLine),
              let start = info.pointee.buffer,
              let end = upToCursor ? info.pointee.cursor : info.pointee.lastchar,
              end >= start else { return "" }
        let bytes = UnsafeRawBufferPointer(start: start, count: end - start)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text from the cursor to the end of the line: writing it moves the terminal's cursor to
    /// the end of the line as drawn.
    private static func textAfterCursor(_ editLine: OpaquePointer) -> String {
        guard let info = el_line(editLine),
              let cursor = info.pointee.cursor,
              let end = info.pointee.lastchar,
              end > cursor else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: cursor, count: end - cursor), as: UTF8.self)
    }

    /// `text` if it holds no control characters (safe to echo or to push back as typed keys).
    private static func printableText(_ text: String) -> String? {
        guard !text.isEmpty,
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return text
    }

    private static func withoutNewline(_ text: String) -> String {
        var text = text
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text.removeLast() }
        return text
    }

    private static func writeOut(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    private static func ensureUTF8Locale() {
        _ = setlocale(LC_ALL, "")
        guard !isUTF8Locale() else { return }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil {
            if isUTF8Locale() { return }
        }
    }

    private static func isUTF8Locale() -> Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }
}

// MARK: - Signal handlers
//
// They run on whatever the process was doing, so they use only the preallocated `signalShared`
// block (allocated before the first handler is installed, never freed) and async-signal-safe calls.

private let temporaryPathCapacity = Int(PATH_MAX) + 1

/// libedit must never get a NULL prompt.
nonisolated(unsafe) private let emptyCString: UnsafeMutablePointer<CChar> = {
    let text = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    text.initialize(to: 0)
    return text
}()

private struct SignalShared {
    var interrupted: sig_atomic_t = 0    // SIGINT arrived; readLine() clears it
    var suspended: sig_atomic_t = 0      // SIGTSTP stopped the process at the prompt
    var atPrompt: sig_atomic_t = 0       // el_gets is running: the terminal may be in raw mode
    var haveOriginal: sig_atomic_t = 0   // `original` holds the modes from before libedit
    var saving: sig_atomic_t = 0         // `temporaryPath` may name a half-written history file
    var original = termios()
    var interruptRestarting = sigaction()     // SIGINT, SA_RESTART: the usual one
    var interruptInterrupting = sigaction()   // SIGINT without SA_RESTART: for the plain read
    var suspend = sigaction()                 // SIGTSTP, SA_RESTART
    var temporaryPath: UnsafeMutablePointer<CChar>
}

nonisolated(unsafe) private let signalShared: UnsafeMutablePointer<SignalShared> = {
    let path = UnsafeMutablePointer<CChar>.allocate(capacity: temporaryPathCapacity)
    path.initialize(repeating: 0, count: temporaryPathCapacity)
    let shared = UnsafeMutablePointer<SignalShared>.allocate(capacity: 1)
    shared.initialize(to: SignalShared(temporaryPath: path))
    return shared
}()

private func handleInterrupt(_ signal: Int32) {
    signalShared.pointee.interrupted = 1
}

/// Puts the terminal back and deletes a half-written history file.
private func restoreAfterSignal() {
    let shared = signalShared
    if shared.pointee.haveOriginal != 0 {
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &shared.pointee.original)
    }
    if shared.pointee.atPrompt != 0 {
        var newline: UInt8 = 10
        _ = write(STDOUT_FILENO, &newline, 1)
    }
    if shared.pointee.saving != 0 {
        _ = unlink(shared.pointee.temporaryPath)
    }
}

private func handleTermination(_ signal: Int32) {
    restoreAfterSignal()
    _exit(128 + signal)
}

private func handleQuit(_ signal: Int32) {
    restoreAfterSignal()
    dieOrStop(signal)
}

private func handleSuspend(_ signal: Int32) {
    let shared = signalShared
    let atPrompt = shared.pointee.atPrompt != 0
    if atPrompt {
        if shared.pointee.haveOriginal != 0 {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &shared.pointee.original)
        }
        var newline: UInt8 = 10
        _ = write(STDOUT_FILENO, &newline, 1)
        shared.pointee.suspended = 1
    }
    dieOrStop(signal)
    // Continued (`fg`): handle the next Ctrl-Z the same way.
    _ = sigaction(SIGTSTP, &shared.pointee.suspend, nil)
}

/// libedit's character reader (EL_GETCFN): 1 with a character, 0 at end of file, -1 with errno set
/// on error, EINTR when Ctrl-C or Ctrl-Z arrived since el_gets started; el_gets then returns NULL.
/// Like libedit's own reader, one byte per read(2), decoded with the (UTF-8) locale.
private func readCharacter(_ character: UnsafeMutablePointer<wchar_t>?) -> Int32 {
    guard let character else { return -1 }
    let shared = signalShared
    var watched = sigset_t()
    sigemptyset(&watched)
    sigaddset(&watched, SIGINT)
    sigaddset(&watched, SIGTSTP)
    var bytes: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar) = (0, 0, 0, 0, 0, 0, 0, 0)
    let capacity = 8
    var count = 0
    while true {
        // Check the flags with the signals blocked, then wait with them unblocked, atomically:
        // a Ctrl-C either is seen here or interrupts the wait.
        var previous = sigset_t()
        _ = pthread_sigmask(SIG_BLOCK, &watched, &previous)
        if shared.pointee.interrupted != 0 || shared.pointee.suspended != 0 {
            _ = pthread_sigmask(SIG_SETMASK, &previous, nil)
            errno = EINTR
            return -1
        }
        let ready = closelab_wait_readable(STDIN_FILENO, &previous)
        let waitError = errno
        _ = pthread_sigmask(SIG_SETMASK, &previous, nil)   // a signal that came with the input runs now
        if ready < 0 {
            errno = waitError
            return -1
        }
        if shared.pointee.interrupted != 0 || shared.pointee.suspended != 0 {
            errno = EINTR   // the keys typed after Ctrl-C stay queued for the next line
            return -1
        }
        var byte: CChar = 0
        let got = read(STDIN_FILENO, &byte, 1)
        if got == 0 { character.pointee = 0; return 0 }
        if got < 0 { return -1 }

        withUnsafeMutableBytes(of: &bytes) { $0[count] = UInt8(bitPattern: byte) }
        count += 1
        var state = mbstate_t()
        let result = withUnsafeBytes(of: &bytes) { raw in
            mbrtowc(character, raw.baseAddress!.assumingMemoryBound(to: CChar.self), count, &state)
        }
        switch result {
        case -2:   // incomplete: read another byte, unless the sequence is too long to be one
            if count >= capacity { count = 0 }
        case -1:   // invalid: drop it, but the last byte may start the next character
            if count > 1 {
                withUnsafeMutableBytes(of: &bytes) { $0[0] = UInt8(bitPattern: byte) }
                count = 1
                var retry = mbstate_t()
                let single = withUnsafeBytes(of: &bytes) { raw in
                    mbrtowc(character, raw.baseAddress!.assumingMemoryBound(to: CChar.self), 1, &retry)
                }
                if single >= 0 { return 1 }
                if single == -1 { count = 0 }
            } else {
                count = 0
            }
        default:   // a character (0 for NUL)
            return 1
        }
    }
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
