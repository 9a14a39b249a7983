import Testing
@testable import WinsockModel

/// docs/rules.md section J, the `linux` list: the items about receives, sends, resets, orphans,
/// timers and the provider. One test per item (its name says which), with `docs` for contrast.
@Suite struct LinuxDataPathTests {
    /// J/linux: after SD_RECEIVE a receive returns what is queued, then 0 (not WSAESHUTDOWN, never
    /// blocking); data arriving later is kept and readable and draws no RST (inet_shutdown only
    /// marks the socket; tcp_recvmsg_locked).
    @Test func itemReceiveShutdownOnlyMarksTheSocket() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .send(50))
        w.advance(ms: 1)
        let shut = w.call(.shutdown(h, how: ShutdownHow.receive))
        #expect(shut.result == ok)
        #expect(shut.notes.contains { $0.text.contains("inet_shutdown") })
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(50))
        let empty = w.call(.recv(h, bytes: 100, overlapped: false))
        #expect(empty.result == count(0))
        #expect(empty.notes.contains { $0.text.contains("tcp_recvmsg_locked") })
        w.fromPeer(s, .send(200))
        #expect(w.advance(ms: 1).events == [])
        #expect(w.socket(s)?.receiveBuffer == 200)
        #expect(w.call(.recv(h, bytes: 500, overlapped: false)).result == count(200))

        var docs = World()
        let (d, ds) = docs.connectedSocket()
        docs.call(.shutdown(d, how: ShutdownHow.receive))
        #expect(docs.call(.recv(d, bytes: 100, overlapped: false)).result == fails(.shutdown))
        docs.fromPeer(ds, .send(200))
        #expect(docs.advance(ms: 1).events.first == .resetSent(s1))
    }

    /// J/linux: after SD_SEND a send fails with EPIPE, shown as WSAESHUTDOWN (EPIPE).
    @Test func itemSendAfterSendShutdownFailsWithEPIPE() {
        var w = World.with(.linux)
        let (h, _) = w.connectedSocket()
        w.call(.shutdown(h, how: ShutdownHow.send))
        let send = w.call(.send(h, bytes: 10, overlapped: false))
        #expect(send.result == fails(.shutdown))
        #expect(send.hostError == "EPIPE")
        #expect(send.notes.contains { $0.text.contains("tcp_sendmsg_locked") })
    }

    /// J/linux: a cancelled blocking receive (R25) fails with WSAEINTR and does not reset the
    /// connection (no R26: tcp_recvmsg_locked ends its wait at a signal).
    @Test func itemCancelledReceiveDoesNotReset() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.call(.recv(h, bytes: 100, overlapped: false))
        let cancel = w.call(.cancelBlockingCall, by: T1)
        #expect(cancel.events == [.threadWoke(T1, .recv, fails(.interrupted))])
        #expect(w.socket(s)?.state == .established)
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == count(10))

        var docs = World()
        let (d, _) = docs.connectedSocket()
        docs.call(.recv(d, bytes: 100, overlapped: false))
        #expect(docs.call(.cancelBlockingCall, by: T1).events.contains(.resetSent(s1)))
    }

    /// J/linux (a correction): a cancelled blocking send that had queued bytes returns their count
    /// (tcp_sendmsg_locked returns what it copied), and nothing is reset.
    @Test func itemCancelledSendReturnsWhatItQueued() {
        var w = World.with(.linux)
        w.configure(.sendBuffer(1000))
        let (h, s) = w.connectedSocket()
        w.stall(s)
        #expect(w.call(.send(h, bytes: 3000, overlapped: false)).result == .blocked)
        let cancel = w.call(.cancelBlockingCall, by: T1)
        #expect(cancel.events == [.threadWoke(T1, .send, count(1000))])
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.socket(s)?.state == .established)
        // Nothing queued yet: WSAEINTR.
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == .blocked)
        #expect(w.call(.cancelBlockingCall, by: T1).events == [.threadWoke(T1, .send, fails(.interrupted))])
    }

    /// J/linux: once our RST reaches the peer, the peer still reads the bytes it had received, then its
    /// receive reports WSAECONNRESET once and 0 after that (tcp_reset keeps the queue).
    @Test func itemPeerReadsItsBytesAfterOurReset() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.queue(500, on: h)
        w.advance(ms: 1)
        w.setLinger(h, 1, 0)
        w.call(.close(h))
        #expect(w.socket(s)?.peer?.nextReceive == .error(.connectionReset))
        w.fromPeer(s, .read(200))
        #expect(w.socket(s)?.peer?.read == 200)
        #expect(w.socket(s)?.peer?.nextReceive == .error(.connectionReset), "not reported while bytes are left")
        w.fromPeer(s, .read(nil))
        #expect(w.socket(s)?.peer?.read == 500)
        #expect(w.socket(s)?.peer?.nextReceive == .endOfStream)
        #expect(w.socket(s)?.peer?.hasReceivedReset == true)

        var docs = World()
        let (d, ds) = docs.connectedSocket()
        docs.queue(500, on: d)
        docs.advance(ms: 1)
        docs.setLinger(d, 1, 0)
        docs.call(.close(d))
        docs.fromPeer(ds, .read(nil))
        #expect(docs.socket(ds)?.peer?.read == 0, "R42: an arriving reset flushes unread data")
    }

    /// J/linux: after the peer has seen our FIN, a later RST is not reported to it: its receive keeps
    /// returning 0 (tcp_reset records EPIPE for a peer in CLOSE_WAIT).
    @Test func itemResetAfterOurFinIsNotReportedToThePeer() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.call(.shutdown(h, how: ShutdownHow.send))
        w.setLinger(h, 1, 0)
        let close = w.call(.close(h))
        #expect(close.events.first == .resetSent(s1))
        #expect(w.socket(s)?.peer?.hasReceivedReset == true)
        #expect(w.socket(s)?.peer?.nextReceive == .endOfStream)
        #expect(w.socketRow(s)?.peer?.nextReceive.description == "0")
    }

    /// J/linux: our own socket reports the peer's RST once too: after the bytes received, a receive
    /// fails with WSAECONNRESET (ECONNRESET), then returns 0; a send then fails with EPIPE
    /// (WSAECONNABORTED).
    @Test func itemOurSocketReportsAPeerResetOnce() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.fromPeer(s, .send(10))
        w.advance(ms: 1)
        w.fromPeer(s, .reset)
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(10))
        let first = w.call(.recv(h, bytes: 100, overlapped: false))
        #expect(first.result == fails(.connectionReset))
        #expect(first.hostError == "ECONNRESET")
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(0))
        let send = w.call(.send(h, bytes: 10, overlapped: false))
        #expect(send.result == fails(.connectionAborted))
        #expect(send.hostError == "EPIPE")

        var docs = World()
        let (d, ds) = docs.connectedSocket()
        docs.fromPeer(ds, .reset)
        #expect(docs.call(.recv(d, bytes: 100, overlapped: false)).result == fails(.connectionReset))
        #expect(docs.call(.recv(d, bytes: 100, overlapped: false)).result == fails(.connectionReset))
    }

    /// J/linux: an orphan that cannot finish is dropped at `graceful-timeout` without an RST
    /// (tcp_write_err); its unsent data is discarded and the peer is told nothing.
    @Test func itemOrphanThatCannotFinishIsDroppedWithoutReset() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(1000, on: h)
        w.call(.close(h))
        let o = w.advance(seconds: 120)
        #expect(o.events == [.discarded(s1, 1000), .stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.notes.contains { $0.text.contains("tcp_write_err") })
        #expect(w.socket(s)?.peer?.hasReceivedReset == false)

        var docs = World()
        let (d, ds) = docs.connectedSocket()
        docs.stall(ds)
        docs.queue(1000, on: d)
        docs.call(.close(d))
        #expect(docs.advance(seconds: 120).events.first == .resetSent(s1))
    }

    /// J/linux (a refinement): an orphan in FIN_WAIT_2 is released after tcp_fin_timeout (60 s),
    /// counted from entering FIN_WAIT_2, without a reset.
    @Test func itemFinWait2OrphanEndsAfterFinTimeout() {
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.call(.close(h))
        #expect(w.socket(s)?.state == .finWait2)
        #expect(w.advance(ms: 59_999).events == [])
        let o = w.advance(ms: 1)
        #expect(o.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
        #expect(o.notes.contains { $0.text.contains("tcp_fin_timeout") })
    }

    /// J/linux: TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN), unless `set timewait` says otherwise.
    @Test func itemTimeWaitLastsSixtySeconds() {
        var settings = Settings()
        settings.profile = .linux
        #expect(settings.timeWait == .seconds(60))
        settings.timeWait = .seconds(5)
        #expect(settings.timeWait == .seconds(5))
        #expect(Settings().timeWait == .seconds(240))
        var w = World.with(.linux)
        let (h, s) = w.connectedSocket()
        w.call(.close(h))
        w.fromPeer(s, .close)
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.advance(ms: 59_999).events == [])
        #expect(w.advance(ms: 1).events == [.stateChanged(s1, .closed), .socketReleased(s1)])
    }

    /// J/linux: there is no WSPStartup/WSPCleanup counting: both do nothing, WSANOTINITIALISED never.
    @Test func itemNoStartupCounting() {
        var w = World.with(.linux)
        let (h, _) = w.connectedSocket()
        for _ in 0..<3 { #expect(w.call(.cleanup).result == ok) }
        #expect(w.process(P1)?.startupCount == 1)
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == count(10))
        #expect(w.call(.startup).events == [])

        var docs = World()
        docs.call(.cleanup)
        #expect(docs.call(.socket(.stream, nonblocking: false)).result == fails(.notInitialised))
    }

    /// J/linux: no WPU up-call (every socket is a file), whichever provider is set.
    @Test(arguments: ProviderKind.allCases)
    func itemNoUpCalls(provider: ProviderKind) {
        var w = World.with(.linux)
        w.configure(.provider(provider))
        let h = w.openSocket()
        let o = w.call(.close(h))
        #expect(!o.events.contains { $0.isUpCall })
        #expect(o.events == [.stateChanged(s1, .closed), .socketReleased(s1)])
        var docs = World()
        docs.configure(.provider(provider))
        #expect(docs.call(.socket(.stream, nonblocking: false)).events.contains { $0.isUpCall })
    }

    /// J/linux: handle values are always reused, lowest first (`reuse on`), as descriptor numbers are.
    @Test func itemHandleValuesAreReusedLowestFirst() {
        var w = World.with(.linux)
        #expect(!w.settings.reusesHandles)
        let a = w.openSocket(), b = w.openSocket(), c = w.openSocket()
        w.call(.close(c))
        w.call(.close(a))
        let o = w.call(.socket(.stream, nonblocking: false))
        #expect(o.result == returns(h1))
        #expect(o.rules.contains(.r23))
        #expect(w.openSocket() == h3)
        #expect(b == h2)
        var docs = World()
        let d = docs.openSocket()
        docs.call(.close(d))
        #expect(docs.openSocket() == h2)
    }

    /// J/linux: SO_LINGER and SO_DONTLINGER on a datagram socket succeed and are stored
    /// (sk_setsockopt); its close never lingers.
    @Test func itemDatagramLingerOptionsSucceed() {
        var w = World.with(.linux)
        let h = w.openSocket(.dgram)
        #expect(w.call(.setLinger(h, onoff: 1, seconds: 5)).result == ok)
        #expect(w.call(.getSockOpt(h, .linger)).result == .value(.linger(Linger(onoff: 1, seconds: 5))))
        #expect(w.call(.setDontLinger(h, true)).result == ok)
        #expect(w.call(.getSockOpt(h, .dontLinger)).result == .value(.bool(true)))
        w.setLinger(h, 1, 5)
        #expect(w.call(.close(h)).result == ok)
        #expect(w.socket(s1)?.isReleased == true)
    }

    /// J/linux: errno values beside their Winsock names; none for the lab's own checks and in docs.
    @Test func itemErrnoBesideTheWinsockName() {
        var w = World.with(.linux)
        let h = w.openSocket(nonblocking: true)
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).hostError == "ENOTCONN")
        #expect(w.call(.shutdown(h, how: 7)).hostError == "EINVAL")
        w.call(.connect(h))
        let again = w.call(.recv(h, bytes: 1, overlapped: false))
        #expect(again.result == fails(.wouldBlock))
        #expect(again.hostError == "EAGAIN")
        #expect(w.call(.connect(h)).hostError == "EISCONN")
        let cancel = w.call(.cancelBlockingCall)
        #expect(cancel.result == fails(.invalidArgument))
        #expect(cancel.hostError == nil, "R25 is the lab's own check")
        #expect(w.call(.close(h99)).hostError == "EBADF")
        #expect(w.call(.send(h, bytes: 1, overlapped: false)).hostError == nil, "a success has none")
        var docs = World()
        #expect(docs.call(.close(h99)).hostError == nil)
    }

    /// J/linux (a refinement): getsockopt(SO_SNDBUF) reads what the kernel keeps: twice the value
    /// set, at least 4608; unset, the kernel's default (16384 for TCP, 212992 for UDP).
    @Test func itemSendBufferReadsBackDoubled() {
        var w = World.with(.linux)
        let a = w.openSocket()
        #expect(w.call(.getSockOpt(a, .sendBuffer)).result == count(16_384))
        let d = w.openSocket(.dgram)
        #expect(w.call(.getSockOpt(d, .sendBuffer)).result == count(212_992))
        w.configure(.sendBuffer(1000))
        let b = w.openSocket()
        let read = w.call(.getSockOpt(b, .sendBuffer))
        #expect(read.result == count(4608))
        #expect(read.notes.contains { $0.text.contains("sock_setsockopt") })
        #expect(w.socket(s3)?.sendBufferSize == 1000, "the queue still holds what was set")
        w.configure(.sendBuffer(3000))
        #expect(w.call(.getSockOpt(w.openSocket(), .sendBuffer)).result == count(6000))
        var docs = World()
        docs.configure(.sendBuffer(1000))
        #expect(docs.call(.getSockOpt(docs.openSocket(), .sendBuffer)).result == count(1000))
    }
}
