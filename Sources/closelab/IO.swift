@preconcurrency import Glibc
import LabScript
import LabSession
import LabSystem

/// Buffered output to a file descriptor. A closed pipe (EPIPE) ends the program quietly with
/// the status so far (2 > 1 > 0), as `closelab < big | head -1` expects; any other failed write to
/// standard output (ENOSPC on a full disk, EIO) is reported once on standard error and exits 2.
struct Output {
    let fd: Int32
    var buffer: [UInt8] = []
    var limit = 1 << 16
    /// The run's status so far: what to exit with if the reader goes away.
    var statusOnBrokenPipe: Int32 = 0

    init(fd: Int32) { self.fd = fd; buffer.reserveCapacity(1 << 16) }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= limit { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EPIPE { exit(statusOnBrokenPipe) }
                // Standard error cannot report its own failure; standard output's is said once there.
                if fd != 2 {
                    let message = "closelab: cannot write to standard output: \(String(cString: strerror(error)))\n"
                    _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
                }
                exit(2)
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The paths that complete `partial` (TAB after `source`, `record`, `trace --pcap`): the entries of
/// its directory that start with its last component, a directory with `/` after it; hidden entries
/// only when that component starts with a dot.
func completePath(_ partial: String) -> [String] {
    let slash = partial.lastIndex(of: "/")
    let directory = slash.map { String(partial[...$0]) } ?? ""
    let prefix = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
    guard let dir = opendir(directory.isEmpty ? "." : directory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard name != ".", name != "..", name.hasPrefix(prefix), !name.hasPrefix(".") || prefix.hasPrefix(".") else { continue }
        var st = stat()
        let path = directory + name
        let isDirectory = stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        names.append(path + (isDirectory ? "/" : ""))
        if names.count > 500 { break }
    }
    return names.sorted()
}

/// Opens a script file to read as a stream; a one-line reason when it cannot.
func openLines(_ path: String) -> Result<any LineSource, TextError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(TextError(String(cString: strerror(errno)))) }
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
        close(fd)
        return .failure(TextError("is a directory"))
    }
    return .success(FileLines(fd: fd, owned: true))
}

/// Reads lines from a file descriptor as a stream, never holding more than one line (capped)
/// in memory. A line longer than `maximumLineBytes` comes back cut to `maximumLineBytes + 1` bytes,
/// so the session rejects it without it ever being stored whole; a "line" that goes on for
/// 16 MiB without a line end (`/dev/zero`) stops the reading with one error.
final class FileLines: LineSource {
    /// How far a line may run without a line end before reading stops.
    static let endlessLimit = 16 << 20

    let fd: Int32
    private let owned: Bool
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var atEOF = false
    private(set) var failure: String? = nil

    init(fd: Int32, owned: Bool) { self.fd = fd; self.owned = owned }
    deinit { if owned { close(fd) } }

    func nextLine() -> ArraySlice<UInt8>? {
        guard failure == nil else { return nil }
        var line: [UInt8] = []
        var length = 0
        var sawAnything = false
        while true {
            if start == end {
                if atEOF { return sawAnything ? trimCR(line) : nil }
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 {
                    // Ctrl-C interrupts a blocked read (a pipe, a FIFO): the input ends there, and
                    // the runner, seeing the flag, stops the run.
                    if errno == EINTR && Signals.isInterrupted { return nil }
                    if errno == EINTR { continue }
                    failure = "read error: \(String(cString: strerror(errno))); reading stopped"
                    return nil
                }
                if n == 0 { atEOF = true; continue }
                start = 0; end = n
            }
            sawAnything = true
            if let nl = chunk[start..<end].firstIndex(of: 10) {
                if line.isEmpty {
                    // The whole line is in the chunk: lend a slice of it, no copy. (The next read
                    // refills the chunk only once it is used up, after the caller is done with it.)
                    let whole = chunk[start..<min(nl, start + maximumLineBytes + 1)]
                    start = nl + 1
                    return whole.last == 13 && whole.count <= maximumLineBytes ? whole.dropLast() : whole
                }
                append(chunk[start..<nl], to: &line)
                start = nl + 1
                return trimCR(line)
            }
            append(chunk[start..<end], to: &line)
            length += end - start
            start = end
            if length > FileLines.endlessLimit {
                failure = "no line end within 16 MiB (\(FileLines.endlessLimit) bytes): reading stopped"
                return nil
            }
        }
    }

    private func append(_ bytes: ArraySlice<UInt8>, to line: inout [UInt8]) {
        let room = maximumLineBytes + 1 - line.count
        if room > 0 { line.append(contentsOf: bytes.prefix(room)) }
    }

    private func trimCR(_ line: [UInt8]) -> ArraySlice<UInt8> {
        line.last == 13 && line.count <= maximumLineBytes ? line.dropLast() : line[...]
    }
}

enum Environment {
    static func get(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }
}

/// Writes a file for `record` and `trace --pcap` (LabSystem's `Files.write`: atomically for a
/// regular file, through a symbolic link, directly to a device or FIFO).
func writeWholeFile(_ path: String, _ bytes: [UInt8]) -> Result<Void, TextError> {
    Files.write(bytes, to: path).mapError { TextError($0.reason) }
}
