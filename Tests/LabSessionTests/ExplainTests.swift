import LabScript
@testable import LabSession
import Testing

/// `explain` after the key call of each kind of close names the rule that decided it.
@Suite("explain")
struct ExplainTests {
    /// (setup and key call, rule explain must cite, a phrase of its sentence)
    static let cases: [(String, String, String)] = [
        ("socket; close h1; close h1", "R1", "released by an earlier close"),
        ("socket; close h9", "R1", "never was a handle"),
        ("socket; process new; duplicate h1 P2; on T2 socket from pi1; close h1", "R2", "only releases h1"),
        ("socket; connect h1; send h1 1000; close h1", "R9", "linger is off"),
        ("socket; connect h1; send h1 1000; setsockopt h1 SO_LINGER 1 0; close h1", "R10", "hard"),
        ("socket; connect h1; peer s1 window 0; send h1 1000; setsockopt h1 SO_LINGER 1 5; close h1", "R11", "blocks in WSPCloseSocket"),
        ("socket nonblocking; connect h1; peer s1 window 0; send h1 500; setsockopt h1 SO_LINGER 1 5; close h1", "R12",
         "nonblocking and lingers 5s with 500 bytes still queued"),
        ("socket; connect h1; shutdown h1 send; close h1", "R14", "no second FIN"),
        ("socket dgram; close h1", "R15", "datagram socket"),
        ("socket; connect h1; recv h1 10 overlapped; close h1", "R18", "aborts the pending overlapped recv op1"),
        ("socket; connect h1; thread new; on T2 recv h1 10; close h1", "R19", "wakes it with WSAEINTR"),
        ("socket; connect h1; set network down; close h1", "R22", "WSAENETDOWN"),
        ("set reuse on; socket; close h1; socket", "R23", "handed out again"),
        ("socket; connect h1; recv h1 10; send h1 1", "R24", "WSAEINPROGRESS"),
        ("socket; cancel", "R25", "no blocking call outstanding"),
        ("socket; connect h1; thread new; on T2 recv h1 5; cancel T2", "R26", "resets the connection"),
        ("socket; setsockopt h1 SO_DONTLINGER 0", "R27", "reinstates the stored l_linger 0"),
        ("socket dgram; setsockopt h1 SO_LINGER 1 1", "R29", "WSAENOPROTOOPT"),
        ("socket; connect h1; shutdown h1 9", "R33", "WSAEINVAL"),
        ("cleanup; cleanup", "R35", "WSANOTINITIALISED"),
        ("socket; connect h1; recv h1 1 overlapped; cleanup", "R36", "without performing its completion action"),
        ("socket; connect h1; cleanup", "R37", "resets it"),
        ("process new; process exit P2", "R39", "final cleanup"),
        ("socket; close h1", "R40", "WPUCloseSocketHandle"),
        ("socket; connect h1; send h1 100000", "R44", "blocks T1"),
        ("socket; connect h1; recv h1 10 overlapped", "R45", "WSA_IO_PENDING"),
        ("socket dgram; send h1 10", "R47", "no destination"),
    ]

    @Test(arguments: cases.indices)
    func namesTheRule(_ i: Int) {
        let (script, rule, phrase) = ExplainTests.cases[i]
        var session = Session(format: .plain)
        _ = session.run(line: script, file: "t", line: 1)
        let text = session.explanation().plainText
        #expect(text.contains("\(rule): "), "\(script)\n\(text)")
        #expect(text.contains(phrase), "\(script)\n\(text)")
    }

    @Test func laterCommandsAreListedSinceTheCall() {
        var session = Session(format: .plain)
        _ = session.run(line: "socket; connect h1; send h1 1000; close h1; advance 10ms", file: "t", line: 1)
        let text = session.explanation().plainText
        #expect(text.hasPrefix("WSPCloseSocket(h1) = 0"))
        #expect(text.contains("Since then:"))
        #expect(text.contains("advance 10ms"))
    }

    @Test func nothingToExplainBeforeAnyCall() {
        let session = Session(format: .plain)
        #expect(session.explanation().plainText.contains("no provider call"))
    }
}
