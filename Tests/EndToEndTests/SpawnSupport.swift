import Foundation

/// The built binary started in the background, its output going to files (no reader threads, so
/// dozens can run at once), waited for with a deadline.
final class SpawnedBinary: @unchecked Sendable {
    let arguments: [String]
    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let outURL: URL
    private let errURL: URL
    /// Set when the deadline passed and the process was killed.
    private(set) var timedOut = false

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        self.arguments = arguments
        let dir = temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        outURL = dir.appendingPathComponent("out")
        errURL = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: closelabBinary)
        process.arguments = arguments
        process.environment = binaryEnvironment(environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    /// What it wrote so far.
    var out: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var err: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Its exit status once it was waited for.
    private var status: Int32?
    private var hasEnded = false

    /// Waits for it to exit until `deadline`; past it, kills it (SIGKILL) and returns nil. Waiting
    /// again returns the same answer at once.
    func wait(until deadline: DispatchTime) -> Int32? {
        if hasEnded { return status }
        hasEnded = true
        if exited.wait(timeout: deadline) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        status = process.terminationStatus
        return status
    }
}

/// Polls `condition` every few milliseconds until it holds or `seconds` pass; whether it held.
func wait(seconds: Double, until condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(5_000)
    }
    return true
}

/// Makes a child start with no signal blocked and every catchable signal at its default action:
/// a test worker thread blocks most signals, and a child would inherit that (Ctrl-C, kill and even
/// tmux's kill-server would then not reach it).
func resetSignals(in attributes: inout posix_spawnattr_t) {
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in 1..<Int32(32) where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
}
