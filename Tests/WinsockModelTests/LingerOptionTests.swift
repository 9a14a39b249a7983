import Testing
@testable import WinsockModel

/// docs/rules.md section F: SO_LINGER and SO_DONTLINGER (R27–R30).
@Suite struct LingerOptionTests {
    @Test func r27SoLingerSetsThePairAndTheColumnReadsIt() {
        var w = World()
        let h = w.openSocket()
        let o = w.call(.setLinger(h, onoff: 1, seconds: 7))
        #expect(o.result == ok)
        #expect(o.events == [])
        #expect(o.rules.contains(.r27))
        #expect(w.socket(s1)?.linger == Linger(onoff: 1, seconds: 7))
        #expect(w.socket(s1)?.linger.description == "on 7s")
        // Any nonzero l_onoff means on.
        w.setLinger(h, 300, 2)
        #expect(w.socket(s1)?.linger.isEnabled == true)
        #expect(w.socket(s1)?.linger.description == "on 2s")
        w.setLinger(h, 0, 9)
        #expect(w.socket(s1)?.linger.description == "off")
        w.setLinger(h, 1, 0)
        #expect(w.socket(s1)?.linger.description == "on 0s")
    }

    @Test func r27DontLingerTrueKeepsTheTimeoutAndFalseReinstatesIt() {
        var w = World()
        let h = w.openSocket()
        w.setLinger(h, 1, 7)
        let on = w.call(.setDontLinger(h, true))
        #expect(on.result == ok)
        #expect(on.rules.contains(.r27))
        #expect(w.socket(s1)?.linger == Linger(onoff: 0, seconds: 7))
        #expect(w.socket(s1)?.linger.description == "off")
        let off = w.call(.setDontLinger(h, false))
        #expect(off.result == ok)
        #expect(off.rules.contains(.r27))
        #expect(w.socket(s1)?.linger.isEnabled == true)
        #expect(w.socket(s1)?.linger.seconds == 7)
        #expect(w.socket(s1)?.linger.description == "on 7s")
    }

    @Test func r27DontLingerFalseOnAFreshSocketMakesTheNextCloseHard() {
        var w = World()
        let (h, s) = w.connectedSocket()
        w.stall(s)
        w.queue(250, on: h)
        #expect(w.call(.setDontLinger(h, false)).result == ok)
        #expect(w.socket(s)?.linger.description == "on 0s")
        let o = w.call(.close(h))
        #expect(o.result == ok)
        #expect(o.events == [.resetSent(s1), .discarded(s1, 250), .stateChanged(s1, .closed), .handleReturned(h1),
                             .socketReleased(s1)])
        #expect(o.rules.contains(.r10))
    }

    @Test func r28GetSockOptReadsOnePieceOfState() {
        var w = World()
        let (a, _) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        w.setLinger(a, 1, 9)
        let get = w.call(.getSockOpt(a, .dontLinger))
        #expect(get.result == .value(.bool(false)))
        #expect(get.rules.contains(.r28))
        #expect(w.call(.getSockOpt(b, .linger), by: t2).result == .value(.linger(Linger(onoff: 1, seconds: 9))))
        #expect(w.call(.getSockOpt(b, .dontLinger), by: t2).result == .value(.bool(false)))
        #expect(w.call(.setDontLinger(b, true), by: t2).result == ok)
        #expect(w.call(.getSockOpt(a, .dontLinger)).result == .value(.bool(true)))
        #expect(w.call(.getSockOpt(a, .linger)).result == .value(.linger(Linger(onoff: 0, seconds: 9))))
        #expect(w.lastResult?.lastValue == "off")
        w.setLinger(a, 0, 9)
        #expect(w.call(.getSockOpt(a, .dontLinger)).result == .value(.bool(true)))
        w.setLinger(a, 2, 0)
        #expect(w.call(.getSockOpt(a, .dontLinger)).result == .value(.bool(false)))
        #expect(w.lastResult?.lastValue == "false")
    }

    @Test func r29LingerOptionsOnADatagramSocketFailWithNoProtocolOption() {
        var w = World()
        let h = w.openSocket(.dgram)
        for c: ProviderCall in [.setLinger(h, onoff: 1, seconds: 5), .setDontLinger(h, false),
                                .getSockOpt(h, .linger), .getSockOpt(h, .dontLinger)] {
            let o = w.call(c)
            #expect(o.result == fails(.noProtocolOption), "\(c)")
            #expect(o.rules.contains(.r29), "\(c)")
        }
        #expect(w.socket(s1)?.linger == .default)
        // SO_SNDBUF is not a linger option.
        #expect(w.call(.getSockOpt(h, .sendBuffer)).result == count(65_536))
    }

    @Test func r30OptionsThroughAClosedDescriptorFailWithNotSockAndChangeNothing() {
        var w = World()
        let (a, s) = w.connectedSocket()
        let (_, t2) = w.spawnProcess()
        let b = w.share(a, with: t2)
        w.setLinger(a, 1, 4)
        _ = w.call(.close(a))
        for c: ProviderCall in [.setLinger(a, onoff: 1, seconds: 0), .setDontLinger(a, true),
                                .getSockOpt(a, .linger), .getSockOpt(a, .dontLinger)] {
            let o = w.call(c)
            #expect(o.result == fails(.notSocket), "\(c)")
            #expect(o.events == [], "\(c)")
            #expect(o.rules.contains(.r1) || o.rules.contains(.r30), "\(c)")
        }
        #expect(w.socket(s)?.linger == Linger(onoff: 1, seconds: 4))
        #expect(w.call(.getSockOpt(b, .linger), by: t2).result == .value(.linger(Linger(onoff: 1, seconds: 4))))
    }
}
