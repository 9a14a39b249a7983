import Foundation
@testable import LabSession
import Testing

/// docs/rules.md section J, the `linux` list: each item has a script in Profiles/ (`linux-….lab`,
/// run green by ProfileScriptTests), `explain` names the kernel function that decides it, and the
/// errno shows beside the Winsock name.
@Suite("The linux profile")
struct LinuxProfileScriptTests {
    /// Each item of J/linux, by the script that pins it and the kernel functions `explain` names
    /// after the script's deciding command (the script's linux part, run up to that command).
    static let items: [(script: String, commands: [String], functions: [String])] = [
        ("linux-lingering-close-never-wouldblock.lab",
         ["socket nonblocking", "connect h1", "peer s1 window 0", "send h1 3000", "setsockopt h1 SO_LINGER 1 5", "close h1"],
         ["inet_release", "__tcp_close", "sk_stream_wait_close"]),
        ("linux-lingering-close-waits-for-fin-ack.lab",
         ["set net latency 10ms", "socket", "connect h1", "setsockopt h1 SO_LINGER 1 5", "close h1", "advance 20ms"],
         ["sk_stream_wait_close"]),
        ("linux-linger-timeout-resets-nothing.lab",
         ["socket", "connect h1", "peer s1 window 0", "send h1 1000", "setsockopt h1 SO_LINGER 1 1", "close h1", "advance 1s"],
         ["sk_stream_wait_close", "__tcp_close"]),
        ("linux-cancelled-lingering-close-returns-zero.lab",
         ["socket", "connect h1", "peer s1 window 0", "send h1 1000", "setsockopt h1 SO_LINGER 1 5", "close h1",
          "on T1 cancel"],
         ["sk_stream_wait_close"]),
        ("linux-descriptor-gone-while-lingering.lab",
         ["socket", "connect h1", "peer s1 window 0", "send h1 1000", "setsockopt h1 SO_LINGER 1 5", "close h1"],
         ["close_fd"]),
        ("linux-blocked-call-holds-the-socket.lab",
         ["socket", "connect h1", "thread new", "on T2 recv h1 100", "close h1"], ["fput", "inet_release", "__tcp_close"]),
        ("linux-unused-block-holds-the-socket.lab",
         ["socket", "connect h1", "process new", "duplicate h1 P2", "close h1", "on T2 socket from pi1"], ["fput"]),
        ("linux-receive-shutdown-only-marks.lab",
         ["socket", "connect h1", "shutdown h1 receive", "recv h1 100"], ["inet_shutdown", "tcp_recvmsg_locked"]),
        ("linux-cancelled-call-does-not-reset.lab",
         ["socket", "connect h1", "recv h1 100", "on T1 cancel"], ["tcp_recvmsg_locked", "sk_stream_wait_memory"]),
        ("linux-both-fins-closed-enotconn.lab",
         ["socket", "connect h1", "shutdown h1 send", "peer s1 read", "peer s1 close"], ["tcp_time_wait"]),
        ("linux-reset-reported-once.lab",
         ["socket", "connect h1", "send h1 500", "advance 1ms", "setsockopt h1 SO_LINGER 1 0", "close h1", "peer s1 read"],
         ["tcp_reset", "tcp_recvmsg_locked"]),
        ("linux-process-exit-never-lingers.lab",
         ["process new", "use P2", "socket", "connect h1", "setsockopt h1 SO_LINGER 1 5", "send h1 10", "process exit P2"],
         ["inet_release", "__tcp_close"]),
        ("linux-orphan-timers.lab",
         ["socket", "connect h1", "peer s1 window 0", "send h1 1000", "close h1", "advance 120s"], ["tcp_write_err"]),
        ("linux-no-counting-no-upcalls.lab", ["socket", "cleanup"], ["WSPCleanup"]),
        ("linux-handle-reuse.lab", ["socket", "close h1", "socket"], ["lowest free descriptor"]),
        ("linux-datagram-linger.lab", ["socket dgram", "setsockopt h1 SO_LINGER 1 5"], ["sk_setsockopt"]),
        ("linux-errno-beside-winsock-name.lab", ["close h9"], ["EBADF"]),
        ("linux-send-buffer-read-back.lab", ["set sndbuf 1000", "socket", "getsockopt h1 SO_SNDBUF"], ["sock_setsockopt"]),
    ]

    @Test func everyItemHasItsScript() {
        let scripts = Set(scripts(in: "Profiles"))
        for item in LinuxProfileScriptTests.items { #expect(scripts.contains(item.script), "\(item.script)") }
        #expect(scripts.filter { $0.hasPrefix("linux-") }.count == LinuxProfileScriptTests.items.count)
    }

    @Test(arguments: LinuxProfileScriptTests.items.map(\.script))
    func explainNamesTheKernelFunction(_ script: String) throws {
        let item = try #require(LinuxProfileScriptTests.items.first { $0.script == script })
        var s = Session(format: .plain)
        drive(&s, ["set profile linux"] + item.commands)
        let text = s.explanation().plainText
        for function in item.functions { #expect(text.contains(function), "\(script): \(function) in\n\(text)") }
        #expect(text.contains("[linux]"), "\(script)")
    }

    /// explain's "what the other profiles would have done" lists all four profiles.
    @Test func explainListsLinuxAmongTheOtherProfiles() {
        var s = Session(format: .plain)
        drive(&s, ["socket nonblocking", "connect h1", "peer s1 window 0", "send h1 500", "setsockopt h1 SO_LINGER 1 5",
                   "close h1"])
        let docs = s.explanation().plainText
        #expect(docs.contains("under linux: T1 blocked in WSPCloseSocket(h1)"), "\(docs)")
        var l = Session(format: .plain)
        drive(&l, ["set profile linux", "socket nonblocking", "connect h1", "peer s1 window 0", "send h1 500",
                   "setsockopt h1 SO_LINGER 1 5", "close h1"])
        let linux = l.explanation().plainText
        #expect(linux.contains("Profile: linux."), "\(linux)")
        for other in ["docs", "windows", "reactos"] { #expect(linux.contains("under \(other): "), "\(other)") }
    }

    /// Results show the Winsock name with the errno beside it (`WSAENOTSOCK (EBADF)`).
    @Test func errnoShowsBesideTheWinsockName() throws {
        let run = try runScript("Profiles", "linux-errno-beside-winsock-name.lab", echo: true)
        #expect(run.status == 0, "\(run.err)")
        for shown in ["SOCKET_ERROR (WSAENOTSOCK (EBADF))", "(WSAENOTCONN (ENOTCONN))", "(WSAEINVAL (EINVAL))",
                      "(WSAEWOULDBLOCK (EAGAIN))", "(WSAESHUTDOWN (EPIPE))", "(WSAECONNRESET (ECONNRESET))",
                      "(WSAECONNABORTED (EPIPE))"] {
            #expect(run.out.contains(shown), "\(shown)")
        }
        try checkGolden(run.out, "linux-errno-beside-winsock-name.txt")
        let docs = runScript("close h9\n")
        #expect(docs.out.contains("SOCKET_ERROR (WSAENOTSOCK)\n"))
    }
}
