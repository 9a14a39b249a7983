import Testing
@testable import WinsockModel

/// docs/rules.md section G: shutdown (R31–R34).
@Suite struct ShutdownTests {
    @Test func r31ShutdownSendStopsSendsAndTheFinFollowsTheQueuedData() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(2000, on: h)
        let o = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(o.result == ok)
        #expect(o.events == [])   // the FIN waits for the queued data
        #expect(o.rules.contains(.r31))
        let send = w.call(.send(h, bytes: 1, overlapped: false))
        #expect(send.result == fails(.shutdown))
        #expect(send.rules.contains(.r31))
        let drained = w.advance(ms: 2)
        #expect(drained.events == [.transmitted(s1, 2000), .finSent(s1), .stateChanged(s1, .finWait1),
                                   .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.peer?.received == 2000)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
        // Receiving still works.
        w.fromPeer(s, .send(10))
        w.advance(ms: 1)
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(10))
    }

    @Test func r31ShutdownReceiveStopsReceivesButNotAPendingOne() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        let o = w.call(.shutdown(h, how: ShutdownHow.receive))
        #expect(o.result == ok)
        #expect(o.events == [])
        #expect(o.rules.contains(.r31))
        #expect(w.operation(op1)?.status == .pending)
        #expect(w.call(.recv(h, bytes: 1, overlapped: false)).result == fails(.shutdown))
        #expect(w.call(.recv(h, bytes: 1, overlapped: true)).result == fails(.shutdown))
        w.fromPeer(s, .send(40))
        let arrived = w.advance(ms: 1)
        #expect(arrived.events == [.operationCompleted(op1, 40)])
        #expect(w.socket(s)?.state == .established)
        // Sending still works.
        #expect(w.call(.send(h, bytes: 5, overlapped: false)).result == count(5))
    }

    @Test func r31DataArrivingAfterShutdownReceiveWithNoReceivePendingResets() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(60, on: h)
        #expect(w.call(.shutdown(h, how: ShutdownHow.receive)).result == ok)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 60), .stateChanged(s1, .closed)])
        #expect(o.rules.contains(.r31))
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).result == fails(.connectionReset))
    }

    @Test func r31ShutdownBothAndShuttingDownTwiceSucceed() {
        var w = World()
        let (h, s) = w.connectedSocket()
        let o = w.call(.shutdown(h, how: ShutdownHow.both))
        #expect(o.result == ok)
        #expect(o.events == [.finSent(s1), .stateChanged(s1, .finWait1), .stateChanged(s1, .finWait2)])
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).result == fails(.shutdown))
        #expect(w.call(.recv(h, bytes: 1, overlapped: false)).result == fails(.shutdown))
        let again = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(again.result == ok)
        #expect(again.events == [])
        #expect(w.call(.shutdown(h, how: ShutdownHow.both)).result == ok)
        #expect(w.socket(s)?.connection?.fin == .sent)
    }

    @Test func r32ShutdownNeverBlocksIgnoresLingerAndFreesNothing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(500, on: h)
        w.setLinger(h, 1, 5)
        let o = w.call(.shutdown(h, how: ShutdownHow.both))
        #expect(o.result == ok)
        #expect(o.events == [])
        #expect(o.rules.contains(.r32))
        #expect(w.thread(T1)?.state == .running)
        #expect(w.handle(h)?.isOpen == true)
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.socket(s)?.sendQueue == 500)
        #expect(w.socket(s)?.lifecycle == .referenced)
        // It cannot be undone.
        w.setLinger(h, 0, 0)
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).result == fails(.shutdown))
        // The following close does not ignore linger (scenario 20).
        w.setLinger(h, 1, 5)
        let close = w.call(.close(h))
        #expect(close.result == .blocked)
        #expect(close.events == [.threadBlocked(T1, .closeSocket)])
    }

    @Test func r33InvalidHowIsCheckedFirst() {
        var w = World()
        let unconnected = w.openSocket()
        for how in [3, -1, 7] {
            let o = w.call(.shutdown(unconnected, how: how))
            #expect(o.result == fails(.invalidArgument))
            #expect(o.rules.contains(.r33))
        }
        let (h, _) = w.connectedSocket()
        #expect(w.call(.shutdown(h, how: 3)).result == fails(.invalidArgument))
        #expect(w.socket(s2)?.isSendShutdown == false)
    }

    @Test func r33NotConnectedOnANeverConnectedOrResetStream() {
        var w = World()
        let fresh = w.openSocket()
        let o = w.call(.shutdown(fresh, how: ShutdownHow.send))
        #expect(o.result == fails(.notConnected))
        #expect(o.rules.contains(.r33))
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .reset)
        #expect(w.call(.shutdown(h, how: ShutdownHow.receive)).result == fails(.notConnected))
    }

    @Test func r33SucceedsAfterOurFinAndInTimeWait() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == ok)
        #expect(w.socket(s)?.state == .finWait2)
        #expect(w.call(.shutdown(h, how: ShutdownHow.both)).result == ok)
        w.fromPeer(s, .close)
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.call(.shutdown(h, how: ShutdownHow.both)).result == ok)
    }

    @Test func r33NotSockOnAClosedDescriptor() {
        var w = World()
        let (h, _) = w.connectedSocket()
        _ = w.call(.close(h))
        // WSAENOTSOCK comes before the bad `how` (R48).
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == fails(.notSocket))
        #expect(w.call(.shutdown(h, how: 9)).result == fails(.notSocket))
    }

    @Test func r33DatagramShutdownSucceedsAndLaterCallsFailWithShutdown() {
        var w = World()
        let h = w.openSocket(.dgram)
        let send = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(send.result == ok)
        #expect(send.events == [])
        #expect(send.rules.contains(.r33))
        #expect(w.call(.connect(h)).result == ok)
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == fails(.shutdown))
        #expect(w.call(.shutdown(h, how: ShutdownHow.receive)).result == ok)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == fails(.shutdown))
        #expect(w.socket(s1)?.state == .created)
    }

    @Test func r34RecommendedTeardownEndsWithACloseThatSendsNothing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.queue(500, on: h)
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == ok)
        #expect(w.advance(ms: 1).events == [.transmitted(s1, 500), .finSent(s1), .stateChanged(s1, .finWait1),
                                            .stateChanged(s1, .finWait2)])
        w.fromPeer(s, .send(30))
        w.fromPeer(s, .close)
        let fin = w.advance(ms: 1)
        #expect(fin.events == [.peerFinReceived(s1), .stateChanged(s1, .timeWait)])
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(30))
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(0))
        let close = w.call(.close(h))
        #expect(close.result == ok)
        #expect(close.events == [.handleReturned(h1)])
        #expect(!close.events.contains { $0 == .finSent(s) || $0 == .resetSent(s) })
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.socket(s)?.peer?.resetError == nil)
        let end = w.advance(seconds: 240)
        #expect(end.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
    }
}
