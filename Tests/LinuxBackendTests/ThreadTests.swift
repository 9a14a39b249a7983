import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

/// Real threads: blocking, waking, cancelling, and the lab's own checks that never reach the kernel.
@Suite struct ThreadTests {
    @Test func aBlockingRecvBlocksThenWakesWhenThePeerSends() {   // R45
        withLab { lab in
            let h = lab.connectedSocket()
            let recv = lab.call(.recv(h, bytes: 100, overlapped: false))
            #expect(recv.result == .blocked)
            #expect(recv.lines == ["BLOCK T1 WSPRecv"])
            #expect(lab.snapshot.threadRow(T1)?.state == .blocked(.recv(h, s1, bytes: 100)))
            #expect(lab.snapshot.lastResult == .blocked)
            let sent = lab.peerLines(s1, .send(10))
            let lines = lab.waitUntil(after: sent) { _, lines in lines.contains("WAKE T1 WSPRecv = 10") }
            #expect(lines.filter { $0.hasPrefix("WAKE") } == ["WAKE T1 WSPRecv = 10"])
            let state = lab.snapshot
            #expect(state.threadRow(T1)?.state == .running)
            #expect(state.threadRow(T1)?.lastResult == count(10))
            #expect(state.lastResult == .blocked)   // `last` stays blocked after the wake
        }
    }

    @Test func aBlockedThreadAnswersWSAEINPROGRESSWithoutTheKernel() {   // R24
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.recv(h, bytes: 100, overlapped: false))
            let calls = lab.kernelCallCount
            #expect(lab.call(.send(h, bytes: 10, overlapped: false)).result == fails(.inProgress))
            #expect(lab.kernelCallCount == calls)
            // Another thread's calls go ahead.
            #expect((try? lab.newThread(in: nil))?.created == .thread(T2))
            #expect(lab.call(.send(h, bytes: 10, overlapped: false), by: T2).result == count(10))
            let sent = lab.peerLines(s1, .send(7))
            lab.waitUntil(after: sent) { _, lines in lines.contains("WAKE T1 WSPRecv = 7") }
        }
    }

    @Test func cancelInterruptsABlockedRecv() {   // R25, J: no reset after it
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.cancelBlockingCall).result == fails(.invalidArgument))   // nothing blocked
            #expect(lab.call(.recv(h, bytes: 100, overlapped: false)).result == .blocked)
            let cancel = lab.call(.cancelBlockingCall, by: T1)
            #expect(cancel.result == ok)
            #expect(cancel.lines == ["WAKE T1 WSPRecv = WSAEINTR"])
            let state = lab.snapshot
            #expect(state.threadRow(T1)?.lastResult == fails(.interrupted))
            #expect(state.threadRow(T1)?.state == .running)
            #expect(state.peer(s1)?.hasReceivedReset == false)   // J: no R26 reset
            #expect(lab.call(.send(h, bytes: 5, overlapped: false)).result == count(5))
        }
    }

    @Test func aReleasedHandleNeverReachesTheKernel() {   // R1
        withLab { lab in
            let h = lab.connectedSocket()
            let other = lab.call(.socket(.stream, nonblocking: false))
            #expect(other.result == .value(.handle(h2)))
            #expect(lab.call(.close(h)).result == ok)
            let calls = lab.kernelCallCount
            let send = lab.call(.send(h, bytes: 10, overlapped: false))
            #expect(send.result == fails(.notSocket))
            #expect(send.hostError == "EBADF")
            #expect(lab.call(.close(h)).result == fails(.notSocket))
            #expect(lab.call(.getSockOpt(HandleID(rawValue: 99), .linger)).result == fails(.notSocket))
            #expect(lab.kernelCallCount == calls)
            // h2 was untouched, whatever number the kernel gave it.
            #expect(lab.call(.getSockOpt(h2, .dontLinger)).result == .value(.bool(true)))
        }
    }

    /// J (`reuse on`, R23): a released name goes to the next descriptor made, lowest first, as the
    /// kernel hands out the lowest free descriptor number; the stale name then reaches the new
    /// socket, and the old descriptor's operations do not count for the new one.
    @Test func releasedNamesAreReusedLowestFirst() {
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.socket(.stream, nonblocking: false))
            #expect(lab.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(OperationID(rawValue: 1)))
            #expect(lab.call(.close(h)).result == ok)
            #expect(lab.call(.socket(.dgram, nonblocking: false)).result == .value(.handle(h1)))
            let state = lab.snapshot
            #expect(state.handle(h1)?.socket == SocketID(rawValue: 3))
            #expect(state.handle(h1)?.pending == 0, "op1 was issued through the old h1")
            #expect(state.socket(s1)?.refcount == 0)
            #expect(state.socket(SocketID(rawValue: 3))?.refcount == 1)
            // The stale h1 now reaches the datagram socket.
            #expect(lab.call(.connect(h1)).result == ok)
            #expect(lab.call(.socket(.stream, nonblocking: false)).result == .value(.handle(h3)))
        }
    }

    @Test func theBlockedThreadShowsInItsRowAndUseSwitchesThreads() throws {
        try withLab { lab in
            let h = lab.connectedSocket()
            _ = try lab.newThread(in: P1)
            try lab.use(T2)
            #expect(lab.snapshot.currentThread == T2)
            #expect(lab.call(.recv(h, bytes: 10, overlapped: false)).result == .blocked)
            try lab.use(P1)
            #expect(lab.snapshot.currentThread == T1)   // its first thread that is not blocked
            #expect(throws: Refusal.self) { try lab.use(ThreadID(rawValue: 9)) }
            #expect(lab.call(.cancelBlockingCall, by: T2).lines == ["WAKE T2 WSPRecv = WSAEINTR"])
        }
    }
}

/// J: a thread blocked in a call on a descriptor holds the socket; closing the descriptor
/// releases it at once without waking the thread, and the socket's own close waits for the call.
@Suite struct BlockedCallHoldsTheSocketTests {
    @Test func closingUnderABlockedRecvSendsNothingUntilItReturns() throws {
        try withLab { lab in
            let h = lab.connectedSocket()
            _ = try lab.newThread(in: nil)
            #expect(lab.call(.recv(h, bytes: 100, overlapped: false), by: T2).result == .blocked)
            let close = lab.call(.close(h))
            #expect(close.result == ok)
            #expect(!close.lines.contains { $0.hasPrefix("WAKE") })
            _ = try lab.advance(by: .milliseconds(100), control: .none)
            var state = lab.snapshot
            #expect(state.handle(h)?.state == .closed)
            #expect(state.threadRow(T2)?.state == .blocked(.recv(h, s1, bytes: 100)))
            #expect(state.socket(s1)?.holder == .held)   // no descriptor, held by the call, still ESTABLISHED
            #expect(state.socket(s1)?.state == .established)
            #expect(state.peer(s1)?.hasReceivedFin == false)
            let sent = lab.peerLines(s1, .send(10))
            let lines = lab.waitUntil(after: sent) { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lines.contains("WAKE T2 WSPRecv = 10"))
            state = lab.snapshot
            #expect(state.threadRow(T2)?.lastResult == count(10))
            #expect(state.peer(s1)?.hasReceivedReset == false)
        }
    }

    @Test func aBlockedSendShowsWhatItStillHasToQueue() {   // R44
        withLab { lab in
            lab.set(.window(1))
            lab.set(.sendBuffer(4096))
            let h = lab.connectedSocket()
            #expect(lab.call(.send(h, bytes: 200_000, overlapped: false)).result == .blocked)
            guard case .blocked(.send(h, s1, total: 200_000, let remaining))? = lab.snapshot.threadRow(T1)?.state else {
                Issue.record("T1 is not blocked in its send")
                return
            }
            #expect(remaining > 0)   // what the send has not yet reported queued, chunk by chunk
            var lines: [String] = []
            let deadline = MonotonicClock.now() + 20_000_000_000   // met, it stops at once
            while !lines.contains("WAKE T1 WSPSend = 200000") && MonotonicClock.now() < deadline {
                lines += lab.peerLines(s1, .read(nil))
                lines += (try? lab.advance(by: .milliseconds(2), control: .none).lines) ?? []
            }
            #expect(lines.contains("WAKE T1 WSPSend = 200000"))
        }
    }
}
