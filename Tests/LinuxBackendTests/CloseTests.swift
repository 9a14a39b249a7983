import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

/// Closes on the real kernel, checked against RULES.md section J's `linux` list.
@Suite struct CloseTests {
    @Test func hardCloseWithDataQueuedResetsThePeer() {   // R10, J
        withLab { lab in
            lab.set(.window(1))   // the smallest peer window and a locked small send buffer:
            lab.set(.sendBuffer(4096))   // data stays in our send queue
            let h = lab.connectedSocket()
            lab.call(.setNonblocking(h, true))
            let sent = lab.call(.send(h, bytes: 300_000, overlapped: false))
            guard case .value(.count(let n))? = sent.result else { Issue.record("send: \(sent)"); return }
            #expect(n > 0 && n < 300_000)
            #expect((lab.snapshot.handle(h)?.sendQueue ?? 0) > 0)
            lab.call(.setLinger(h, onoff: 1, seconds: 0))
            #expect(lab.call(.close(h)).result == ok)   // at once, even nonblocking (R10)
            let lines = lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedReset == true }
            let state = lab.snapshot
            #expect(state.peer(s1)?.nextReceive == .error(.connectionReset))
            #expect(state.peer(s1)?.hasReceivedFin == false)
            #expect(state.socket(s1)?.holder.description.hasPrefix("released") == true)
            #expect(state.handle(h)?.state == .closed)
            _ = lines
        }
    }

    @Test func hardCloseReportsRSTOnce() {
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.setLinger(h, onoff: 1, seconds: 0))
            var lines = lab.call(.close(h)).lines
            lines += lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedReset == true }
            lines += (try? lab.advance(by: .milliseconds(50), control: .none).lines) ?? []
            #expect(lines.filter { $0 == "RST s1" }.count == 1)
            #expect(!lines.contains("FIN s1"))
        }
    }

    @Test func defaultCloseSendsFINAfterTheData() {   // R9, R42
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.send(h, bytes: 1000, overlapped: false)).result == count(1000))
            let close = lab.call(.close(h))
            #expect(close.result == ok)
            #expect(close.releasedHandles == [h])
            let lines = close.lines + lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lines.contains("FIN s1"))
            #expect(!lines.contains("RST s1"))
            #expect(lab.snapshot.peer(s1)?.received == 1000)
            #expect(lab.snapshot.peer(s1)?.nextReceive == PeerReceive.none)   // bytes still unread
            #expect(lab.peerActs(s1, .read(nil)) == "peer of s1: read 1000 bytes (1000 read of 1000 received)")
            #expect(lab.snapshot.peer(s1)?.nextReceive == .endOfStream)
            #expect(lab.peerActs(s1, .read(nil)) == "peer of s1: read 0 bytes (end of stream: our FIN arrived)")
            #expect(lab.snapshot.peer(s1)?.hasReceivedReset == false)
        }
    }

    @Test func unreadDataMakesTheCloseHard() {   // R51
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.peerActs(s1, .send(100)) == "peer of s1: sent 100 bytes")
            lab.waitUntil { state, _ in state.handle(h)?.receiveQueue == 100 }
            #expect(lab.call(.close(h)).result == ok)   // linger off: still a reset
            let lines = lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedReset == true }
            #expect(!lines.contains("FIN s1"))
            #expect(lab.snapshot.peer(s1)?.nextReceive == .error(.connectionReset))
        }
    }

    @Test func aDuplicateKeepsTheSocket() {   // R2, R4
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.duplicate(h, P1)).result == .value(.protocolInfo(pi1)))
            #expect(lab.call(.socketFromProtocolInfo(pi1)).result == .value(.handle(h2)))
            #expect(lab.snapshot.socket(s1)?.refcount == 2)
            #expect(lab.call(.close(h)).result == ok)
            let quiet = (try? lab.advance(by: .milliseconds(100), control: .none).lines) ?? ["refused"]
            #expect(quiet.isEmpty)   // nothing on the wire
            let state = lab.snapshot
            #expect(state.socket(s1)?.refcount == 1)
            #expect(state.socket(s1)?.state == .established)
            #expect(state.peer(s1)?.hasReceivedFin == false)
            #expect(lab.call(.send(h2, bytes: 10, overlapped: false)).result == count(10))
            #expect(lab.call(.close(h2)).result == ok)
            let lines = lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            #expect(lines.contains("FIN s1") || lab.snapshot.peer(s1)?.hasReceivedFin == true)
        }
    }

    @Test func anUnusedBlockKeepsTheSocketAfterTheSourceCloses() {   // J: the block holds a reference
        withLab { lab in
            let h = lab.connectedSocket()
            lab.call(.duplicate(h, P1))
            #expect(lab.call(.close(h)).result == ok)
            let state = lab.snapshot
            #expect(state.socket(s1)?.refcount == 0)
            #expect(state.hasUnreferencedSockets)
            #expect(state.socket(s1)?.state == .established)
            // The new descriptor takes the lowest free name (J: reuse on).
            #expect(lab.call(.socketFromProtocolInfo(pi1)).result == .value(.handle(h1)))
            #expect(lab.call(.socketFromProtocolInfo(pi1)).result == fails(.invalidArgument))   // used once
            #expect(lab.snapshot.peer(s1)?.hasReceivedFin == false)
        }
    }

    @Test func shutdownSendSendsFINAndLaterSendsFail() {   // R31, J
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.shutdown(h, how: ShutdownHow.send)).result == ok)
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedFin == true }
            let send = lab.call(.send(h, bytes: 10, overlapped: false))
            #expect(send.result == fails(.shutdown))
            #expect(send.hostError == "EPIPE")
            #expect(lab.call(.shutdown(h, how: 7)).result == fails(.invalidArgument))   // R33
            #expect(lab.call(.close(h)).result == ok)
        }
    }

    @Test func aNonblockingLingeringCloseBlocksAndReturnsZero() {   // J: no WSAEWOULDBLOCK, no reset
        withLab { lab in
            lab.set(.window(1))
            let h = lab.connectedSocket()
            lab.call(.setNonblocking(h, true))
            lab.call(.send(h, bytes: 300_000, overlapped: false))
            lab.call(.setLinger(h, onoff: 1, seconds: 1))
            let close = lab.call(.close(h))
            #expect(close.result == .blocked)
            #expect(close.lines == ["BLOCK T1 WSPCloseSocket"])
            let closedAt = close.eventTimes.first ?? .zero
            #expect(lab.snapshot.handle(h)?.state == .closed)   // the descriptor is gone at once (J)
            var wake: TimedEvent?
            _ = eventually {   // a loaded machine is slow; met, it stops
                let o = (try? lab.advance(by: .milliseconds(50), control: .none)) ?? .nothing
                wake = o.timedEvents.first { $0.event == .threadWoke(T1, .closeSocket, ok) }
                return wake != nil
            }
            guard let wake else { Issue.record("no WAKE T1 WSPCloseSocket = 0"); return }
            let waited = wake.time.milliseconds - closedAt.milliseconds
            // It blocked about l_linger: the queue never drains (window 1), so only the timeout wakes
            // it. The upper bound only says "not forever": a loaded machine observes the wake late.
            #expect(waited >= 800 && waited <= 10_000)
            let state = lab.snapshot
            #expect(state.threadRow(T1)?.lastResult == ok)
            #expect(state.socket(s1)?.holder == .orphan)   // graceful orphan: FIN still owed
            #expect(state.socket(s1)?.state == .finWait1)
            #expect((state.socket(s1)?.sendQueue ?? 0) > 0)
            #expect(state.peer(s1)?.hasReceivedReset == false)
        }
    }
}

/// The rest of J's `linux` list that one process can show.
@Suite struct LinuxPredictionTests {
    @Test func aCancelledLingeringCloseReturnsZeroAndLeavesTheOrphan() {   // J: R25 under Linux
        withLab { lab in
            lab.set(.window(1))
            lab.set(.sendBuffer(4096))
            let h = lab.connectedSocket()
            lab.call(.setNonblocking(h, true))
            lab.call(.send(h, bytes: 100_000, overlapped: false))
            lab.call(.setLinger(h, onoff: 1, seconds: 2))
            #expect(lab.call(.close(h)).result == .blocked)
            let cancel = lab.call(.cancelBlockingCall, by: T1)
            #expect(cancel.result == ok)
            #expect(cancel.lines == ["WAKE T1 WSPCloseSocket = 0"])
            let state = lab.snapshot
            #expect(state.handle(h)?.state == .closed)   // the descriptor is released all the same
            #expect(state.socket(s1)?.holder == .orphan)
            #expect(state.socket(s1)?.state == .finWait1)
            #expect(state.peer(s1)?.hasReceivedReset == false)
        }
    }

    @Test func bothFINsLeaveAHeldSocketClosed() {   // J: no TIME_WAIT held for it; R34's teardown
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.shutdown(h, how: ShutdownHow.both)).result == ok)
            #expect(lab.call(.recv(h, bytes: 10, overlapped: false)).result == count(0))   // J: 0 after SD_RECEIVE
            lab.peerActs(s1, .close)
            let lines = lab.waitUntil { state, _ in state.handle(h)?.state == .open(.closed) }
            #expect(lab.snapshot.socket(s1)?.holder == .descriptors)
            let shutdown = lab.call(.shutdown(h, how: ShutdownHow.send))
            #expect(shutdown.result == fails(.notConnected))
            #expect(shutdown.hostError == "ENOTCONN")
            let all = lines + ((try? lab.advance(by: .milliseconds(20), control: .none).lines) ?? [])
            #expect(all.contains("PEER-FIN s1") || lab.snapshot.socket(s1) != nil)
        }
    }

    @Test func sendBeforeConnectIsNotConnected() {   // R44; the kernel says EPIPE
        withLab { lab in
            lab.call(.socket(.stream, nonblocking: false))
            let send = lab.call(.send(h1, bytes: 10, overlapped: false))
            #expect(send.result == fails(.notConnected))
            #expect(send.hostError == "EPIPE")
            #expect(lab.call(.recv(h1, bytes: 10, overlapped: false)).result == fails(.notConnected))
            #expect(lab.call(.close(h1)).result == ok)   // R15: released at once
            #expect(lab.snapshot.socket(s1)?.holder.description.hasPrefix("released") == true)
        }
    }
}
