import Testing
@testable import WinsockModel

/// docs/rules.md section A: descriptors, sharing, reference counts (R1–R6).
@Suite struct DescriptorTests {
    @Test func r1CloseReleasesExactlyTheDescriptorPassedIn() {
        var w = World()
        let a = w.openSocket()
        let b = w.openSocket()
        let o = w.call(.close(a))
        #expect(o.result == ok)
        #expect(o.events == [.stateChanged(s1, .closed), .handleReturned(h1), .socketReleased(s1)])
        #expect(o.releasedHandles == [a])
        #expect(w.handle(a)?.isOpen == false)
        #expect(w.handle(b)?.isOpen == true)
        #expect(w.socket(s2)?.refcount == 1)
        #expect(w.socket(s2)?.isReleased == false)
    }

    @Test func r1CloseTwiceFailsWithNotSock() {
        var w = World()
        let (h, s) = w.connectedSocket()
        #expect(w.call(.close(h)).result == ok)
        let before = w.socket(s)
        let again = w.call(.close(h))
        #expect(again.result == fails(.notSocket))
        #expect(again.events == [])
        #expect(again.rules.contains(.r1))
        #expect(w.socket(s) == before)
        #expect(w.lastResult == fails(.notSocket))
        // Any later call through it fails the same way.
        #expect(w.call(.send(h, bytes: 10, overlapped: false)).result == fails(.notSocket))
        #expect(w.call(.recv(h, bytes: 10, overlapped: false)).result == fails(.notSocket))
        #expect(w.call(.getSockOpt(h, .linger)).result == fails(.notSocket))
        #expect(w.call(.shutdown(h, how: ShutdownHow.send)).result == fails(.notSocket))
    }

    @Test func r1NameThatNeverWasAHandleFailsWithNotSock() {
        var w = World()
        let o = w.call(.close(h99))
        #expect(o.result == fails(.notSocket))
        #expect(o.events == [])
        #expect(o.rules.contains(.r1))
        #expect(w.call(.send(h99, bytes: 1, overlapped: false)).result == fails(.notSocket))
        // Failed calls allocate no names: the first socket is still h1.
        #expect(w.call(.socket(.stream, nonblocking: false)).result == returns(h1))
    }

    @Test func r2ClosingANonLastDescriptorOnlyReleasesIt() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        #expect(w.socket(s)?.refcount == 2)
        w.queue(1000, on: a)
        // Even a hard-close setting changes nothing when the close is not the last (R2, R3).
        w.setLinger(a, 1, 0)

        let o = w.call(.close(a))
        #expect(o.result == ok)
        #expect(o.events == [.handleReturned(h1)])
        #expect(o.rules.contains(.r2))
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.socket(s)?.state == .established)
        #expect(w.socket(s)?.sendQueue == 1000)
        #expect(w.socket(s)?.lifecycle == .referenced)
        #expect(w.handle(b)?.isOpen == true)

        // The connection is still up: the queue keeps draining to the peer.
        let tx = w.advance(ms: 1)
        #expect(tx.events == [.transmitted(s1, 1000)])
        #expect(w.socket(s)?.peer?.received == 1000)
        // The duplicate still sends.
        #expect(w.call(.send(b, bytes: 10, overlapped: false), by: t2).result == count(10))
    }

    @Test func r2OnlyTheLastCloseActsOnTheConnection() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        #expect(w.call(.close(a)).events == [.handleReturned(h1)])
        let last = w.call(.close(b), by: t2)
        #expect(last.result == ok)
        #expect(last.events.prefix(2) == [.finSent(s1), .stateChanged(s1, .finWait1)])
        #expect(last.events.contains(.handleReturned(h2)))
        #expect(w.socket(s)?.refcount == 0)
        #expect(w.socket(s)?.peer?.hasReceivedFin == true)
    }

    @Test func r3LingerSetThroughOneDescriptorDecidesTheCloseOfTheOther() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        w.stall(s)
        w.queue(500, on: a)
        let set = w.call(.setLinger(b, onoff: 1, seconds: 0), by: t2)
        #expect(set.result == ok)
        #expect(set.rules.contains(.r3))
        #expect(w.call(.getSockOpt(a, .linger)).result == .value(.linger(Linger(onoff: 1, seconds: 0))))
        #expect(w.call(.close(b), by: t2).events == [.handleReturned(h2)])
        let last = w.call(.close(a))
        #expect(last.result == ok)
        #expect(last.events == [.resetSent(s1), .discarded(s1, 500), .stateChanged(s1, .closed), .handleReturned(h1),
                                .socketReleased(s1)])
    }

    @Test func r3TheSettingInForceAtTheLastCloseDecides() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        w.setLinger(a, 1, 0)
        #expect(w.call(.close(a)).events == [.handleReturned(h1)])
        // Turned back off through the other descriptor before the last close: graceful.
        #expect(w.call(.setDontLinger(b, true), by: t2).result == ok)
        let last = w.call(.close(b), by: t2)
        #expect(last.events.contains(.finSent(s1)))
        #expect(!last.events.contains(.resetSent(s1)))
        #expect(w.socket(s)?.discarded == 0)
    }

    @Test func r3BlockingModeAndShutdownAreSharedByAllDescriptors() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        let io = w.call(.setNonblocking(a, true))
        #expect(io.result == ok)
        #expect(io.rules.contains(.r3))
        // Nonblocking through the other descriptor too: a receive with nothing waiting fails at once.
        #expect(w.call(.recv(b, bytes: 10, overlapped: false), by: t2).result == fails(.wouldBlock))
        #expect(w.socket(s)?.isNonblocking == true)
        #expect(w.call(.shutdown(a, how: ShutdownHow.send)).result == ok)
        #expect(w.call(.send(b, bytes: 10, overlapped: false), by: t2).result == fails(.shutdown))
    }

    @Test func r4DuplicateOnlyMakesABlockAndChangesNoCount() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, _) = w.spawnProcess()
        let o = w.call(.duplicate(a, p2))
        #expect(o.result == .value(.protocolInfo(pi1)))
        #expect(o.events == [])
        #expect(o.rules.contains(.r4))
        #expect(w.socket(s)?.refcount == 1)
        #expect(w.protocolInfo(pi1)?.target == p2)
        #expect(w.protocolInfo(pi1)?.isUsed == false)
    }

    @Test func r4UsingTheBlockInTheTargetRaisesTheCount() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        #expect(w.call(.duplicate(a, p2)).result == .value(.protocolInfo(pi1)))
        let o = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(o.result == returns(h2))
        #expect(o.events == [.handleCreated(h2)])
        #expect(o.rules.contains(.r4))
        #expect(w.socket(s)?.refcount == 2)
        #expect(w.handle(h2)?.process == p2)
        #expect(w.handle(h2)?.socket == s)
    }

    @Test func r4BlockUsedTwiceFailsWithInvalidArgument() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        _ = w.call(.duplicate(a, p2))
        #expect(w.call(.socketFromProtocolInfo(pi1), by: t2).result == returns(h2))
        let again = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(again.result == fails(.invalidArgument))
        #expect(again.events == [])
        #expect(again.rules.contains(.r4))
        #expect(w.socket(s)?.refcount == 2)
        #expect(w.handles.count == 2)
    }

    @Test func r4BlockUsedByAnotherProcessFailsWithInvalidArgument() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        _ = w.call(.duplicate(a, p2))
        let wrong = w.call(.socketFromProtocolInfo(pi1), by: T1)
        #expect(wrong.result == fails(.invalidArgument))
        #expect(wrong.rules.contains(.r4))
        #expect(w.socket(s)?.refcount == 1)
        // The block is not spent by the failed use.
        #expect(w.call(.socketFromProtocolInfo(pi1), by: t2).result == returns(h2))
    }

    @Test func r4SourceClosedBeforeTheTargetUsesTheBlockFailsWithNotSock() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        w.stall(s)
        w.queue(100, on: a)
        _ = w.call(.duplicate(a, p2))
        #expect(w.call(.close(a)).result == ok)
        #expect(w.socket(s)?.isOrphan == true) // still draining
        let late = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(late.result == fails(.notSocket))
        #expect(late.events == [])
        #expect(late.rules.contains(.r4))
        #expect(w.socket(s)?.refcount == 0)
    }

    @Test func r4SocketFromProtocolInfoChecksInOrder() {
        var w = World()
        let (a, _) = w.connectedSocket()
        let (p2, t2) = w.spawnProcess()
        // An unknown block.
        #expect(w.call(.socketFromProtocolInfo(pi9), by: t2).result == fails(.invalidArgument))
        _ = w.call(.duplicate(a, p2))   // pi1
        _ = w.call(.duplicate(a, p2))   // pi2
        #expect(w.call(.socketFromProtocolInfo(pi1), by: t2).result == returns(h2))
        #expect(w.call(.close(a)).result == ok)
        #expect(w.call(.close(h2), by: t2).result == ok)
        // The socket's last descriptor is closed; the wrong process and a used block still come first.
        #expect(w.call(.socketFromProtocolInfo(pi2), by: T1).result == fails(.invalidArgument))
        #expect(w.call(.socketFromProtocolInfo(pi1), by: t2).result == fails(.invalidArgument))
        #expect(w.call(.socketFromProtocolInfo(pi2), by: t2).result == fails(.notSocket))
    }

    @Test func r4DuplicatingAClosedDescriptorOrForANonexistentProcessFails() {
        var w = World()
        let a = w.openSocket()
        let b = w.openSocket()
        let noProcess = w.call(.duplicate(b, P9))
        #expect(noProcess.result == fails(.invalidArgument))
        #expect(noProcess.rules.contains(.r4))
        _ = w.call(.close(a))
        #expect(w.call(.duplicate(a, P1)).result == fails(.notSocket))
        #expect(w.protocolInfos.isEmpty) // failed calls allocate no names
        #expect(w.call(.duplicate(b, P1)).result == .value(.protocolInfo(pi1)))
    }

    @Test func r5ThreadsOfAProcessShareItsDescriptors() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let t2 = w.spawnThread()
        #expect(w.call(.send(a, bytes: 100, overlapped: false), by: t2).result == count(100))
        #expect(w.socket(s)?.sendQueue == 100)
        #expect(w.call(.close(a), by: t2).result == ok)
        #expect(w.call(.send(a, bytes: 1, overlapped: false), by: T1).result == fails(.notSocket))
    }

    @Test func r5ADescriptorIsValidOnlyInItsOwnProcess() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let before = w
        let o = w.call(.close(a), by: t2)
        #expect(o.result == fails(.notSocket))
        #expect(o.events == [])
        #expect(o.rules.contains(.r5))
        #expect(w.call(.send(a, bytes: 10, overlapped: false), by: t2).result == fails(.notSocket))
        #expect(w.sockets == before.sockets)
        #expect(w.handles == before.handles)
        #expect(w.socket(s)?.refcount == 1)
    }

    @Test func r6NonIFSProviderCreatesEachDescriptorWithAnUpCall() {
        var w = World()
        let o = w.call(.socket(.stream, nonblocking: false))
        #expect(o.events == [.handleCreated(h1)])
        #expect(o.rules.contains(.r6))
        let (_, t2) = w.spawnProcess()
        _ = w.call(.duplicate(h1, P2))
        let from = w.call(.socketFromProtocolInfo(pi1), by: t2)
        #expect(from.events == [.handleCreated(h2)])
        #expect(w.call(.socket(.dgram, nonblocking: false)).events == [.handleCreated(h3)])
    }

    @Test func r6IFSProviderRegistersEachDescriptor() {
        var w = World()
        w.configure(.provider(.ifs))
        let o = w.call(.socket(.stream, nonblocking: false))
        #expect(o.events == [.handleRegistered(h1)])
        #expect(o.rules.contains(.r6))
        let (_, t2) = w.spawnProcess()
        _ = w.call(.duplicate(h1, P2))
        #expect(w.call(.socketFromProtocolInfo(pi1), by: t2).events == [.handleRegistered(h2)])
    }
}
