import Testing
@testable import WinsockModel

/// docs/rules.md section E: blocking calls, cancellation, WSAEINPROGRESS (R24–R26).
@Suite struct CancellationTests {
    /// T1 blocked in a lingering close of h1 on s1 with 100 bytes stuck.
    static func lingering() -> World {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(100, on: h)
        w.setLinger(h, 1, 10)
        #expect(w.call(.close(h)).result == .blocked)
        return w
    }

    @Test func r24ABlockedThreadsCallsFailWithInProgressAndChangeNothing() {
        var w = Self.lingering()
        let before = w
        for c: ProviderCall in [.send(h1, bytes: 10, overlapped: false), .recv(h1, bytes: 10, overlapped: true),
                                .close(h1), .setLinger(h1, onoff: 1, seconds: 0), .shutdown(h1, how: 2),
                                .socket(.stream, nonblocking: false), .startup, .cleanup, .duplicate(h1, P1),
                                .close(h99)] {
            let o = w.call(c, by: T1)
            #expect(o.result == fails(.inProgress), "\(c)")
            #expect(o.events == [], "\(c)")
            #expect(o.rules.contains(.r24), "\(c)")
        }
        #expect(w.sockets == before.sockets)
        #expect(w.handles == before.handles)
        #expect(w.operations == before.operations)
        #expect(w.protocolInfos.isEmpty)
        #expect(w.process(P1)?.startupCount == 1)
        #expect(w.thread(T1)?.isBlocked == true)
    }

    @Test func r25CancelledLingeringCloseFailsWithInterruptedAndLeavesTheDescriptor() {
        var w = Self.lingering()
        let o = w.call(.cancelBlockingCall, by: T1)
        #expect(o.result == ok)
        #expect(o.events == [.threadWoke(T1, .closeSocket, fails(.interrupted))])
        #expect(o.rules.contains(.r25))
        #expect(w.thread(T1)?.state == .running)
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        #expect(w.handle(h1)?.isOpen == true)
        #expect(w.socket(s1)?.refcount == 1)
        #expect(w.socket(s1)?.linger == Linger(onoff: 1, seconds: 10))
        #expect(w.socket(s1)?.state == .established)
        #expect(w.socket(s1)?.sendQueue == 100)
        // The cancelled linger's timeout does not fire later.
        let later = w.advance(seconds: 20)
        #expect(later.events == [])
        // The descriptor still works, and closing again lingers again.
        #expect(w.call(.send(h1, bytes: 5, overlapped: false)).result == count(5))
        #expect(w.call(.close(h1)).result == .blocked)
    }

    @Test func r25CancelWithNoBlockingCallFailsWithInvalidArgument() {
        var w = World()
        let (h, _) = w.connectedSocket()
        let o = w.call(.cancelBlockingCall)
        #expect(o.result == fails(.invalidArgument))
        #expect(o.events == [])
        #expect(o.rules.contains(.r25))
        #expect(w.handle(h)?.isOpen == true)
        // Another thread's blocking call is not this thread's to cancel.
        let t2 = w.spawnThread()
        #expect(w.call(.recv(h, bytes: 1, overlapped: false), by: t2).result == .blocked)
        #expect(w.call(.cancelBlockingCall, by: T1).result == fails(.invalidArgument))
        #expect(w.thread(t2)?.isBlocked == true)
    }

    @Test func r26CancelledBlockingReceiveResetsTheConnection() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(300, on: h)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == .blocked)
        let o = w.call(.cancelBlockingCall, by: T1)
        #expect(o.result == ok)
        #expect(o.events == [.threadWoke(T1, .recv, fails(.interrupted)), .resetSent(s1), .discarded(s1, 300),
                             .stateChanged(s1, .closed)])
        #expect(o.rules.contains(.r25))
        #expect(o.rules.contains(.r26))
        #expect(w.thread(T1)?.lastResult == fails(.interrupted))
        #expect(w.socket(s)?.peer?.resetError == .connectionReset)
        let sendAfter = w.call(.send(h, bytes: 1, overlapped: false))
        #expect(sendAfter.result == fails(.connectionAborted))
        #expect(sendAfter.rules.contains(.r26))
        #expect(w.call(.recv(h, bytes: 1, overlapped: false)).result == fails(.connectionAborted))
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == fails(.connectionAborted))
        // Close still works (R15).
        let close = w.call(.close(h))
        #expect(close.result == ok)
        #expect(close.events == [.handleReturned(h1), .socketReleased(s1)])
    }

    @Test func r26ACancelledReceiveOnADatagramSocketResetsNothing() {
        var w = World()
        let h = w.openSocket(.dgram)
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == .blocked)
        let o = w.call(.cancelBlockingCall)
        #expect(o.result == ok)
        #expect(o.events == [.threadWoke(T1, .recv, fails(.interrupted))])
        #expect(!o.rules.contains(.r26))
        #expect(w.call(.connect(h)).result == ok)
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == count(10))
        #expect(w.call(.recv(h, bytes: 10, overlapped: true)).result == .pending(op1))
    }

    @Test func r26CancelledBlockingSendResetsAndEveryDescriptorSeesAborted() {
        var w = World()
        w.configure(.sendBuffer(1000))
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        w.stall(s)
        #expect(w.call(.send(a, bytes: 1500, overlapped: false)).result == .blocked)
        let o = w.call(.cancelBlockingCall, by: T1)
        #expect(o.events == [.threadWoke(T1, .send, fails(.interrupted)), .resetSent(s1), .discarded(s1, 1000),
                             .stateChanged(s1, .closed)])
        #expect(o.rules.contains(.r26))
        #expect(w.call(.send(b, bytes: 1, overlapped: false), by: t2).result == fails(.connectionAborted))
        #expect(w.call(.recv(b, bytes: 1, overlapped: true), by: t2).result == fails(.connectionAborted))
        #expect(w.call(.shutdown(b, how: ShutdownHow.receive), by: t2).result == fails(.connectionAborted))
        #expect(w.call(.close(b), by: t2).result == ok)
        #expect(w.call(.close(a)).result == ok)
        #expect(w.socket(s)?.isReleased == true)
    }
}
