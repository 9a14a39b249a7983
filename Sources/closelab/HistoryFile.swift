// The prompt's history file, shared by every closelab prompt of the user at once.
//
// Each prompt appends the lines typed in it; none overwrites another's. A save, under an advisory
// lock (flock on `<history>.lock` beside the file, which is never removed: two sessions must
// always lock the same inode), reads the file as it is now, adds this session's entries not yet
// written, trims to the limit (oldest first) and replaces the file atomically:
//
//     lock ─▶ load the file ─▶ + pending entries ─▶ temporary file ─▶ fsync ─▶ rename ─▶ unlock
//             (others' lines)    (this session's)    O_CREAT|O_EXCL|O_NOFOLLOW, random name,
//                                                    same directory, announced to the signal
//                                                    handlers (removed if killed meanwhile)
//
// So a reader (a prompt starting) sees the old file or the new one, never part of one, and two
// prompts that save in turn each find the other's entries in the file. An entry that could not be
// saved stays pending and goes with the next save (or at close). A file that exists but cannot be
// read is never overwritten.
//
// The file's format is libedit's (history(3) H_LOAD / H_SAVE_FP), read and written through a
// scratch History, so the editor's own in-memory history is left alone: Up recalls this session's
// lines and what the file held when it started.
//
// No Foundation here: startup time matters.

@preconcurrency import CEditLine
@preconcurrency import Glibc
import LabRendering
import LabSystem

final class HistoryFile {
    /// The history file (a symbolic link to it is resolved once: the file it names is replaced).
    let path: String
    /// The most entries the file keeps.
    let limit: Int32
    /// This session's entries not in the file yet.
    private(set) var pending: [String] = []
    /// False when the file exists but could not be read: it is never overwritten then.
    private(set) var isWritable = true
    /// Called with a one-line problem (the first one only).
    private let report: (String) -> Void
    private var hasReported = false

    /// How long a save waits for another prompt's save to end before giving up for now.
    static let lockPatience: Int64 = 2_000_000_000

    init(path: String, limit: Int32, report: @escaping (String) -> Void) {
        self.path = HistoryFile.resolved(path)
        self.limit = limit
        self.report = report
    }

    /// Loads the file's entries into the editor's `history` (no file yet is no problem).
    func load(into history: OpaquePointer) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        var event = HistEvent()
        if closelab_history_string(history, &event, H_LOAD, path) < 0 && info.st_size > 0 {
            isWritable = false
            problem("cannot read the history file \(escapingControlCharacters(path)); it will not be overwritten")
        }
    }

    /// Adds `entry` (already trimmed, not empty) to the file, merged with what other prompts
    /// wrote meanwhile. Returns whether the file now holds every entry of this session.
    @discardableResult
    func append(_ entry: String) -> Bool {
        pending.append(entry)
        if pending.count > Int(limit) { pending.removeFirst(pending.count - Int(limit)) }
        return save()
    }

    /// Writes the entries still pending (a save that failed earlier). Returns whether none is left.
    @discardableResult
    func save() -> Bool {
        guard !pending.isEmpty else { return true }
        guard isWritable else { return false }
        // Ctrl-C and resizes wait until the file is in place: no write fails with EINTR halfway.
        return Signals.deferringInterrupts { saveUnderLock() }
    }

    // MARK: - Saving

    private func saveUnderLock() -> Bool {
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return failed(errno) }
        defer { _ = close(lock) }   // closing releases the lock
        guard HistoryFile.lockExclusively(lock) else {
            return failed("another closelab has held \(escapingControlCharacters(lockPath)) for over 2s; the history will be saved later")
        }
        guard let merged = history_init() else { return failed(ENOMEM) }
        defer { history_end(merged) }
        var event = HistEvent()
        _ = closelab_history_int(merged, &event, H_SETSIZE, limit)
        _ = closelab_history_int(merged, &event, H_SETUNIQUE, 1)

        var info = stat()
        let exists = stat(path, &info) == 0
        if exists && closelab_history_string(merged, &event, H_LOAD, path) < 0 && info.st_size > 0 {
            isWritable = false
            return failed("cannot read the history file \(escapingControlCharacters(path)); it will not be overwritten")
        }
        for entry in pending { _ = closelab_history_string(merged, &event, H_ENTER, entry) }
        if let error = write(merged, mode: exists ? info.st_mode & 0o777 : 0o600) { return failed(error) }
        pending.removeAll()
        return true
    }

    /// Writes `history` over the history file atomically (LabSystem's `Files.replace`: a fresh
    /// temporary file beside it, flushed to the disk, renamed over it); the file gets `mode`.
    /// Returns errno on failure (the temporary file removed).
    private func write(_ history: OpaquePointer, mode: mode_t) -> Int32? {
        let result = Files.replace(path, mode: mode) { descriptor in
            // libedit writes through a FILE; it gets its own descriptor, which fclose closes.
            guard let file = fdopen(dup(descriptor), "w") else { return FileError(errno: errno) }
            var event = HistEvent()
            let saved = closelab_history_save_fp(history, &event, file) >= 0 && fflush(file) == 0 && ferror(file) == 0
            let failure = saved ? nil : FileError(errno: errno == 0 ? EIO : errno)
            return fclose(file) != 0 && failure == nil ? FileError(errno: errno) : failure
        }
        switch result {
        case .success: return nil
        case .failure(let error): return error.code
        }
    }

    /// Waits for the lock, at most `lockPatience`. Another prompt holds it only while it saves.
    private static func lockExclusively(_ descriptor: Int32) -> Bool {
        let deadline = monotonicNanoseconds() + lockPatience
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR, monotonicNanoseconds() < deadline else { return false }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            _ = nanosleep(&pause, nil)
        }
    }

    // MARK: - Helpers

    private func failed(_ code: Int32) -> Bool {
        let reason = code != 0 ? strerror(code).map { String(cString: $0) } ?? "error \(code)" : "unknown error"
        return failed("cannot save the history to \(escapingControlCharacters(path)): \(reason)")
    }

    private func failed(_ message: String) -> Bool {
        problem(message)
        return false
    }

    private func problem(_ message: String) {
        guard !hasReported else { return }
        hasReported = true
        report(message)
    }


    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// A symbolic link to the history file stays a link: the file it names is replaced.
    private static func resolved(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
