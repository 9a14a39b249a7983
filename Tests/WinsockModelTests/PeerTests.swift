import Testing
@testable import WinsockModel

/// docs/rules.md section K: the remote peer (R41–R43a).
@Suite struct PeerTests {
    @Test func r41AFullWindowStopsTransmissionAndReadingReopensIt() {
        var w = World()
        w.configure(.window(2000))
        let (h, s) = w.connectedSocket()
        let connect = w.socket(s)?.peer
        #expect(connect?.window == 2000)
        w.queue(5000, on: h)
        let full = w.advance(ms: 10)
        #expect(full.events == [.transmitted(s1, 2000)])
        #expect(full.eventMilliseconds == [2])
        #expect(w.socket(s)?.sendQueue == 3000)
        #expect(w.socket(s)?.peer?.received == 2000)
        #expect(w.socket(s)?.peer?.freeWindow == 0)
        let read = w.fromPeer(s, .read(1500))
        #expect(read.rules.contains(.r41))
        #expect(w.socket(s)?.peer?.read == 1500)
        #expect(w.socket(s)?.peer?.freeWindow == 1500)
        #expect(read.events == [])   // bytes move only during advance (R46)
        let more = w.advance(ms: 10)
        #expect(more.events == [.transmitted(s1, 1500)])
        #expect(w.socket(s)?.sendQueue == 1500)
        w.fromPeer(s, .read(nil))
        #expect(w.socket(s)?.peer?.read == 3500)
        #expect(w.advance(ms: 10).events == [.transmitted(s1, 1500)])
    }

    @Test func r41ResizingThePeerWindow() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.fromPeer(s, .window(0))
        #expect(o.rules.contains(.r41))
        w.queue(100, on: h)
        #expect(w.advance(seconds: 1).events == [])
        w.fromPeer(s, .window(50))
        #expect(w.advance(seconds: 1).events == [.transmitted(s1, 50)])
    }

    @Test func r42AfterAGracefulCloseThePeerReadsEverythingThenZero() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(1200, on: h)
        _ = w.call(.close(h))
        w.advance(ms: 5)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        #expect(w.socket(s)?.peer?.nextReceiveError == "none")   // bytes still unread
        w.fromPeer(s, .read(1000))
        #expect(w.socket(s)?.peer?.nextReceiveError == "none")
        let last = w.fromPeer(s, .read(nil))
        #expect(w.socket(s)?.peer?.read == 1200)
        #expect(w.socket(s)?.peer?.nextReceiveError == "0")
        let eof = w.fromPeer(s, .read(nil))
        #expect(last.rules.contains(.r41))
        #expect(eof.rules.contains(.r42))
        #expect(w.socket(s)?.peer?.resetError == nil)
    }

    @Test func r42AfterAHardCloseThePeerGetsConnResetAndNeverSeesTheDiscardedBytes() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(5000, on: h)
        w.advance(ms: 2)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.events == [.resetSent(s1), .discarded(s1, 3000), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
        #expect(w.socket(s)?.peer?.received == 2000)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        let read = w.fromPeer(s, .read(nil))
        #expect(read.rules.contains(.r42))
        #expect(w.socket(s)?.peer?.read == 0)
        #expect(w.socket(s)?.peer?.nextReceiveError == "WSAECONNRESET")
    }

    @Test func r42ThePeerCannotSendOnceOurResetReachedItOrAfterItsOwnFinOrReset() {
        var w = World()
        let (a, s) = w.connectedSocket()
        w.setLinger(a, 1, 0)
        _ = w.call(.close(a))
        #expect(throws: Refusal.self) { _ = try w.peer(s, .send(1)) }
        #expect(throws: Refusal.self) { _ = try w.peer(s, .close) }
        #expect(throws: Refusal.self) { _ = try w.peer(s, .reset) }
        let (_, t) = w.connectedSocket()
        w.fromPeer(t, .close)
        #expect(throws: Refusal.self) { _ = try w.peer(t, .send(1)) }
        #expect(throws: Refusal.self) { _ = try w.peer(t, .reset) }
        let (_, u) = w.connectedSocket()
        w.fromPeer(u, .reset)
        #expect(throws: Refusal.self) { _ = try w.peer(u, .close) }
        // Reading is still allowed.
        #expect(w.fromPeer(s, .read(nil)).rules.contains(.r42))
    }

    @Test func r43ConnectMakesTheStreamEstablishedWithANewPeer() {
        var w = World()
        let h = w.openSocket()
        let o = w.call(.connect(h))
        #expect(o.result == ok)
        #expect(o.events == [.stateChanged(s1, .established)])
        #expect(w.socket(s1)?.peer == Peer(window: 65_536))
    }

    @Test func r43ActiveCloseGoesThroughFinWaitAndTimeWait() {
        var w = World()
        w.configure(.netLatency(.milliseconds(10)))
        let (h, s) = w.connectedSocket()
        let close = w.call(.close(h))
        #expect(close.events == [.finSent(s1), .stateChanged(s1, .finWait1), .handleReturned(h1)])
        let ack = w.advance(ms: 20)
        #expect(ack.events == [.stateChanged(s1, .finWait2)])
        #expect(ack.eventMilliseconds == [20])
        w.fromPeer(s, .close)
        let fin = w.advance(ms: 10)
        #expect(fin.events == [.peerFinReceived(s1), .stateChanged(s1, .timeWait)])
        #expect(w.advance(ms: 239_999).events == [])
        let end = w.advance(ms: 1)
        #expect(end.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(end.rules.contains(.r43))
    }

    @Test func r43SimultaneousCloseGoesThroughClosing() {
        var w = World()
        w.configure(.netLatency(.milliseconds(10)))
        let (h, s) = w.connectedSocket()
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).events == [.finSent(s1), .stateChanged(s1, .finWait1)])
        w.fromPeer(s, .close)
        let o = w.advance(ms: 20)
        #expect(o.events == [.peerFinReceived(s1), .stateChanged(s1, .closing), .stateChanged(s1, .timeWait)])
        #expect(o.eventMilliseconds == [10, 10, 20])
    }

    @Test func r43PassiveCloseGoesThroughCloseWaitAndLastAck() {
        var w = World()
        w.configure(.netLatency(.milliseconds(10)))
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .close)
        #expect(w.advance(ms: 10).events == [.peerFinReceived(s1), .stateChanged(s1, .closeWait)])
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == count(0))
        let close = w.call(.close(h))
        #expect(close.events == [.finSent(s1), .stateChanged(s1, .lastAck), .handleReturned(h1)])
        let ack = w.advance(ms: 20)
        #expect(ack.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(w.socket(s)?.isReleased == true)
    }

    @Test func r43AResetGoesStraightToClosedAndLaterCallsFail() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.fromPeer(s, .send(25))
        w.advance(ms: 1)
        w.queue(80, on: h)
        let rst = w.fromPeer(s, .reset)
        #expect(rst.events == [.peerResetReceived(s1), .discarded(s1, 80), .stateChanged(s1, .closed)])
        #expect(rst.rules.contains(.r43))
        #expect(w.socket(s)?.state == .closed)
        #expect(w.socket(s)?.isReleased == false)   // h1 still refers to it
        let send = w.call(.send(h, bytes: 1, overlapped: false))
        #expect(send.result == fails(.connectionReset))
        #expect(send.rules.contains(.r43))
        // Receives first return data already received, then fail the same way.
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == count(10))
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(15))
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == fails(.connectionReset))
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == fails(.connectionReset))
        let close = w.call(.close(h))
        #expect(close.result == ok)
        #expect(close.events == [.handleReturned(h1), .socketReleased(s1)])
    }

    @Test func r43WaitingCallsAndOperationsFailWithConnResetWhenTheConnectionIsReset() {
        var w = World()
        w.configure(.sendBuffer(100))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        let t2 = w.spawnThread()
        let t3 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
        #expect(w.call(.recv(h, bytes: 10, overlapped: false), by: t2).result == .blocked)
        #expect(w.call(.send(h, bytes: 150, overlapped: false), by: t3).result == .blocked)
        let o = w.fromPeer(s, .reset)
        #expect(o.events.contains(.operationAborted(op1, .connectionReset)))
        #expect(o.events.contains(.threadWoke(t2, .recv, fails(.connectionReset))))
        #expect(o.events.contains(.threadWoke(t3, .send, fails(.connectionReset))))
        #expect(w.operation(op1)?.status == .failed(.connectionReset))
        #expect(w.operation(op1)?.isNotified == true)
    }

    @Test func r43LastCloseInTimeWaitSendsNothingEvenAtZeroLinger() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == ok)
        w.fromPeer(s, .close)
        #expect(w.socket(s)?.state == .timeWait)
        w.setLinger(h, 1, 0)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r43))
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.socket(s)?.peer?.resetError == nil)
        #expect(w.advance(seconds: 240).events == [.stateChanged(s1, .closed), .socketReleased(s1)])
    }

    @Test func r43AFinishedConnectionIsReleasedOnlyWhenNoDescriptorRefersToIt() {
        // LAST_ACK → CLOSED with the descriptor still open.
        var w = World()
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .close)
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).events == [.finSent(s1), .stateChanged(s1, .lastAck),
                                                                       .stateChanged(s1, .closed)])
        #expect(w.socket(s)?.isReleased == false)
        let close = w.call(.close(h))
        #expect(close.result == ok)
        #expect(close.events == [.handleReturned(h1), .socketReleased(s1)])

        // TIME_WAIT ends with the descriptor still open.
        var v = World()
        let (g, t) = v.connectedSocket()
        #expect(v.call(.shutdown(g, how: ShutdownHow.send)).result == ok)
        v.fromPeer(t, .close)
        #expect(v.advance(seconds: 240).events == [.stateChanged(s1, .closed)])
        #expect(v.socket(t)?.isReleased == false)
        #expect(v.call(.send(g, bytes: 1, overlapped: false)).result == fails(.shutdown))
        #expect(v.call(.close(g)).events == [.handleReturned(h1), .socketReleased(s1)])
    }

    @Test func r43FinalCleanupInTimeWaitSendsNothing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == ok)
        w.fromPeer(s, .close)
        w.setLinger(h, 1, 0)
        let o = w.call(.cleanup)
        #expect(o.events == [.handleReturned(h1)])
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.socket(s)?.peer?.resetError == nil)
        #expect(w.advance(seconds: 240).events == [.stateChanged(s1, .closed), .socketReleased(s1)])
    }

    @Test func r43ASecondConnectOnAStreamFailsWithIsConn() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.call(.connect(h))
        #expect(o.result == fails(.isConnected))
        #expect(o.rules.contains(.r43))
        w.fromPeer(s, .reset)
        #expect(w.call(.connect(h)).result == fails(.isConnected))
    }

    @Test func r43aDataSentToAnOrphanIsAnsweredWithReset() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        _ = w.call(.close(h))
        #expect(w.socket(s)?.isOrphan == true)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 100), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.rules.contains(.r43a))
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        #expect(w.socket(s)?.peer?.nextReceiveError == "WSAECONNRESET")
    }

    @Test func r43aDataSentToAnOrphanInFinWait2IsAnsweredWithReset() {
        var w = World()
        let (h, s) = w.connectedSocket()
        _ = w.call(.close(h))
        #expect(w.socket(s)?.state == .finWait2)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events == [.resetSent(s1), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.rules.contains(.r43a))
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test func r43aAnythingSentToAReleasedSocketIsIgnored() {
        var w = World()
        let (h, s) = w.connectedSocket()
        _ = w.call(.close(h))
        w.advance(seconds: 120)   // FIN_WAIT_2 given up without a reset (R9)
        #expect(w.socket(s)?.isReleased == true)
        let send = w.fromPeer(s, .send(10))
        #expect(send.events == [])
        #expect(send.rules.contains(.r43a))
        #expect(w.advance(seconds: 1).events == [])
        #expect(w.socket(s)?.peer?.resetError == nil)
        #expect(w.fromPeer(s, .close).events == [])
        #expect(w.advance(seconds: 1).events == [])
    }
}
