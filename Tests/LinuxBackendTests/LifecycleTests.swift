@preconcurrency import Glibc
import LabScript
import LabSession
@testable import LinuxBackend
import Synchronization
import Testing
import WinsockModel

/// Starting, refusing, and shutting down without leaving a socket or a thread behind.
@Suite struct LifecycleTests {
    @Test func printsTheKernelRelease() {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        print("linux backend tests on kernel \(release)")
        #expect(!release.isEmpty)
    }

    @Test func shutDownLeavesNoDescriptorAndNoThread() throws {
        let lab = try makeLab()
        let h = lab.connectedSocket()
        lab.call(.duplicate(h, P1))
        lab.call(.socket(.dgram, nonblocking: false))
        lab.call(.connect(h2))
        _ = try lab.newThread(in: nil)
        #expect(lab.call(.recv(h, bytes: 10, overlapped: false), by: T2).result == .blocked)
        #expect(lab.ownedDescriptors.count == 6)   // h1, pi1, the peer, the listener, h2, the datagram sink
        let inodes = Set(lab.ownedDescriptors.compactMap(Kernel.inode))   // h1 and pi1 share one
        let threads = lab.threadIDs
        #expect(inodes.count == 5)
        #expect(threads.count == 2 && threads.allSatisfy { access("/proc/self/task/\($0)", F_OK) == 0 })
        lab.shutDown()
        #expect(openSocketInodes().isDisjoint(with: inodes))
        #expect(threadsAreGone(threads))
        #expect(lab.ownedDescriptors.isEmpty)
        lab.shutDown()   // twice is fine
        #expect(throws: Refusal.self) { try lab.perform(.socket(.stream, nonblocking: false), by: nil) }
    }

    @Test func whatHasNoCounterpartIsRefusedInOneLine() {
        withLab { lab in
            let refused: [(String, () throws -> Outcome)] = [
                ("process exit P1", { try lab.exitProcess(P1) }),
                ("process exit P2", { try lab.exitProcess(P2) }),
                ("startup", { try lab.perform(.startup, by: nil) }),
                ("set net rate", { try lab.apply(.netRate(5)) }),
                ("set timewait", { try lab.apply(.timeWait(.seconds(1))) }),
                ("advance 61s", { try lab.advance(by: .seconds(61), control: .none) }),
                ("thread new P2", { try lab.newThread(in: P2) }),
            ]
            for (name, attempt) in refused {
                do {
                    _ = try attempt()
                    Issue.record("\(name) was not refused")
                } catch let refusal as Refusal {
                    #expect(!refusal.message.isEmpty && !refusal.message.contains("\n"), "\(name)")
                } catch {
                    Issue.record("\(name): \(error)")
                }
            }
            #expect(throws: Refusal.self) { try lab.peer(s1, .read(nil)) }   // no such socket
        }
    }

    @Test func advanceReportsProgressAndStopsOnCtrlC() throws {
        try withLab { lab in
            let reports = Counter()
            let start = MonotonicClock.now()
            _ = try lab.advance(by: .milliseconds(1100), control: WaitControl(progress: { elapsed, total in
                if elapsed >= .seconds(1) && total == .milliseconds(1100) { reports.value.add(1, ordering: .relaxed) }
            }))
            #expect(MonotonicClock.now() - start >= 1_100_000_000)
            #expect(reports.value.load(ordering: .relaxed) == 1)   // one per second of a wait over a second
            let stop = MonotonicClock.now() + 100_000_000
            let interrupted = MonotonicClock.now()
            _ = try lab.advance(by: .seconds(10), control: WaitControl(isInterrupted: { MonotonicClock.now() >= stop }))
            #expect(MonotonicClock.now() - interrupted < 5_000_000_000)   // far short of the 10 s asked, even loaded
        }
    }

    @Test func lingerOptionsReadBackFromTheKernel() {   // R27, R28
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.setLinger(h, onoff: 1, seconds: 5))
            #expect(lab.call(.getSockOpt(h, .linger)).result == .value(.linger(Linger(onoff: 1, seconds: 5))))
            #expect(lab.snapshot.handle(h)?.linger.description == "on 5s")
            lab.call(.setDontLinger(h, true))
            #expect(lab.call(.getSockOpt(h, .dontLinger)).result == .value(.bool(true)))
            #expect(lab.snapshot.handle(h)?.linger.description == "off")
            lab.call(.setDontLinger(h, false))   // l_linger was kept: on 5s again
            #expect(lab.snapshot.handle(h)?.linger.description == "on 5s")
            lab.call(.setNonblocking(h, true))
            #expect(lab.snapshot.handle(h)?.isNonblocking == true)
            guard case .value(.count(let size))? = lab.call(.getSockOpt(h, .sendBuffer)).result else {
                Issue.record("SO_SNDBUF")
                return
            }
            #expect(size > 0)
        }
    }

    @Test func pathsTheKernelDoesNotShowAreNotObservable() throws {
        let lab = try makeLab()
        defer { lab.shutDown() }
        #expect(!lab.canObserve(.socket(s1, .discarded)))
        #expect(!lab.canObserve(.process(P1, .startup)))
        #expect(!lab.canObserve(.operation(OperationID(rawValue: 1), .notified)))
        #expect(lab.canObserve(.socket(s1, .peerReset)))
        #expect(lab.canObserve(.handle(h1, .sendq)))
        #expect(lab.name == "linux")
    }

    @Test func procNetTCPRowsAreParsed() {
        let text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:A1B2 0100007F:1F90 04 0000FFFF:00000010 01:00000014 00000000     0        0 0 1 0000000000000000 20 4 1 10 -1
               1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0

            """
        let table = ProcNetTCP(entries: ProcNetTCP.parse(Array(text.utf8)))
        #expect(table.entries.count == 2)
        let row = table.entry(localPort: 0xA1B2, remotePort: 0x1F90)
        #expect(row?.state == KernelTCPState.finWait1.rawValue)
        #expect(row?.sendQueue == 0xFFFF && row?.receiveQueue == 0x10)
        #expect(table.entry(localPort: 0x16, remotePort: 0) == nil)   // not on loopback
    }
}

/// A count a `@Sendable` closure can add to.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Inodes of every socket this process has open (/proc/self/fd shows `socket:[inode]`).
func openSocketInodes() -> Set<UInt64> { socketInodes(inDirectory: "/proc/self/fd") }

/// Inodes of the sockets in a /proc/PID/fd directory.
func socketInodes(inDirectory path: String) -> Set<UInt64> {
    var inodes = Set<UInt64>()
    guard let directory = opendir(path) else { return inodes }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink("\(path)/\(name)", &target, target.count - 1)
        guard length > 0 else { continue }
        let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { continue }
        if let inode = UInt64(link.dropFirst(8).dropLast()) { inodes.insert(inode) }
    }
    return inodes
}
