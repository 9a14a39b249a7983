@preconcurrency import Glibc
import LabSession

/// Buffered output to a file descriptor. A closed pipe (EPIPE) ends the program quietly with
/// the status so far, as `closelab < big | head -1` expects.
struct Output {
    let fd: Int32
    var buffer: [UInt8] = []
    var limit = 1 << 16
    /// Called when the reader went away; returns the status to exit with.
    var onBrokenPipe: () -> Int32 = { 0 }

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
                if errno == EINTR { continue }
                if errno == EPIPE { exit(onBrokenPipe()) }
                break
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a whole file; a one-line reason when it cannot.
func readWholeFile(_ path: String) -> Result<[UInt8], TextError> {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return .failure(TextError(String(cString: strerror(errno)))) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return .failure(TextError("is a directory")) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return .failure(TextError(String(cString: strerror(errno))))
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return .success(bytes)
}

/// Reads lines from a file descriptor without holding more than one line (capped) in memory.
/// A line longer than `cap` bytes is returned cut to `cap + 1` bytes, so the caller can reject
/// it without it ever being stored whole.
struct LineReader {
    let fd: Int32
    let cap: Int
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var atEOF = false

    init(fd: Int32, cap: Int) { self.fd = fd; self.cap = cap }

    mutating func next() -> [UInt8]? {
        var line: [UInt8] = []
        var sawAnything = false
        while true {
            if start == end {
                if atEOF { return sawAnything ? trimCR(line) : nil }
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { atEOF = true; continue }
                start = 0; end = n
            }
            sawAnything = true
            if let nl = chunk[start..<end].firstIndex(of: 10) {
                append(chunk[start..<nl], to: &line)
                start = nl + 1
                return trimCR(line)
            }
            append(chunk[start..<end], to: &line)
            start = end
        }
    }

    private func append(_ bytes: ArraySlice<UInt8>, to line: inout [UInt8]) {
        let room = cap + 1 - line.count
        if room > 0 { line.append(contentsOf: bytes.prefix(room)) }
    }

    private func trimCR(_ line: [UInt8]) -> [UInt8] {
        line.last == 13 && line.count <= cap ? Array(line.dropLast()) : line
    }
}

enum Environment {
    static func get(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }
}

/// Writes a whole file atomically: a temporary file beside it, then a rename.
func writeWholeFile(_ path: String, _ bytes: [UInt8]) -> Result<Void, TextError> {
    let temporary = path + ".closelab-\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return .failure(TextError(String(cString: strerror(errno)))) }
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            return .failure(TextError(reason))
        }
        offset += n
    }
    close(fd)
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        return .failure(TextError(reason))
    }
    return .success(())
}
