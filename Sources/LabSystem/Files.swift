// Files: writing a file the user named, safely.
//
//   regular file, or none yet   written atomically: a temporary file beside it, created with
//                               O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable hidden name (so a
//                               link planted at a guessable name is never followed), mode from the
//                               umask, fsync'd, then renamed over the target (`replace`, which the
//                               history file uses too)
//   symbolic link               followed (to its final target), and that target written as above:
//                               the link itself stays a link
//   device, FIFO, socket        written directly, as the user asked (/dev/null, a named pipe): a
//                               write error (ENOSPC on /dev/full) is reported
//   directory                   refused
//
// No path the user did not name is ever opened for writing, and nothing is left behind on failure.
//
// No Foundation here: startup time matters.

@preconcurrency import Glibc

/// Why a file could not be written: one line, for the command's error.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    /// The errno it came from (EIO for a reason given as text).
    public let code: Int32
    public init(_ reason: String) { self.reason = reason; code = EIO }
    /// From `errno`.
    public init(errno code: Int32) { reason = String(cString: strerror(code)); self.code = code }
    public var description: String { reason }
}

public enum Files {
    /// Writes `bytes` to `path` as the table at the top of this file says.
    public static func write(_ bytes: [UInt8], to path: String) -> Result<Void, FileError> {
        switch target(of: path) {
        case .failure(let error): return .failure(error)
        case .success(let (resolved, kind)):
            switch kind {
            case .missing, .regular: return writeAtomically(bytes, to: resolved)
            case .special: return writeDirectly(bytes, to: resolved)
            case .directory: return .failure(FileError("is a directory"))
            }
        }
    }

    enum Kind { case missing, regular, special, directory }

    /// The path to write after following symbolic links, and what is there.
    static func target(of path: String) -> Result<(String, Kind), FileError> {
        var current = path
        for _ in 0..<40 {   // ELOOP's own limit
            var st = stat()
            guard lstat(current, &st) == 0 else {
                return errno == ENOENT ? .success((current, .missing)) : .failure(FileError(errno: errno))
            }
            switch st.st_mode & S_IFMT {
            case S_IFLNK:
                guard let link = readLink(current) else { return .failure(FileError(errno: errno)) }
                current = link.hasPrefix("/") ? link : directory(of: current) + link
            case S_IFREG: return .success((current, .regular))
            case S_IFDIR: return .success((current, .directory))
            default: return .success((current, .special))
            }
        }
        return .failure(FileError(errno: ELOOP))
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `dir/` of `dir/name`, or `` for a bare name (the current directory).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// A temporary file beside `path`, created exclusively, filled, flushed to disk and renamed
    /// over it.
    static func writeAtomically(_ bytes: [UInt8], to path: String) -> Result<Void, FileError> {
        replace(path) { fd in writeAll(bytes, to: fd) }
    }

    /// Replaces `path` (a regular file, or none yet) with what `fill` writes to a temporary file
    /// beside it: created O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable hidden name and announced
    /// to the signal handlers (a kill at any moment leaves nothing behind), given `mode` if one is
    /// asked (else 0666 less the umask), fsync'd, renamed over `path`, and the directory fsync'd so
    /// the rename reaches the disk too. `fill` writes to the descriptor and must not close it.
    /// Nothing is left behind on failure.
    public static func replace(_ path: String, mode: mode_t? = nil,
                               fill: (Int32) -> FileError?) -> Result<Void, FileError> {
        let (fd, temporary): (Int32, String)
        switch createTemporary(beside: path) {
        case .failure(let error): return .failure(error)
        case .success(let made): (fd, temporary) = made
        }
        defer { Signals.withdrawTemporaryFile() }
        var failure: FileError? = fill(fd)
        if failure == nil, let mode, fchmod(fd, mode) != 0 { failure = FileError(errno: errno) }
        if failure == nil && fsync(fd) != 0 { failure = FileError(errno: errno) }
        if close(fd) != 0 && failure == nil { failure = FileError(errno: errno) }
        if failure == nil && rename(temporary, path) != 0 { failure = FileError(errno: errno) }
        if let failure {
            unlink(temporary)
            return .failure(failure)
        }
        let directory = open(Files.directory(of: path).isEmpty ? "." : Files.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
        return .success(())
    }

    /// `DIR/.NAME.XXXXXXXXXXXX.tmp` beside `path`, the X random, opened O_CREAT|O_EXCL|O_NOFOLLOW
    /// (mode 0666 less the umask), announced to the signal handlers first; another name is tried if
    /// one exists.
    public static func createTemporary(beside path: String) -> Result<(Int32, String), FileError> {
        let directory = Files.directory(of: path)
        let name = String(path.dropFirst(directory.count))
        for _ in 0..<100 {
            let temporary = "\(directory).\(name).\(randomSuffix()).tmp"
            guard Signals.announceTemporaryFile(temporary) else { return .failure(FileError(errno: ENAMETOOLONG)) }
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            if fd >= 0 { return .success((fd, temporary)) }
            Signals.withdrawTemporaryFile()
            if errno != EEXIST { return .failure(FileError(errno: errno)) }
        }
        return .failure(FileError(errno: EEXIST))
    }

    /// Twelve characters from the system's random source (the standard library's generator reads
    /// the kernel's).
    static func randomSuffix() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A device, FIFO or socket the user named: opened for writing as it is (never created, never
    /// replaced) and written.
    static func writeDirectly(_ bytes: [UInt8], to path: String) -> Result<Void, FileError> {
        let fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileError(errno: errno)) }
        var failure = writeAll(bytes, to: fd)
        if close(fd) != 0 && failure == nil { failure = FileError(errno: errno) }
        return failure.map { .failure($0) } ?? .success(())
    }

    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> FileError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return FileError(errno: errno)
            }
            offset += n
        }
        return nil
    }
}
