// Ctrl-C (SIGINT) during a script run of the binary: the run stops with exit status 130, what it
// printed so far written, whatever it was doing (a long command, a read from a pipe, a live
// backend's real-time wait). Each test waits for a condition (a file the script records once it
// is under way), sends SIGINT, and waits for the exit with a deadline; none sleeps a fixed time.

import Foundation
import Testing

@Suite("Ctrl-C in a script", .serialized, .timeLimit(.minutes(5)))
struct InterruptTests {
    @Test("A script file's long command stops: status 130, the output so far written")
    func longCommandInFile() throws {
        let directory = try freshDirectory()
        let marker = directory + "/marker.lab"
        // `compare` after 2000 sockets replays them line by line under every profile: minutes.
        let script = try temporaryFile("format off\n" + String(repeating: "socket\n", count: 2000)
            + "format plain\nrecord \(marker)\ncompare\nsocket\n")
        let run = try InterruptibleBinary([script.path])
        try run.waitUntilFileExists(marker)
        run.interrupt()
        let status = try run.waitForExit()
        #expect(status == 130, "stderr: \(run.standardError())")
        #expect(run.standardError() == "closelab: interrupted\n")
        let out = run.standardOutput()
        #expect(out.contains("recorded 2000 commands to '\(marker)'"), "stdout: \(out.suffix(500))")
        #expect(!out.contains("compare:"), "the unfinished comparison must not be printed")
        #expect(!out.contains("h2001"), "the script must stop at the interrupted line")
    }

    @Test("A script read from a pipe stops while it waits for the next line")
    func blockedReadFromPipe() throws {
        let directory = try freshDirectory()
        let marker = directory + "/marker.lab"
        let run = try InterruptibleBinary(["--format", "plain"], feedsStandardInput: true)
        // The pipe stays open: after these lines closelab waits in read(2) for more.
        run.feed("socket\nrecord \(marker)\n")
        try run.waitUntilFileExists(marker)
        run.interrupt()
        let status = try run.waitForExit()
        #expect(status == 130, "stderr: \(run.standardError())")
        #expect(run.standardOutput().contains("WSPSocket(stream) = h1"))
    }

    @Test("A live backend's real-time advance stops, and the run ends with 130")
    func liveAdvance() throws {
        let directory = try freshDirectory()
        let marker = directory + "/marker.lab"
        let run = try InterruptibleBinary(["--backend", "linux", "--format", "plain", "-c",
                                     "socket; connect h1; record \(marker); advance 60s; socket"])
        try run.waitUntilFileExists(marker)
        let interrupted = Date()
        run.interrupt()
        let status = try run.waitForExit()
        #expect(status == 130, "stderr: \(run.standardError())")
        #expect(Date().timeIntervalSince(interrupted) < 30, "the 60 s wait must stop at Ctrl-C")
        #expect(!run.standardOutput().contains("h2"), "the script must stop at the interrupted line")
    }
}

/// The binary run with posix_spawn: no inherited signal mask or ignored signals (a test worker
/// thread blocks most signals, and SIGINT that was ignored at start would stay ignored), standard
/// output and error to files, standard input a pipe the test writes to (kept open) or /dev/null.
final class InterruptibleBinary {
    let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private var input: FileHandle?
    private var exitStatus: Int32?

    /// How long a wait gives its condition before the test fails (a loaded machine is slow).
    static let patience: TimeInterval = 60

    init(_ arguments: [String], feedsStandardInput: Bool = false) throws {
        let directory = try freshDirectory()
        outputPath = directory + "/stdout"
        errorPath = directory + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if feedsStandardInput {
            guard pipe(&pipeEnds) == 0 else { throw CocoaError(.fileWriteUnknown) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        resetSignals(in: &attributes)

        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        var argv: [UnsafeMutablePointer<CChar>?] = ([closelabBinary] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, closelabBinary, &actions, &attributes, &argv, &envp)
        if feedsStandardInput {
            close(pipeEnds[0])
            input = FileHandle(fileDescriptor: pipeEnds[1], closeOnDealloc: true)
        }
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        pid = child
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Writes to the child's standard input (which stays open).
    func feed(_ text: String) { input?.write(Data(text.utf8)) }

    func interrupt() { kill(pid, SIGINT) }

    func waitUntilFileExists(_ path: String) throws {
        let deadline = Date().addingTimeInterval(InterruptibleBinary.patience)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline, waitpid(pid, nil, WNOHANG) == 0 else {
                throw TmuxFailure(description: "\(path) never appeared; stderr: \(standardError())")
            }
            usleep(10_000)
        }
    }

    /// The exit status (128 + signal when a signal ended it); fails after `patience` seconds.
    func waitForExit() throws -> Int32 {
        let deadline = Date().addingTimeInterval(InterruptibleBinary.patience)
        while true {
            var status: Int32 = 0
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid {
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                exitStatus = code
                return code
            }
            guard Date() < deadline else {
                throw TmuxFailure(description: "closelab did not exit; stderr: \(standardError())")
            }
            usleep(10_000)
        }
    }

    func standardOutput() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    func standardError() -> String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
}

/// A new, empty directory under the test run's temporary directory.
private func freshDirectory() throws -> String {
    let directory = temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.path
}
