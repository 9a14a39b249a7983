import Testing
@testable import WinsockModel

/// docs/rules.md section J, the `linux` list: the items about the close. One test per item (its
/// name says which), each also run under `docs` for contrast where the two differ. The kernel
/// suite (Tests/KernelSuite) checks the same predictions against the real kernel.
@Suite struct LinuxCloseTests {
    /// A connected socket whose peer takes nothing, with `queued` bytes in its send queue.
    func stalledSocket(_ profile: Profile = .linux, queued: Int = 1000, nonblocking: Bool = false,
                       linger: Int? = nil) -> (World, HandleID, SocketID) {
        var w = World.with(profile)
        let (h, s) = w.connectedSocket(nonblocking: nonblocking)
        w.stall(s)
        if queued > 0 { w.queue(queued, on: h) }
        if let linger { w.setLinger(h, 1, linger) }
        return (w, h, s)
    }

    /// J/linux: a lingering close never returns WSAEWOULDBLOCK (inet_release never looks at O_NONBLOCK).
    @Test func itemLingeringCloseNeverReturnsWouldBlock() {
        var (w, h, s) = stalledSocket(queued: 3000, nonblocking: true, linger: 5)
        let o = w.call(.close(h))
        #expect(o.result == .blocked)
        #expect(o.events == [.threadBlocked(T1, .closeSocket)])
        #expect(o.rules.contains(.r12))
        #expect(o.notes.contains { $0.text.contains("inet_release") && $0.text.contains("sk_stream_wait_close") })
        #expect(w.socket(s)?.isOrphan == true)
        let timeout = w.advance(seconds: 5)
        #expect(timeout.events == [.lingerTimedOut(s1), .threadWoke(T1, .closeSocket, ok)])

        var (docs, d, _) = stalledSocket(.docs, queued: 3000, nonblocking: true, linger: 5)
        #expect(docs.call(.close(d)).result == fails(.wouldBlock))
    }

    /// J/linux (a correction): the lingering close waits until our FIN is acknowledged
    /// (sk_stream_wait_close), not only until the queue drains; with nothing queued and no latency
    /// that is at once.
    @Test func itemLingeringCloseWaitsForTheAckOfItsFin() {
        var w = World.with(.linux)
        w.configure(.netLatency(.milliseconds(10)))
        let (h, s) = w.connectedSocket()
        w.setLinger(h, 1, 5)
        let o = w.call(.close(h))
        #expect(o.result == .blocked)
        #expect(o.events == [.threadBlocked(T1, .closeSocket), .finSent(s1), .stateChanged(s1, .finWait1)])
        #expect(w.advance(ms: 19).events == [])
        #expect(w.advance(ms: 1).events == [.stateChanged(s1, .finWait2), .threadWoke(T1, .closeSocket, ok)])
        #expect(w.socket(s)?.isOrphan == true)

        var now = World.with(.linux)
        let (n, _) = now.connectedSocket()
        now.setLinger(n, 1, 5)
        #expect(now.call(.close(n)).result == ok, "nothing queued, net latency 0: the ACK is back at once")

        var docs = World()
        docs.configure(.netLatency(.milliseconds(10)))
        let (d, _) = docs.connectedSocket()
        docs.setLinger(d, 1, 5)
        #expect(docs.call(.close(d)).result == ok, "R11: with nothing queued it returns 0 at once")
    }

    /// J/linux: at the linger timeout nothing is reset or discarded; the call returns 0 and the socket
    /// goes on as a graceful orphan, its data and FIN still sent.
    @Test func itemLingerTimeoutResetsNothing() {
        var (w, h, s) = stalledSocket(linger: 1)
        #expect(w.call(.close(h)).result == .blocked)
        let o = w.advance(seconds: 1)
        #expect(o.events == [.lingerTimedOut(s1), .threadWoke(T1, .closeSocket, ok)])
        #expect(o.notes.contains { $0.text.contains("__tcp_close") })
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.socket(s)?.sendQueue == 1000)
        w.fromPeer(s, .window(65_536))
        let drained = w.advance(ms: 1)
        #expect(drained.events == [.transmitted(s1, 1000), .finSent(s1), .stateChanged(s1, .finWait1),
                                   .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.peer?.hasReceivedReset == false)

        var (docs, d, _) = stalledSocket(.docs, linger: 1)
        docs.call(.close(d))
        #expect(docs.advance(seconds: 1).events.contains(.resetSent(s1)))
    }

    /// J/linux: a cancelled lingering close (R25) returns 0, its descriptor already released, and the
    /// orphan goes on (sk_stream_wait_close ends at a signal without touching the connection).
    @Test func itemCancelledLingeringCloseReturnsZero() {
        var (w, h, s) = stalledSocket(linger: 5)
        w.call(.close(h))
        let cancel = w.call(.cancelBlockingCall, by: T1)
        #expect(cancel.result == ok)
        #expect(cancel.events == [.threadWoke(T1, .closeSocket, ok)])
        #expect(w.thread(T1)?.lastResult == ok)
        #expect(w.handle(h)?.isOpen == false)
        #expect(w.socket(s)?.isOrphan == true)
        #expect(w.advance(seconds: 10).events == [], "the old linger timeout fires nothing")

        var (docs, d, _) = stalledSocket(.docs, linger: 5)
        docs.call(.close(d))
        docs.call(.cancelBlockingCall, by: T1)
        #expect(docs.thread(T1)?.lastResult == fails(.interrupted))
        #expect(docs.handle(d)?.isOpen == true)
    }

    /// J/linux: the descriptor is gone as soon as a lingering close starts (close_fd): other threads'
    /// calls through it fail with WSAENOTSOCK (EBADF), and the next new socket takes its value.
    @Test func itemDescriptorIsGoneAsTheLingeringCloseStarts() {
        var (w, h, _) = stalledSocket(linger: 5)
        let t2 = w.spawnThread()
        #expect(w.call(.close(h)).releasedHandles == [h1])
        let send = w.call(.send(h, bytes: 10, overlapped: false), by: t2)
        #expect(send.result == fails(.notSocket))
        #expect(send.hostError == "EBADF")
        #expect(w.call(.socket(.stream, nonblocking: false), by: t2).result == returns(h1))
        #expect(w.socket(s2)?.handleIDs == [h1])

        var (docs, d, _) = stalledSocket(.docs, linger: 5)
        let other = docs.spawnThread()
        docs.call(.close(d))
        #expect(docs.call(.send(d, bytes: 10, overlapped: false), by: other).result == count(10), "R49: still valid")
    }

    /// J/linux: a thread blocked in a call holds the socket: the close releases the descriptor at once
    /// without waking it, and the socket's own close comes when that call returns (fput).
    @Test func itemBlockedCallHoldsTheSocket() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 100, overlapped: false), by: t2).result == .blocked)
        let close = w.call(.close(h))
        #expect(close.result == ok)
        #expect(close.events == [])
        #expect(close.rules.contains(.r19))
        #expect(w.socket(s)?.lifecycle == .held)
        #expect(w.socketRow(s)?.holder == .held)
        #expect(w.hasUnreferencedSockets)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events == [.threadWoke(t2, .recv, count(10)), .finSent(s1), .stateChanged(s1, .finWait1),
                             .stateChanged(s1, .finWait2)])
        #expect(w.socket(s)?.isOrphan == true)

        var docs = World()
        let (d, _) = docs.connectedSocket()
        let other = docs.spawnThread()
        docs.call(.recv(d, bytes: 100, overlapped: false), by: other)
        #expect(docs.call(.close(d)).events.first == .threadWoke(other, .recv, fails(.interrupted)))
    }

    /// J/linux: a pending overlapped operation holds the socket too: nothing is aborted (no R18).
    @Test func itemPendingOperationHoldsTheSocket() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        #expect(w.call(.recv(h, bytes: 100, overlapped: true)).result == .pending(op1))
        #expect(w.call(.close(h)).events == [])
        #expect(w.operation(op1)?.isPending == true)
        w.fromPeer(s, .send(10))
        let o = w.advance(ms: 1)
        #expect(o.events.prefix(2) == [.operationCompleted(op1, 10), .finSent(s1)])
        #expect(w.operation(op1)?.isNotified == true)
    }

    /// J/linux: an unused protocol-info block holds the socket (a descriptor in flight): after the
    /// source's last close nothing goes on the wire, and `socket from piN` succeeds (contrast R4).
    @Test func itemUnusedBlockHoldsTheSocket() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        #expect(w.call(.duplicate(h, p2)).result == .value(.protocolInfo(pi1)))
        #expect(w.call(.close(h)).events == [])
        #expect(w.socket(s)?.lifecycle == .held)
        #expect(w.socket(s)?.refcount == 0)
        let taken = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(taken.result == returns(h1), "the lowest free value, as a descriptor number")
        #expect(w.socket(s)?.lifecycle == .referenced)
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.call(.close(h1), by: t2).events == [.finSent(s1), .stateChanged(s1, .finWait1), .stateChanged(s1, .finWait2)])

        var docs = World()
        let (d, _) = docs.connectedSocket()
        let (q2, u2) = docs.spawnProcess()
        docs.call(.duplicate(d, q2))
        docs.call(.close(d))
        #expect(docs.call(.socketFromProtocolInfo(pi1), by: u2).result == fails(.notSocket))
    }

    /// J/linux with R51: the deferred close of a held socket resets if bytes are left unread.
    @Test func itemDeferredCloseStillResetsForUnreadData() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        let t2 = w.spawnThread()
        w.call(.recv(h, bytes: 1000, overlapped: false), by: t2)
        w.call(.close(h))
        w.fromPeer(s, .send(2000))
        let o = w.advance(ms: 5)
        #expect(o.events.prefix(3) == [.threadWoke(t2, .recv, count(1000)), .resetSent(s1), .stateChanged(s1, .closed)])
        #expect(o.rules.contains(.r51))
        #expect(w.socket(s)?.isReleased == true)
    }

    /// J/linux: once both FINs are exchanged, a socket that still has a descriptor is CLOSED (no
    /// TIME_WAIT for it: tcp_time_wait) and shutdown fails with WSAENOTCONN (ENOTCONN).
    @Test func itemBothFinsLeaveASocketWithADescriptorClosed() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.call(.shutdown(h, how: ShutdownHow.send))
        w.fromPeer(s, .close)
        #expect(w.socket(s)?.state == .closed)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == count(0))
        let shut = w.call(.shutdown(h, how: ShutdownHow.send))
        #expect(shut.result == fails(.notConnected))
        #expect(shut.hostError == "ENOTCONN")
        #expect(w.call(.close(h)).events == [.socketReleased(s1)])

        var docs = World()
        let (d, ds) = docs.connectedSocket()
        docs.call(.shutdown(d, how: ShutdownHow.send))
        docs.fromPeer(ds, .close)
        #expect(docs.socket(ds)?.state == .timeWait)
        #expect(docs.call(.shutdown(d, how: ShutdownHow.send)).result == ok)
    }

    /// J/linux: process exit closes each last descriptor as close would but never lingers: graceful
    /// (R9), hard for linger (1, 0), R51 as always (inet_release under PF_EXITING, __tcp_close).
    @Test func itemProcessExitNeverLingers() {
        var w = World.with(.linux)
        let (p2, t2) = w.spawnProcess()
        let (a, sa) = w.connectedSocket(by: t2)
        let (b, _) = w.connectedSocket(by: t2)
        let (_, sc) = w.connectedSocket(by: t2)
        w.stall(sa)
        w.queue(500, on: a, by: t2)
        w.setLinger(a, 1, 5, by: t2)
        w.setLinger(b, 1, 0, by: t2)
        w.fromPeer(sc, .send(10))
        w.advance(ms: 1)
        let o = w.exit(p2)
        #expect(o.events == [.resetSent(s2), .stateChanged(s2, .closed), .socketReleased(s2),
                             .resetSent(s3), .stateChanged(s3, .closed), .socketReleased(s3)])
        #expect(o.notes.contains { $0.text.contains("PF_EXITING") })
        #expect(w.socket(sa)?.isOrphan == true, "no linger wait, no reset: the data and then FIN still go")
        #expect(w.socket(sa)?.connection?.fin == .owed)
        #expect(w.thread(t2)?.state == .exited)

        var docs = World()
        let (q2, u2) = docs.spawnProcess()
        let (x, sx) = docs.connectedSocket(by: u2)
        docs.stall(sx)
        docs.queue(500, on: x, by: u2)
        #expect(docs.exit(q2).events.first == .resetSent(s1), "R39: a final cleanup, hard")
    }
}
