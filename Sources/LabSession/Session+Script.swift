import LabRendering
import LabScript

/// Where a script's physical lines come from: a buffer in memory, or a stream the executable
/// reads (a file, standard input). A class: a reader holds a position and, for a stream, a
/// descriptor.
public protocol LineSource: AnyObject {
    /// The next physical line without its line end (`\r\n` trimmed), or nil at the end. A line
    /// longer than `maximumLineBytes` may come back cut to `maximumLineBytes + 1` bytes: it is then
    /// reported as too long without ever being held whole.
    func nextLine() -> ArraySlice<UInt8>?
    /// Why reading stopped before the end, if it did (an I/O error, an endless line); nil after a
    /// clean end.
    var failure: String? { get }
}

/// The lines of a buffer in memory (`-c`, `source` of a small file, tests, lessons).
public final class BufferLines: LineSource {
    private let bytes: [UInt8]
    private var start = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public func nextLine() -> ArraySlice<UInt8>? {
        guard start < bytes.count else { return nil }
        let newline = bytes[start...].firstIndex(of: 10) ?? bytes.count
        var end = newline
        if end > start && bytes[end - 1] == 13 { end -= 1 }
        defer { start = newline + 1 }
        return bytes[start..<end]
    }

    public var failure: String? { nil }
}

/// How a script is run.
public struct ScriptMode: Sendable {
    /// `-c`: each `;` piece counts as a line of its own (`#` still hides the rest of the physical line).
    public var piecesAreLines = false
    /// `--bail`: stop at the first invalid line or failed expectation.
    public var stopsAtFirstFailure = false
    public init(piecesAreLines: Bool = false, stopsAtFirstFailure: Bool = false) {
        self.piecesAreLines = piecesAreLines
        self.stopsAtFirstFailure = stopsAtFirstFailure
    }
}

extension Session {
    /// The one script loop (Crafting Interpreters' `run(source)`): the runner's files, standard
    /// input and `-c`, `source`, and the tests all run scripts through it. Each line's reply is
    /// handed to `emit` as soon as it is made (output streams; nothing waits for the end), which
    /// returns false to stop. A line that quits ends the script; so does the first failure under
    /// `--bail`. Returns whether the script ran to its end.
    @discardableResult
    public mutating func runScript(_ lines: any LineSource, file: String, mode: ScriptMode = ScriptMode(),
                                   emit: (Reply) -> Bool) -> Bool {
        var number = 0
        while !environment.isInterrupted(), let line = lines.nextLine() {
            if mode.piecesAreLines {
                // `#` hides the rest of the physical line, `;` included; every piece, empty or
                // not, takes the next line number.
                let visible = line.firstIndex(of: UInt8(ascii: "#")).map { line[..<$0] } ?? line
                for piece in visible.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
                    number += 1
                    guard runScriptLine(piece, file: file, line: number, mode: mode, emit: emit) else { return false }
                }
            } else {
                number += 1
                guard runScriptLine(line, file: file, line: number, mode: mode, emit: emit) else { return false }
            }
        }
        if let failure = lines.failure {
            invalidLines += 1
            _ = emit(Reply(items: [.invalidLine(Origin(file: file, line: number + 1), failure)]))
            return false
        }
        return true
    }

    /// One line of a script: run it, hand its reply on, and say whether to go on.
    private mutating func runScriptLine(_ bytes: ArraySlice<UInt8>, file: String, line: Int, mode: ScriptMode,
                                        emit: (Reply) -> Bool) -> Bool {
        let before = (invalidLines, failedExpectations)
        let reply = run(bytes: bytes, file: file, line: line)
        guard emit(reply), !reply.quits else { return false }
        if mode.stopsAtFirstFailure && (invalidLines > before.0 || failedExpectations > before.1) { return false }
        return true
    }

    /// Runs a whole script held in memory and returns everything it printed (tests, lessons).
    public mutating func runScript(_ text: String, file: String, mode: ScriptMode = ScriptMode()) -> Reply {
        var all = Reply()
        runScript(BufferLines(text), file: file, mode: mode) { all.append(contentsOf: $0); return true }
        all.quits = false
        return all
    }
}
