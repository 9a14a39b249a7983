import Foundation
import Testing

/// `--backend linux` and `set backend linux|model` through the binary: the same commands run on
/// the kernel's loopback, and switching starts a fresh session.
@Suite("Backend switch")
struct BackendSwitchTests {
    /// Issue 13's acceptance line: the reset observed from the kernel.
    @Test func theKernelSeesTheReset() throws {
        let run = try runBinary(["--backend", "linux", "-c",
                                 "socket; connect h1; peer s1 send 100; advance 10ms; close h1; advance 10ms; expect s1.peer.reset == true"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("RST s1"))
    }

    @Test func setBackendSwitchesAndStartsAFreshSession() throws {
        let run = try runBinary(["-c", """
            socket; socket
            set backend linux
            socket => h1
            connect h1 => 0
            expect s1.state == ESTABLISHED
            expect h2.refcount == 1
            set backend model
            socket => h1
            expect s1.state == CREATED
            """])
        #expect(run.err == "-c:7: expected h2.refcount == 1, got no handle h2\n", "a fresh session each time: \(run.err)")
        #expect(run.out.contains("backend linux: a fresh session"))
        #expect(run.status == 1)
    }

    @Test func whatHasNoCounterpartSaysSo() throws {
        let run = try runBinary(["--backend", "linux", "-c", "socket; undo; trace; startup; set net rate 5"])
        #expect(run.err.contains("undo has no counterpart under the linux backend"), "\(run.err)")
        #expect(run.err.contains("trace has no counterpart under the linux backend"))
        #expect(run.err.split(separator: "\n").count == 4, "one line each: \(run.err)")
        #expect(run.status == 2)
    }

    @Test func anUnobservablePathIsNeitherPassNorFailure() throws {
        let run = try runBinary(["--backend", "linux", "-c", "socket; expect s1.discarded == 7; expect h1.refcount == 1"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("expect s1.discarded: not observable under the linux backend"))
    }
}
