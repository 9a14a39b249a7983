import Testing
@testable import WinsockModel

// Names as the command language spells them, so a test reads like a script.
let h1 = HandleID(rawValue: 1), h2 = HandleID(rawValue: 2), h3 = HandleID(rawValue: 3)
let h4 = HandleID(rawValue: 4), h99 = HandleID(rawValue: 99)
let s1 = SocketID(rawValue: 1), s2 = SocketID(rawValue: 2), s3 = SocketID(rawValue: 3)
let P1 = ProcessID(rawValue: 1), P2 = ProcessID(rawValue: 2), P3 = ProcessID(rawValue: 3), P9 = ProcessID(rawValue: 9)
let T1 = ThreadID(rawValue: 1), T2 = ThreadID(rawValue: 2), T3 = ThreadID(rawValue: 3)
let op1 = OperationID(rawValue: 1), op2 = OperationID(rawValue: 2), op3 = OperationID(rawValue: 3)
let pi1 = ProtocolInfoID(rawValue: 1), pi2 = ProtocolInfoID(rawValue: 2), pi9 = ProtocolInfoID(rawValue: 9)

/// Results as `last` reads them.
let ok = CallResult.value(.zero)
func fails(_ e: WinsockError) -> CallResult { .failure(e) }
func count(_ n: Int) -> CallResult { .value(.count(n)) }
func returns(_ h: HandleID) -> CallResult { .value(.handle(h)) }

extension Outcome {
    /// The rules that fired, as `explain` would cite them.
    var rules: [RuleID] { notes.map(\.rule) }
    /// When each event happened, in whole milliseconds.
    var eventMilliseconds: [Int64] { eventTimes.map(\.milliseconds) }
    /// The canonical event lines (docs/language.md, "What is printed"). Only for tests about that
    /// text itself (EventTests); every other test compares `events`.
    var lines: [String] { events.map(\.description) }
}

/// Kinds of event, for tests that ask whether any event of a kind happened, whatever its data.
extension Event {
    var isWake: Bool { if case .threadWoke = self { true } else { false } }
    var isAbort: Bool { if case .operationAborted = self { true } else { false } }
    var isCompletion: Bool { if case .operationCompleted = self { true } else { false } }
    var isHandleCreated: Bool { if case .handleCreated = self { true } else { false } }
    var isHandleReturned: Bool { if case .handleReturned = self { true } else { false } }
    /// An up-call to the Winsock DLL (R6, R40).
    var isUpCall: Bool {
        switch self {
        case .handleCreated, .handleRegistered, .handleReturned: true
        case .transmitted, .finSent, .resetSent, .peerFinReceived, .peerResetReceived, .discarded,
             .operationCompleted, .operationAborted, .threadBlocked, .threadWoke, .lingerTimedOut,
             .stateChanged, .socketReleased:
            false
        }
    }
}

/// Every step goes through these helpers: a refusal is recorded as a test failure, and the
/// model's invariants are checked after each step.
extension World {
    func expectSound(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(invariantViolations() == [], "invariants broken", sourceLocation: sourceLocation)
    }

    @discardableResult
    mutating func call(_ c: ProviderCall, by t: ThreadID? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            let o = try perform(c, by: t)
            expectSound(sourceLocation: sourceLocation)
            return o
        } catch {
            Issue.record("refused \(c): \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    @discardableResult
    mutating func advance(ms: Int64, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            let o = try advance(by: .milliseconds(ms))
            expectSound(sourceLocation: sourceLocation)
            return o
        } catch {
            Issue.record("refused advance \(ms)ms: \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    @discardableResult
    mutating func advance(seconds: Int64, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        advance(ms: seconds * 1000, sourceLocation: sourceLocation)
    }

    /// `peer sN …`
    @discardableResult
    mutating func fromPeer(_ s: SocketID, _ action: PeerAction,
                           sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            let (o, _) = try peer(s, action)
            expectSound(sourceLocation: sourceLocation)
            return o
        } catch {
            Issue.record("refused peer \(s) \(action): \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    /// `set …`
    @discardableResult
    mutating func configure(_ setting: Setting, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            let o = try apply(setting)
            expectSound(sourceLocation: sourceLocation)
            return o
        } catch {
            Issue.record("refused set \(setting): \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    /// `process exit PN`
    @discardableResult
    mutating func exit(_ p: ProcessID, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            let o = try exitProcess(p)
            expectSound(sourceLocation: sourceLocation)
            return o
        } catch {
            Issue.record("refused process exit \(p): \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    /// `process new`: returns the new process and its first thread.
    mutating func spawnProcess(sourceLocation: SourceLocation = #_sourceLocation) -> (ProcessID, ThreadID) {
        _ = newProcess()
        expectSound(sourceLocation: sourceLocation)
        let p = processes[processes.count - 1]
        return (p.id, p.threads[0])
    }

    /// `thread new [PN]`: returns the new thread.
    mutating func spawnThread(in p: ProcessID? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> ThreadID {
        do {
            _ = try newThread(in: p)
        } catch {
            Issue.record("refused thread new: \(error)", sourceLocation: sourceLocation)
        }
        expectSound(sourceLocation: sourceLocation)
        return threads[threads.count - 1].id
    }

    /// `socket [stream|dgram] [nonblocking]` that must succeed; returns the new handle.
    mutating func openSocket(_ type: SocketType = .stream, nonblocking: Bool = false, by t: ThreadID? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation) -> HandleID {
        let o = call(.socket(type, nonblocking: nonblocking), by: t, sourceLocation: sourceLocation)
        guard case .value(.handle(let h))? = o.result else {
            Issue.record("socket failed: \(String(describing: o.result))", sourceLocation: sourceLocation)
            return h99
        }
        return h
    }

    /// `socket` + `connect`: a connected stream socket (ESTABLISHED with a new peer).
    mutating func connectedSocket(nonblocking: Bool = false, by t: ThreadID? = nil,
                                  sourceLocation: SourceLocation = #_sourceLocation) -> (HandleID, SocketID) {
        let h = openSocket(.stream, nonblocking: nonblocking, by: t, sourceLocation: sourceLocation)
        let o = call(.connect(h), by: t, sourceLocation: sourceLocation)
        #expect(o.result == ok, sourceLocation: sourceLocation)
        return (h, handle(h)?.socket ?? SocketID(rawValue: 99))
    }

    /// `duplicate hN PN` then `on TN socket from piN`: the socket gets a descriptor in the
    /// target thread's process.
    mutating func share(_ h: HandleID, by source: ThreadID? = nil, with target: ThreadID,
                        sourceLocation: SourceLocation = #_sourceLocation) -> HandleID {
        let p = threads[target.index].process
        let o = call(.duplicate(h, p), by: source, sourceLocation: sourceLocation)
        guard case .value(.protocolInfo(let pi))? = o.result else {
            Issue.record("duplicate failed: \(String(describing: o.result))", sourceLocation: sourceLocation)
            return h99
        }
        let u = call(.socketFromProtocolInfo(pi), by: target, sourceLocation: sourceLocation)
        guard case .value(.handle(let new))? = u.result else {
            Issue.record("socket from \(pi) failed: \(String(describing: u.result))", sourceLocation: sourceLocation)
            return h99
        }
        return new
    }

    /// Queues `n` bytes that must all fit at once.
    mutating func queue(_ n: Int, on h: HandleID, by t: ThreadID? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let o = call(.send(h, bytes: n, overlapped: false), by: t, sourceLocation: sourceLocation)
        #expect(o.result == count(n), sourceLocation: sourceLocation)
    }

    /// `setsockopt hN SO_LINGER onoff seconds` that must succeed.
    mutating func setLinger(_ h: HandleID, _ onoff: Int, _ seconds: Int, by t: ThreadID? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let o = call(.setLinger(h, onoff: onoff, seconds: seconds), by: t, sourceLocation: sourceLocation)
        #expect(o.result == ok, sourceLocation: sourceLocation)
    }

    /// Stops the peer of `s` from taking any data (a zero receive window), so queued bytes stay put.
    mutating func stall(_ s: SocketID, sourceLocation: SourceLocation = #_sourceLocation) {
        fromPeer(s, .window(0), sourceLocation: sourceLocation)
    }

    /// A world under one semantic profile.
    static func with(_ profile: Profile) -> World {
        var settings = Settings()
        settings.profile = profile
        return World(settings: settings)
    }
}
