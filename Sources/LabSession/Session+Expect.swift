import LabRendering
import LabScript
import WinsockModel

/// Expectations (SPEC.md section 4): paths read the same values the tables show.
extension Session {
    mutating func check(_ e: Expectation, _ c: LocatedCommand, into reply: inout Reply) {
        let failure: String?
        switch e {
        case .value(let path, let op, let expected):
            switch value(of: path) {
            case .failure(let missing):
                failure = "expected \(path) \(op.rawValue) \(expected), got \(missing.text)"
            case .success(let actual):
                failure = matches(actual: actual, op, expected, kind: path.kind, path: path)
                    ? nil : "expected \(path) \(op.rawValue) \(expected), got \(actual)"
            }
        case .event(let text, let present):
            let wanted = normalized(text)
            let found = lastEvents.contains { normalized($0.event.description) == wanted }
            if found == present {
                failure = nil
            } else if present {
                let got = lastEvents.isEmpty ? "no events" : lastEvents.map(\.event.description).joined(separator: ", ")
                failure = "expected event \(text), got \(got)"
            } else {
                failure = "expected no event \(text), got it"
            }
        }
        if let failure {
            failedExpectations += 1
            reply.err += "\(c.location.fileAndLine): \(failure)\n"
        }
        if format == .json {
            var pairs = baseJSON(c, call: nil, result: nil, events: [])
            pairs.append(("expectation", .object([("passed", .bool(failure == nil)),
                                                   ("message", failure.map { .string($0) } ?? .null)])))
            pairs += stateJSON(changedHandles: [], changedSockets: [], changedOperations: [])
            reply.out += JSON.object(pairs).text + "\n"
        }
    }

    /// What a path reads now, or why there is nothing to read (the object does not exist).
    public func value(of path: ExpectPath) -> Result<String, TextError> {
        switch path {
        case .last:
            return .success(world.lastResult?.lastValue ?? "none")
        case .time:
            return .success(String(world.now.milliseconds))
        case .thread(let t, let field):
            guard let th = world.thread(t) else { return .failure(TextError("no thread \(t)")) }
            switch field {
            case .state: return .success(th.state.description)
            case .result: return .success(th.lastResult?.lastValue ?? "none")
            }
        case .handle(let h, let field):
            guard let handle = world.handle(h) else { return .failure(TextError("no handle \(h)")) }
            let s = world.sockets[handle.socket.index]
            switch field {
            case .refcount: return .success(String(s.refcount))
            case .pending: return .success(String(handle.pendingCount))
            case .sendq: return .success(String(s.sendQueue))
            case .linger: return .success(s.linger.description)
            case .mode: return .success(mode(s))
            case .state: return .success(handleState(handle))
            case .process: return .success(handle.process.description)
            case .socket: return .success(s.id.description)
            }
        case .socket(let id, let field):
            guard let s = world.socket(id) else { return .failure(TextError("no socket \(id)")) }
            let peer = s.peer
            switch field {
            case .refcount: return .success(String(s.refcount))
            case .sendq: return .success(String(s.sendQueue))
            case .state: return .success(s.state.description)
            case .linger: return .success(s.linger.description)
            case .discarded: return .success(String(s.discarded))
            case .peerReceived: return .success(String(peer?.received ?? 0))
            case .peerRead: return .success(String(peer?.read ?? 0))
            case .peerFin: return .success(peer?.hasReceivedFin == true ? "true" : "false")
            case .peerReset: return .success(peer?.hasReceivedReset == true ? "true" : "false")
            case .peerError: return .success(peer?.nextReceiveError ?? "none")
            }
        case .operation(let id, let field):
            guard let o = world.operation(id) else { return .failure(TextError("no operation \(id)")) }
            switch field {
            case .status: return .success(o.status.description)
            case .bytes: return .success(String(o.bytes))
            case .notified: return .success(o.isNotified ? "true" : "false")
            }
        case .process(let p, .startup):
            guard let proc = world.process(p) else { return .failure(TextError("no process \(p)")) }
            return .success(String(proc.startupCount))
        }
    }

    /// Compares case-insensitively; numbers numerically; `1`/`0` mean true/false on boolean paths.
    func matches(actual: String, _ op: Comparison, _ expected: String, kind: ExpectPath.Kind, path: ExpectPath) -> Bool {
        var want = normalized(expected)
        let have = normalized(actual)
        if kind == .boolean {
            if want == "1" { want = "true" } else if want == "0" { want = "false" }
        }
        let haveNumber = Int(have)
        let wantNumber = parseExpectedNumber(want, for: path)
        if op.isOrdering {
            guard let a = haveNumber, let b = wantNumber else { return false }
            switch op {
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            case .equal, .notEqual: return false
            }
        }
        let equal: Bool
        if let a = haveNumber, let b = wantNumber { equal = a == b } else { equal = have == want }
        return op == .equal ? equal : !equal
    }

    func normalized(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

