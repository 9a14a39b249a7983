@preconcurrency import CEditLine
@preconcurrency import Glibc
import LabSystem
import Synchronization

/// Facts about the terminal on standard output, for the runner and the line editor.
enum Terminal {
    /// The number of columns of the terminal on standard output, or nil when it is not a terminal.
    /// Read once, and again after each resize (SIGWINCH, counted by LabSystem's `Signals`): the
    /// runner puts it into the session's display width before each command, so the next table
    /// fits the terminal as it is now. Main thread only.
    static var width: Int? {
        let resizes = Signals.resizeCount
        if let cached = cachedWidth, cached.resizes == resizes { return cached.columns }
        let columns = closelab_terminal_columns(STDOUT_FILENO)
        let width = columns > 0 ? Int(columns) : nil
        cachedWidth = (resizes, width)
        return width
    }

    /// True when the terminal echoes control characters typed on standard input as `^C`: then a
    /// Ctrl-C during a command has left `^C` on the current line.
    static var echoesControlCharacters: Bool {
        var modes = termios()
        guard tcgetattr(STDIN_FILENO, &modes) == 0 else { return false }
        return modes.c_lflag & tcflag_t(ECHO) != 0 && modes.c_lflag & tcflag_t(ECHOCTL) != 0
    }

    /// The width last read, and the resize count it was read at.
    nonisolated(unsafe) private static var cachedWidth: (resizes: Int, columns: Int?)? = nil
}

/// Writes all of `text` to a file descriptor, again after EINTR (Ctrl-C during a command makes
/// system calls fail with it; see LabSystem's Signals.swift). Standard I/O would drop the rest.
func writeAll(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// The progress line a live backend's long `advance` keeps redrawing on standard error
/// (`  advance: 3s of 1m …`, no line end): the prompt erases it before the command's reply.
final class ProgressLine: Sendable {
    private let isShown = Atomic<Bool>(false)

    /// Draws `text` over the line (from any thread).
    func show(_ text: String) {
        writeAll("\r" + text + "\u{1B}[K", to: STDERR_FILENO)
        isShown.store(true, ordering: .releasing)
    }

    /// Erases the line if one is showing; true if it did (a `^C` echoed on it went with it).
    @discardableResult
    func erase() -> Bool {
        guard isShown.exchange(false, ordering: .acquiringAndReleasing) else { return false }
        writeAll("\r\u{1B}[K", to: STDERR_FILENO)
        return true
    }
}
