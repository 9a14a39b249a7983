@preconcurrency import Glibc
import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

/// Overlapped send and receive (R44, R45) on the kernel: done at once when they can, else pending
/// on a thread of their own, holding the socket until they end (J).
@Suite struct OperationTests {
    let op1 = OperationID(rawValue: 1)

    @Test func anOverlappedReceiveWithDataWaitingIsDoneAtOnce() {   // R45
        withLab { lab in
            let h = lab.connectedSocket()
            lab.peerActs(s1, .send(30))
            lab.waitUntil { state, _ in state.handle(h)?.receiveQueue == 30 }
            #expect(lab.call(.recv(h, bytes: 100, overlapped: true)).result == count(30))
            #expect(lab.snapshot.operationCount == 0)
        }
    }

    @Test func aPendingReceiveCompletesWithTheFirstBytesThatArrive() {   // R45
        withLab { lab in
            let h = lab.connectedSocket()
            let recv = lab.call(.recv(h, bytes: 100, overlapped: true))
            #expect(recv.result == .pending(op1))
            #expect(recv.changedOperations == [op1])
            var state = lab.snapshot
            #expect(state.operationRow(op1)?.status == .pending)
            #expect(state.operationRow(op1)?.kind == .recv)
            #expect(state.handle(h)?.pending == 1)
            #expect(state.threadRow(T1)?.state == .running)   // the thread goes on: it is not blocked
            let sent = lab.peerLines(s1, .send(10))
            let lines = lab.waitUntil(after: sent) { _, lines in lines.contains("COMPLETE op1 10") }
            #expect(lines.filter { $0.hasPrefix("COMPLETE") } == ["COMPLETE op1 10"])
            state = lab.snapshot
            #expect(state.operationRow(op1)?.status == .completed)
            #expect(state.operationRow(op1)?.bytes == 10)
            #expect(state.operationRow(op1)?.isNotified == false)
            #expect(state.handle(h)?.pending == 0)
            #expect(!lab.canObserve(.operation(op1, .notified)))
        }
    }

    @Test func aCloseNeitherAbortsNorWakesAPendingReceive() {   // J: the operation holds the socket
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.recv(h, bytes: 100, overlapped: true))
            let close = lab.call(.close(h))
            #expect(close.result == ok)
            #expect(!close.lines.contains { $0.hasPrefix("ABORT") })
            _ = try? lab.advance(by: .milliseconds(100), control: .none)
            var state = lab.snapshot
            #expect(state.operationRow(op1)?.status == .pending)
            #expect(state.peer(s1)?.hasReceivedFin == false)   // no close happened yet
            #expect(state.socket(s1)?.refcount == 0)
            let sent = lab.peerLines(s1, .send(10))
            let lines = lab.waitUntil(after: sent) { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lines.contains("COMPLETE op1 10"))
            state = lab.snapshot
            #expect(state.operationRow(op1)?.bytes == 10)
            #expect(state.peer(s1)?.hasReceivedReset == false)   // it read everything: FIN, not R51's RST
        }
    }

    @Test func anOverlappedSendPendsWhateverTheModeAndCompletesWhole() {   // R44
        withLab { lab in
            lab.set(.window(1))   // the smallest peer window and a locked small send buffer
            lab.set(.sendBuffer(4096))
            let h = lab.connectedSocket()
            lab.call(.setNonblocking(h, true))   // an overlapped call wins over the mode
            #expect(lab.call(.send(h, bytes: 1_000_000, overlapped: true)).result == .pending(op1))
            #expect(lab.snapshot.operationRow(op1)?.kind == .send)
            // The completion may come back from any step: the peer's own commands included.
            var peerSaw = lab.peerLines(s1, .window(4_000_000))
            let seen = lab.waitUntil(seconds: 20) { state, _ in
                if state.operationRow(op1)?.status == .pending { peerSaw += lab.peerLines(s1, .read(nil)) }
                return state.operationRow(op1)?.status == .completed
            }
            #expect((peerSaw + seen).contains("COMPLETE op1 1000000"), "\(peerSaw) \(seen)")
            #expect(lab.snapshot.operationRow(op1)?.bytes == 1_000_000)
        }
    }

    @Test func aResetAbortsAPendingReceive() {   // R43: waiting operations fail with WSAECONNRESET
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.recv(h, bytes: 100, overlapped: true))
            let reset = lab.peerLines(s1, .reset)
            let lines = lab.waitUntil(after: reset) { _, lines in lines.contains("ABORT op1 WSAECONNRESET") }
            #expect(lines.contains("PEER-RST s1"))
            #expect(lab.snapshot.operationRow(op1)?.status == .failed(.connectionReset))
        }
    }

    @Test func aHelpersPendingOperationEndsWithItsProcess() throws {
        try withLab { lab in
            _ = try lab.newProcess()
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.recv(h1, bytes: 100, overlapped: true), by: T2).result == .pending(op1))
            let exit = try lab.exitProcess(P2)
            #expect(exit.lines.contains("ABORT op1 WSA_OPERATION_ABORTED"))
            #expect(lab.snapshot.operationRow(op1)?.status == .failed(.operationAborted))
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
        }
    }

    @Test func aHelpersPendingReceiveCompletes() throws {
        try withLab { lab in
            _ = try lab.newProcess()
            lab.call(.socket(.stream, nonblocking: false), by: T2)
            lab.call(.connect(h1), by: T2)
            #expect(lab.call(.recv(h1, bytes: 100, overlapped: true), by: T2).result == .pending(op1))
            let sent = lab.peerLines(s1, .send(3))
            lab.waitUntil(after: sent) { _, lines in lines.contains("COMPLETE op1 3") }
        }
    }

    @Test func shutDownJoinsEveryOperationThread() throws {
        let lab = try makeLab()
        let h = lab.connectedSocket()
        lab.call(.recv(h, bytes: 100, overlapped: true))
        lab.call(.recv(h, bytes: 100, overlapped: true))
        let threads = lab.operationThreadIDs   // one thread per pending operation
        #expect(threads.count == 2 && threads.allSatisfy { access("/proc/self/task/\($0)", F_OK) == 0 })
        lab.shutDown()
        #expect(threadsAreGone(threads))
        #expect(lab.snapshot.operationCount == 2)
    }
}
