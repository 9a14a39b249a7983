@preconcurrency import Glibc
import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

/// Other processes are helper processes (closelab in helper mode): their descriptors live in their
/// own descriptor tables, SCM_RIGHTS carries a duplicate between processes, and a process's exit is
/// a real _exit. J's `linux` list says what the kernel does with each.
@Suite struct ProcessTests {
    let s3 = SocketID(rawValue: 3)
    let T3 = ThreadID(rawValue: 3)
    let P3 = ProcessID(rawValue: 3)

    @Test func processNewStartsAHelperThatHoldsItsOwnDescriptors() throws {
        try withLab { lab in
            let made = try lab.newProcess()
            #expect(made.created == .process(P2))
            guard let pid = lab.helperPIDs.first else { Issue.record("no helper"); return }
            let (parent, name) = parentAndName(of: pid) ?? (0, "")
            #expect(parent == getpid() && name == "closelab-helper")
            #expect(lab.snapshot.threadRow(T2)?.process == P2)
            #expect(lab.snapshot.processRow(P2)?.isAlive == true)
            // T2's calls run in the helper: the socket is in its table, not the lab's.
            #expect(lab.call(.socket(.stream, nonblocking: false), by: T2).result == .value(.handle(h1)))
            #expect(lab.call(.connect(h1), by: T2).result == ok)
            #expect(lab.snapshot.handle(h1)?.process == P2)
            #expect(lab.snapshot.handle(h1)?.state == .open(.established))   // sampled by the helper
            #expect(socketInodes(of: pid).count == 2)   // h1 and its end of the control socket
            #expect(lab.ownedDescriptors.count == 3)   // the peer, the listener, the control socket
            #expect(lab.call(.send(h1, bytes: 100, overlapped: false), by: T2).result == count(100))
            lab.waitUntil { state, _ in state.peer(s1)?.received == 100 }
            // Its threads are real threads of the helper.
            #expect((try? lab.newThread(in: P2))?.created == .thread(T3))
            #expect(taskCount(of: pid) >= 3)   // its request loop, T2 and T3
        }
    }

    @Test func aHandleIsValidOnlyInItsOwnProcess() throws {   // R5, R4
        try withLab { lab in
            let h = lab.connectedSocket()
            _ = try lab.newProcess()
            let calls = lab.kernelCallCount
            #expect(lab.call(.send(h, bytes: 10, overlapped: false), by: T2).result == fails(.notSocket))
            #expect(lab.call(.close(h), by: T2).result == fails(.notSocket))
            #expect(lab.kernelCallCount == calls)
            #expect(lab.call(.duplicate(h, P2)).result == .value(.protocolInfo(pi1)))
            #expect(lab.call(.socketFromProtocolInfo(pi1)).result == fails(.invalidArgument))   // made for P2
            #expect(lab.call(.duplicate(h, P3)).result == fails(.invalidArgument))   // no such process
            #expect(lab.call(.socketFromProtocolInfo(pi1), by: T2).result == .value(.handle(h2)))
            #expect(lab.call(.socketFromProtocolInfo(pi1), by: T2).result == fails(.invalidArgument))   // used
            #expect(lab.snapshot.socket(s1)?.refcount == 2)
        }
    }

    @Test func aDuplicateForAnotherProcessIsInFlightUntilTaken() throws {   // J: SCM_RIGHTS
        try withLab { lab in
            let h = lab.connectedSocket()
            _ = try lab.newProcess()
            guard let pid = lab.helperPIDs.first, let inode = lab.ownedDescriptors.first.flatMap(Kernel.inode) else {
                Issue.record("no helper or no socket")
                return
            }
            lab.call(.duplicate(h, P2))
            // Sent at once, but not in P2's table yet: in the message, in P2's mailbox.
            #expect(!socketInodes(of: pid).contains(inode))
            #expect(lab.call(.close(h)).result == ok)
            #expect(!openSocketInodes().contains(inode))
            _ = try lab.advance(by: .milliseconds(200), control: .none)
            #expect(lab.snapshot.peer(s1)?.hasReceivedFin == false)
            #expect(lab.snapshot.socket(s1)?.state == .established)
            #expect(lab.snapshot.socket(s1)?.refcount == 0)
            // It takes the lowest free name, h1 (J: reuse on).
            #expect(lab.call(.socketFromProtocolInfo(pi1), by: T2).result == .value(.handle(h1)))
            #expect(socketInodes(of: pid).contains(inode))
            #expect(lab.call(.send(h1, bytes: 10, overlapped: false), by: T2).result == count(10))
            #expect(lab.call(.close(h1), by: T2).result == ok)
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lab.snapshot.peer(s1)?.received == 10)
        }
    }

    @Test func aDuplicateComesBackFromAHelper() throws {   // P2 → P1 and P2 → P3
        try withLab { lab in
            _ = try lab.newProcess()
            _ = try lab.newProcess()
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.duplicate(h1, P1), by: T2).result == .value(.protocolInfo(pi1)))
            #expect(lab.call(.duplicate(h1, P3), by: T2).result == .value(.protocolInfo(ProtocolInfoID(rawValue: 2))))
            #expect(lab.call(.close(h1), by: T2).result == ok)
            // The lowest free names first (J: reuse on): h1 again, then h2.
            #expect(lab.call(.socketFromProtocolInfo(pi1)).result == .value(.handle(h1)))
            #expect(lab.call(.socketFromProtocolInfo(ProtocolInfoID(rawValue: 2)), by: T3).result == .value(.handle(h2)))
            #expect(lab.snapshot.socket(s1)?.refcount == 2)
            #expect(lab.call(.send(h1, bytes: 5, overlapped: false)).result == count(5))
            #expect(lab.call(.send(h2, bytes: 5, overlapped: false), by: T3).result == count(5))
            lab.waitUntil { state, _ in state.peer(s1)?.received == 10 }
        }
    }

    @Test func processExitClosesWithoutLingering() throws {   // J: inet_release under PF_EXITING
        try withLab { lab in
            lab.set(.window(1))
            _ = try lab.newProcess()
            try lab.use(P2)
            let h = lab.connectedSocket()
            lab.call(.setNonblocking(h, true))
            guard case .value(.count(let n))? = lab.call(.send(h, bytes: 200_000, overlapped: false)).result, n > 0 else {
                Issue.record("nothing queued")
                return
            }
            lab.call(.setLinger(h, onoff: 1, seconds: 5))
            guard let pid = lab.helperPIDs.first else { return }
            let start = MonotonicClock.now()
            let exit = try lab.exitProcess(P2)
            #expect(MonotonicClock.now() - start < 1_000_000_000)   // no 5 s linger
            #expect(exit.releasedHandles == [h])
            #expect(kill(pid, 0) == -1 && errno == ESRCH)   // reaped
            let state = lab.snapshot
            #expect(state.threadRow(T2)?.state == .exited)
            #expect(state.processRow(P2)?.isAlive == false)
            #expect(state.handle(h)?.state == .closed)
            #expect(state.currentThread == T1)
            #expect(state.peer(s1)?.hasReceivedReset == false)
            #expect(state.socket(s1)?.holder == .orphan)   // a graceful orphan, its data still queued
            lab.peerActs(s1, .window(1_000_000))
            lab.peerActs(s1, .read(1000))
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lab.snapshot.peer(s1)?.hasReceivedReset == false)
            #expect(throws: Refusal.self) { try lab.exitProcess(P2) }   // already exited
            #expect(throws: Refusal.self) { try lab.use(P2) }
            #expect(throws: Refusal.self) { try lab.perform(.socket(.stream, nonblocking: false), by: T2) }
        }
    }

    @Test func processExitResetsAtLingerZeroAndWithUnreadData() throws {   // J, R10, R51
        try withLab { lab in
            _ = try lab.newProcess()
            try lab.use(P2)
            let a = lab.connectedSocket()
            let b = lab.connectedSocket()
            let c = lab.connectedSocket()
            lab.call(.setLinger(a, onoff: 1, seconds: 0))
            lab.peerActs(s2, .send(10))
            lab.waitUntil { state, _ in state.handle(b)?.receiveQueue == 10 }
            _ = try lab.exitProcess(P2)
            lab.waitUntil { state, _ in
                state.peer(s1)?.hasReceivedReset == true && state.peer(s2)?.hasReceivedReset == true
                    && state.peer(s3)?.hasReceivedFin == true
            }
            #expect(lab.snapshot.peer(s3)?.hasReceivedReset == false)   // c: graceful
            _ = c
        }
    }

    @Test func anUnusedBlockDiesWithItsTargetProcess() throws {   // J: the mailbox closes at exit
        try withLab { lab in
            let h = lab.connectedSocket()
            _ = try lab.newProcess()
            lab.call(.duplicate(h, P2))
            lab.call(.close(h))
            _ = try lab.exitProcess(P2)
            // The message went with P2's mailbox: the socket's last reference, a graceful close.
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lab.snapshot.peer(s1)?.hasReceivedReset == false)
        }
    }

    @Test func aKilledHelperIsReportedAsItsProcessExit() throws {
        try withLab { lab in
            _ = try lab.newProcess()
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.recv(h1, bytes: 10, overlapped: false), by: T2).result == .blocked)
            guard let pid = lab.helperPIDs.first else { return }
            try lab.use(T2)
            kill(pid, SIGKILL)
            lab.waitUntil { state, _ in state.processRow(P2)?.isAlive == false }
            let state = lab.snapshot
            #expect(state.threadRow(T2)?.state == .exited)
            #expect(state.handle(h1)?.state == .closed)
            #expect(state.currentThread == T1)
            #expect(kill(pid, 0) == -1 && errno == ESRCH)   // reaped
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }   // its exit closed h1
            do {
                _ = try lab.perform(.socket(.stream, nonblocking: false), by: T2)
                Issue.record("a call on an exited thread was not refused")
            } catch let refusal as Refusal {
                #expect(refusal.message.contains("SIGKILL"))
            }
        }
    }

    @Test func aBlockedCallInAHelperWakesAndCancels() throws {   // R45, R25
        try withLab { lab in
            _ = try lab.newProcess()
            _ = try lab.newThread(in: P2)
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.recv(h1, bytes: 100, overlapped: false), by: T2).lines == ["BLOCK T2 WSPRecv"])
            #expect(lab.call(.recv(h1, bytes: 100, overlapped: false), by: T3).result == .blocked)
            #expect(lab.call(.send(h1, bytes: 1, overlapped: false), by: T2).result == fails(.inProgress))   // R24
            let sent = lab.peerLines(s1, .send(7))
            let lines = lab.waitUntil(after: sent) { _, lines in lines.contains { $0.hasPrefix("WAKE") } }
            #expect(lines.filter { $0.hasPrefix("WAKE") }.count == 1)
            let woken = lines.contains("WAKE T2 WSPRecv = 7") ? T3 : T2   // the other one still waits
            let cancel = lab.call(.cancelBlockingCall, by: woken)
            #expect(cancel.lines == ["WAKE \(woken) WSPRecv = WSAEINTR"])
            #expect(lab.snapshot.threadRow(woken)?.state == .running)
        }
    }

    @Test func aBlockedSendInAHelperShowsWhatItStillHasToQueue() throws {
        try withLab { lab in
            lab.set(.window(1))
            _ = try lab.newProcess()
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.send(h1, bytes: 2_000_000, overlapped: false), by: T2).result == .blocked)
            guard case .blocked(.send(_, _, let total, let remaining))? = lab.snapshot.threadRow(T2)?.state else {
                Issue.record("T2 is not blocked in a send")
                return
            }
            #expect(total == 2_000_000 && remaining > 0 && remaining < total)
        }
    }

    @Test func processesComeAndGoWithoutLeftovers() throws {
        try withLab { lab in
            let owned = lab.ownedDescriptors.count
            for round in 0..<5 {
                let p = ProcessID(rawValue: round + 2)
                _ = try lab.newProcess()
                #expect(lab.ownedDescriptors.count == owned + 1)   // its control socket
                _ = try lab.exitProcess(p)
                #expect(lab.ownedDescriptors.count == owned)
            }
            for pid in lab.helperPIDs { #expect(kill(pid, 0) == -1 && errno == ESRCH) }   // each reaped
            #expect(lab.snapshot.processCount == 6)
        }
    }

    @Test func shutDownEndsEveryHelperAndLeavesNothing() throws {
        let lab = try makeLab()
        let h = lab.connectedSocket()
        _ = try lab.newProcess()
        _ = try lab.newProcess()
        lab.call(.duplicate(h, P2))   // in flight, never taken
        lab.call(.socket(.stream, nonblocking: false), by: T3)
        lab.call(.connect(h2), by: T3)
        lab.call(.duplicate(h2, P1), by: T3)   // in flight to P1, never taken
        _ = try lab.newThread(in: P3)
        #expect(lab.call(.recv(h2, bytes: 10, overlapped: false), by: ThreadID(rawValue: 4)).result == .blocked)
        #expect(lab.call(.recv(h2, bytes: 10, overlapped: true), by: T3).result == .pending(OperationID(rawValue: 1)))
        let pids = lab.helperPIDs
        let inodes = pids.flatMap(socketInodes(of:))
        #expect(pids.count == 2 && inodes.count >= 2)
        lab.shutDown()
        for pid in pids { #expect(kill(pid, 0) == -1 && errno == ESRCH) }   // ended and reaped
        #expect(lab.ownedDescriptors.isEmpty)
        #expect(openSocketInodes().isDisjoint(with: inodes))
        #expect(lab.snapshot.processRow(P2)?.isAlive == false)
    }
}

/// The parent pid and the name (/proc/PID/stat) of a process.
func parentAndName(of pid: pid_t) -> (pid_t, String)? {
    guard let stat = readText("/proc/\(pid)/stat"), let open = stat.firstIndex(of: "("),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 1, let parent = pid_t(fields[1]) else { return nil }
    return (parent, String(stat[stat.index(after: open)..<close]))
}

/// How many threads a process has (/proc/PID/task).
func taskCount(of pid: pid_t) -> Int {
    guard let directory = opendir("/proc/\(pid)/task") else { return 0 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { count += 1 }
    }
    return count
}

/// Inodes of the sockets a process holds (/proc/PID/fd).
func socketInodes(of pid: pid_t) -> [UInt64] {
    Array(socketInodes(inDirectory: "/proc/\(pid)/fd"))
}

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
