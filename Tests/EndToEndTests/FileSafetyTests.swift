import Foundation
import Testing

/// Issue 17: files written safely. `record` and `trace --pcap` replace a regular file atomically,
/// write through a symbolic link, write a device or FIFO in place and report its errors, and never
/// open a path the user did not name.
@Suite("File safety", .serialized)
struct FileSafetyTests {
    func directory() throws -> URL {
        let dir = temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func entries(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test func aRegularFileIsReplacedWholeAndNothingIsLeftBehind() throws {
        let dir = try directory()
        let target = dir.appendingPathComponent("session.lab")
        try "old contents\n".write(to: target, atomically: true, encoding: .utf8)
        let run = try runBinary(["-c", "socket; record \(target.path); trace --pcap \(dir.path)/wire.pcap"])
        #expect(run.status == 0, "\(run.err)")
        let written = try String(contentsOf: target, encoding: .utf8)
        #expect(written.hasPrefix("# Recorded by closelab") && written.contains("socket => h1"))
        #expect(entries(dir) == ["session.lab", "wire.pcap"], "no temporary file is left")
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let dir = try directory()
        let real = dir.appendingPathComponent("real.lab")
        try "before\n".write(to: real, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.lab")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.lab")
        let run = try runBinary(["-c", "socket; record \(link.path)"])
        #expect(run.status == 0, "\(run.err)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.lab")
        #expect(try String(contentsOf: real, encoding: .utf8).contains("socket => h1"))
    }

    /// A link planted at the temporary name the old scheme used (`FILE.closelab-PID.tmp`) is never
    /// followed: the victim it points at stays as it was.
    @Test func aPlantedLinkAtAGuessableTemporaryNameIsNeverFollowed() throws {
        let dir = try directory()
        let victim = dir.appendingPathComponent("victim")
        try "precious\n".write(to: victim, atomically: true, encoding: .utf8)
        let target = dir.appendingPathComponent("out.lab")
        // Start closelab reading from a pipe, learn its pid, plant the links, then ask for the write.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: closelabBinary)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        for name in ["out.lab.closelab-\(process.processIdentifier).tmp", "out.lab.tmp", "out.lab~", ".out.lab.swp"] {
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(name).path, withDestinationPath: victim.path)
        }
        input.fileHandleForWriting.write(Data("socket\nrecord \(target.path)\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
        #expect(try String(contentsOf: target, encoding: .utf8).contains("socket => h1"))
    }

    /// A FIFO in a temporary directory is written in place, not replaced by a regular file.
    @Test func aFIFOIsWrittenInPlace() throws {
        let dir = try directory()
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo.path]
        let got = Pipe()
        reader.standardOutput = got
        try reader.run()
        let run = try runBinary(["-c", "socket; record \(fifo.path)"])
        reader.waitUntilExit()
        let text = String(decoding: got.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.status == 0, "\(run.err)")
        #expect(text.contains("socket => h1"))
        var st = stat()
        #expect(lstat(fifo.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
    }

    /// A device node made in a temporary directory (the major and minor of /dev/full): the write
    /// error is reported in one line and the node stays a device. Needs CAP_MKNOD.
    @Test func aDeviceIsWrittenInPlaceAndItsErrorReported() throws {
        let dir = try directory()
        let full = dir.appendingPathComponent("full")
        guard mknod(full.path, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0 else {
            print("skipped: making a device node needs CAP_MKNOD (\(String(cString: strerror(errno)))); the FIFO test covers the in-place write")
            return
        }
        let run = try runBinary(["-c", "socket; trace --pcap \(full.path); record \(full.path)"])
        #expect(run.status == 2)
        #expect(run.err.contains("trace: cannot write '\(full.path)': No space left on device"), "\(run.err)")
        #expect(run.err.contains("record: cannot write '\(full.path)': No space left on device"))
        #expect(run.err.split(separator: "\n").count == 2)
        var st = stat()
        #expect(lstat(full.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "still a device")
    }
}
