import Foundation

/// The built `closelab` binary: it sits beside the test bundle's executable.
/// `CLOSELAB_BINARY` overrides it (for running these tests against another build).
let closelabBinary: String = {
    if let override = ProcessInfo.processInfo.environment["CLOSELAB_BINARY"] { return override }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // swift-testing may run from <bin>/closelabPackageTests.xctest; the binary is in <bin>.
    if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
    return dir.appendingPathComponent("closelab").path
}()

struct BinaryRun {
    var status: Int32
    var out: String
    var err: String
    var outBytes: Data
}

/// The environment the binary runs in: this process's, without colour, with `extra` on top.
func binaryEnvironment(_ extra: [String: String]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (k, v) in extra { env[k] = v }
    return env
}

/// Runs the binary with arguments and stdin bytes; waits for it (with a timeout).
func runBinary(_ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:],
               timeout: TimeInterval = 60) throws -> BinaryRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: closelabBinary)
    process.arguments = arguments
    process.environment = binaryEnvironment(environment)
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Feed stdin and drain both outputs concurrently so no pipe fills up.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter()
    DispatchQueue.global().async { outData = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    DispatchQueue.global().async {
        try? input.fileHandleForWriting.write(contentsOf: stdin)
        try? input.fileHandleForWriting.close()
    }
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    group.wait()
    return BinaryRun(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                     err: String(decoding: errData, as: UTF8.self), outBytes: outData)
}

/// The directory every temporary file of this test process goes to; removed when the process ends.
let temporaryDirectory: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("closelab-e2e-\(getpid())")
    atexit {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("closelab-e2e-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
    }
    return dir
}()

/// A temporary file with the given text, in a fresh folder under `temporaryDirectory`.
func temporaryFile(_ text: String, name: String = "script.lab") throws -> URL {
    let dir = temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}
