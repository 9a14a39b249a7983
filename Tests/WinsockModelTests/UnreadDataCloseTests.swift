import Testing
@testable import WinsockModel

/// R51: unread data makes the last close hard, whatever the linger option, in every profile.
@Suite struct UnreadDataCloseTests {
    /// A world with one connected socket that has `unread` bytes from the peer waiting and
    /// `queued` bytes of ours that the peer's full window keeps in the send queue.
    func socketWithUnreadData(_ profile: Profile = .docs, unread: Int = 100, queued: Int = 0,
                              nonblocking: Bool = false) -> (World, HandleID, SocketID) {
        var w = World.with(profile)
        let (h, s) = w.connectedSocket(nonblocking: nonblocking)
        w.stall(s)
        if queued > 0 { w.queue(queued, on: h) }
        w.fromPeer(s, .send(unread))
        w.advance(ms: 1)
        #expect(w.socket(s)?.receiveBuffer == unread)
        return (w, h, s)
    }

    @Test(arguments: Profile.allCases)
    func r51UnreadDataMakesTheDefaultCloseHard(profile: Profile) {
        var (w, h, s) = socketWithUnreadData(profile, unread: 100, queued: 500)
        let o = w.call(.close(h))
        #expect(o.result == ok)
        // J/linux: every socket is a file, so no WPU up-call.
        let upCall: [Event] = profile.makesUpCalls ? [.handleReturned(h1)] : []
        #expect(o.events == [.resetSent(s1), .discarded(s1, 500), .stateChanged(s1, .closed)] + upCall
                + [.socketReleased(s1)])
        #expect(o.rules.contains(.r51))
        #expect(!o.rules.contains(.r9))
        let note = o.notes.first { $0.rule == .r51 }?.text ?? ""
        #expect(note.contains("100 bytes") && note.contains("R34"), "explain says how many and how to avoid it: \(note)")
        #expect(w.socket(s)?.discarded == 500, "DISCARD counts unsent bytes only")
        #expect(w.socket(s)?.receiveBuffer == 0, "the unread bytes are dropped")
        w.advance(ms: 1)
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
    }

    @Test(arguments: [(true, Linger(onoff: 1, seconds: 5)), (false, Linger(onoff: 1, seconds: 5)),
                      (false, Linger(onoff: 1, seconds: 0))])
    func r51IsDecidedBeforeTheLingerRules(nonblocking: Bool, linger: Linger) {
        var (w, h, _) = socketWithUnreadData(unread: 10, queued: 1000, nonblocking: nonblocking)
        w.setLinger(h, linger.onoff, linger.seconds)
        let o = w.call(.close(h))
        #expect(o.result == ok, "no WSAEWOULDBLOCK (R12) and no linger wait (R11)")
        #expect(o.events.first == .resetSent(s1))
        #expect(!o.events.contains(.threadBlocked(T1, .closeSocket)))
        #expect(w.handle(h)?.isOpen == false)
    }

    @Test func r51ReadingFirstAvoidsTheReset() {
        var (w, h, s) = socketWithUnreadData(unread: 100)
        #expect(w.call(.recv(h, bytes: 100, overlapped: false)).result == count(100))
        let o = w.call(.close(h))
        #expect(o.events.contains(.finSent(s1)))
        #expect(!o.events.contains(.resetSent(s1)))
        #expect(w.socket(s)?.isOrphan == true)
    }

    @Test func r51ANonLastCloseChangesNothing() {
        var (w, h, s) = socketWithUnreadData(unread: 100)
        let other = w.share(h, with: T1)
        let o = w.call(.close(h))
        #expect(o.events == [.handleReturned(h1)])
        #expect(w.socket(s)?.receiveBuffer == 100)
        #expect(w.call(.close(other)).events.contains(.resetSent(s1)))
    }

    @Test func r51WithTheNetworkDownIsHardAndReportsNetDown() {
        var (w, h, _) = socketWithUnreadData(unread: 5)
        w.configure(.network(up: false))
        let o = w.call(.close(h))
        #expect(o.result == fails(.networkDown))
        #expect(o.events.contains(.resetSent(s1)))
    }

    @Test func r51InTimeWaitSendsNothing() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.call(.shutdown(h, how: ShutdownHow.send))
        w.advance(ms: 1)
        w.fromPeer(s, .send(10))
        w.fromPeer(s, .close)
        w.advance(ms: 1)
        #expect(w.socket(s)?.state == .timeWait)
        #expect(w.socket(s)?.receiveBuffer == 10)
        let o = w.call(.close(h))
        #expect(!o.events.contains(.resetSent(s1)), "R43: a last close in TIME_WAIT sends nothing")
        #expect(o.rules.contains(.r43))
    }
}
