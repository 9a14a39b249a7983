// The interactive line editor: libedit (BSD editline) behind a small Swift class.
//
// Used only when standard input is a terminal (the runner decides once, at start). It gives the
// prompt history (Up/Down arrows, saved to a file that concurrent prompts share), TAB completion
// through a closure, Ctrl-C to abandon a line and Ctrl-D to quit, and it always gives the terminal
// back in the state it found it: on return, on close(), on exit(), and when SIGTERM, SIGHUP or
// SIGQUIT arrive (LabSystem's handlers restore the modes saved here).
//
// Its rooms:
//   LineEditor.swift           the editor: libedit set-up, readLine, the prompt, completion glue
//   LineEditor+Signals.swift   the character reader that notices Ctrl-C, Ctrl-Z and resizes
//   HistoryFile.swift          the history file: locked, merged, replaced atomically
//   CompletionLayout.swift     the candidates' common prefix and columns (pure, tested)
// The signal handlers themselves belong to LabSystem (Signals.swift lists every one the program
// has). libedit's own signal handling (EL_SIGNAL) stays OFF: its handler re-sends every signal it
// catches to the whole process group (kill(0, sig)), so a `kill <pid>` aimed at closelab would
// also kill the shell script or pipeline it runs in.
//
// No Foundation here: startup time matters.

@preconcurrency import CEditLine
@preconcurrency import Glibc
import LabRendering
import LabSystem

final class LineEditor {
    enum ReadResult { case line(String), interrupted, endOfFile }

    /// historyPath: file to load at start and append to (shared with other prompts). prompt: called
    /// each time a prompt is drawn (once per readLine(); redraws within one readLine, after a
    /// completion list or Ctrl-Z, reuse its text; escape sequences may be wrapped in \u{1}…\u{1} so
    /// that they take no room). complete: given the text of the line before the cursor, returns the
    /// candidate FULL words for the last (possibly empty) word; the editor inserts the unique
    /// completion followed by a space, or the longest common prefix and lists the candidates when
    /// several match.
    /// Both closures run inside libedit callbacks: they must not trap (the terminal would stay raw).
    /// One LineEditor per process, used from the main thread, after `Signals.install(for: .prompt)`.
    init(historyPath: String, prompt: @escaping () -> String, complete: @escaping (String) -> [String]) {
        self.historyFile = HistoryFile(path: historyPath, limit: LineEditor.historySize,
                                       report: LineEditor.warn)
        self.promptProvider = prompt
        self.completer = complete
        self.promptText = LineEditor.duplicate("")
        self.seenResizes = Signals.resizeCount

        // libedit silently drops non-ASCII input unless LC_CTYPE is UTF-8; it must be set before el_init.
        LineEditor.ensureUTF8Locale()
        // Before libedit changes anything: the modes every exit path puts back.
        Signals.saveTerminalModes(of: STDIN_FILENO)

        if let history = history_init() {
            self.history = history
            var event = HistEvent()
            _ = closelab_history_int(history, &event, H_SETSIZE, LineEditor.historySize)
            _ = closelab_history_int(history, &event, H_SETUNIQUE, 1)
            historyFile.load(into: history)
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
        // Our own character reader (LineEditor+Signals.swift): it notices a Ctrl-C that arrived
        // while a key was being read or handled, which libedit's reader would only see at the next
        // signal, and tells libedit about resizes.
        _ = closelab_el_set_getc(editLine, { editLine, character in readCharacter(editLine, character) })
        // The user's ~/.editrc (or $EDITRC) last, so that it can override the defaults above.
        _ = el_source(editLine, nil)
    }

    deinit { close() }

    /// Reads one line. `.interrupted` after Ctrl-C (the line is abandoned; "^C" and a new line are
    /// already printed), `.endOfFile` after Ctrl-D on an empty line (a new line is already printed).
    /// The returned line has no trailing newline. A Ctrl-C that arrives after Enter was read stays
    /// raised (`Signals.isInterrupted`): it is meant for the command the line runs.
    func readLine() -> ReadResult {
        guard !closed else { return .endOfFile }
        setPrompt(promptProvider())
        Signals.clearInterrupt()   // a Ctrl-C between two commands is for neither
        Signals.clearSuspension()
        guard let editLine else { return readLineWithoutEditing() }

        var carriedText: String? = nil
        while true {
            if let carriedText { el_push(editLine, carriedText) }
            carriedText = nil
            Signals.enterPrompt(restartsSystemCalls: true)
            errno = 0
            var count: Int32 = 0
            let text = el_gets(editLine, &count)
            let failure = errno
            Signals.leavePrompt()

            if let text, count > 0 {
                return .line(LineEditor.withoutNewline(String(cString: text)))
            }
            if Signals.isInterrupted {
                Signals.clearInterrupt()
                finishAbandonedLine(editLine)
                return .interrupted
            }
            if count < 0 && failure == EINTR {
                // Ctrl-Z then `fg` interrupted the read: draw the prompt again, keeping what was typed.
                carriedText = LineEditor.printableText(LineEditor.lineText(editLine, upToCursor: false))
                if !Signals.wasSuspended { LineEditor.writeOut("\n") }
                Signals.clearSuspension()
                continue
            }
            LineEditor.writeOut("\n")
            return .endOfFile
        }
    }

    /// Adds a non-empty line to the history and appends it to the history file.
    func addToHistory(_ line: String) {
        guard !closed, let history else { return }
        // Trailing blanks (a completion adds one) would make "socket" and "socket " two entries.
        var entry = line
        while let last = entry.last, last.isWhitespace { entry.removeLast() }
        guard !entry.isEmpty else { return }
        var event = HistEvent()
        guard closelab_history_string(history, &event, H_ENTER, entry) != -1 else { return }
        historyFile.append(entry)
    }

    /// Restores the terminal, and saves what the history file still lacks. Idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        historyFile.save()
        if let editLine {
            el_end(editLine)   // puts the terminal back as el_init found it
            self.editLine = nil
        }
        if let history {
            history_end(history)
            self.history = nil
        }
        Signals.restoreTerminalModes()
        free(promptText)
        promptText = nil
    }

    // MARK: - State

    private static let historySize: Int32 = 1000

    private let historyFile: HistoryFile
    private let promptProvider: () -> String
    private let completer: (String) -> [String]
    private var editLine: OpaquePointer?
    private var history: OpaquePointer?
    /// The prompt of the current readLine, as the C string libedit's prompt callback returns.
    private var promptText: UnsafeMutablePointer<CChar>?
    private var closed = false
    /// `Signals.resizeCount` when libedit last learnt the terminal's size (the reader updates it).
    var seenResizes: Int

    // MARK: - Prompt

    private func setPrompt(_ text: String) {
        guard let copy = LineEditor.duplicate(text) else { return }
        free(promptText)
        promptText = copy
    }

    private static func duplicate(_ text: String) -> UnsafeMutablePointer<CChar>? {
        text.withCString { strdup($0) }
    }

    /// Used when el_init failed: a plain prompt and a plain read, which Ctrl-C interrupts.
    private func readLineWithoutEditing() -> ReadResult {
        if let promptText { LineEditor.writeOut(String(cString: promptText)) }
        Signals.enterPrompt(restartsSystemCalls: false)
        let line = Swift.readLine(strippingNewline: true)
        Signals.leavePrompt()
        if let line { return .line(line) }
        if Signals.isInterrupted {
            Signals.clearInterrupt()
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
        let word = CompletionLayout.lastWord(of: before)
        let candidates = CompletionLayout.distinct(completer(before))
        guard let first = candidates.first else { return UInt8(CC_REFRESH_BEEP) }
        if candidates.count == 1 {
            replaceWord(word, with: CompletionLayout.insertion(forUnique: first), in: editLine)
            return UInt8(CC_REFRESH)
        }
        // Several: extend the word to their common prefix, then list them below the line and draw
        // the prompt again under the list. (CC_REDISPLAY would clear the rows of a wrapped line
        // upwards from the cursor, that is, the list.)
        let tail = LineEditor.textAfterCursor(editLine)
        let prefix = CompletionLayout.commonPrefix(of: candidates)
        if prefix.unicodeScalars.count > word.unicodeScalars.count {
            replaceWord(word, with: prefix, in: editLine)
        }
        // A candidate may be a name the user gave (a snapshot's): shown with its control
        // characters escaped, never sent to the terminal raw.
        let list = CompletionLayout.columns(candidates.map(escapingControlCharacters), width: Terminal.width ?? 80)
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

    // MARK: - Helpers

    /// The editor behind a libedit handle (EL_CLIENTDATA).
    static func editor(of editLine: OpaquePointer?) -> LineEditor? {
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

    /// After whatever libedit has buffered on stdout.
    private static func writeOut(_ text: String) {
        fflush(stdout)
        writeAll(text, to: STDOUT_FILENO)
    }

    /// One line on standard error; the prompt goes on.
    private static func warn(_ message: String) {
        fflush(stdout)
        writeAll("closelab: \(message)\n", to: STDERR_FILENO)
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

/// libedit must never get a NULL prompt.
nonisolated(unsafe) private let emptyCString: UnsafeMutablePointer<CChar> = {
    let text = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    text.initialize(to: 0)
    return text
}()
