/// The peer application (`peer sN …`, R41–R43a): the session drives the remote end of a connected
/// stream socket.
extension World {
    /// What the peer application does (`peer sN …`, R41–R43a).
    public enum PeerAction: Hashable, Sendable {
        /// Reads up to this many bytes (nil: all unread bytes); its window reopens at once (R41).
        case read(Int?)
        /// Sends one data segment of this many bytes (at least 1).
        case send(Int)
        /// Sends its FIN, after its earlier segments.
        case close
        /// Sends RST, at once.
        case reset
        /// Resizes its receive buffer (R41).
        case window(Int)
    }

    /// `peer sN …`: the peer application acts. Returns the outcome and a one-line account
    /// (`peer of s1: read 100 bytes (100 read of 3000 received)`). Refused for a socket that never
    /// connected, and for a send, FIN or RST after the peer's own FIN or RST or once our RST
    /// reached it.
    public mutating func peer(_ s: SocketID, _ action: PeerAction) throws(Refusal) -> (Outcome, String) {
        guard let sock = socket(s) else { throw Refusal("there is no socket \(s)") }
        sockets.unpack(s.index)
        guard sock.type == .stream, let peer = sock.peer else {
            throw Refusal("\(s) never connected: `peer` needs a connected stream socket")
        }
        switch action {
        case .send, .close, .reset:
            switch peer.closing {
            case .no: break
            case .fin: throw Refusal("the peer of \(s) already sent its FIN")
            case .reset: throw Refusal("the peer of \(s) already reset the connection")
            }
            if peer.hasReceivedReset { throw Refusal("our RST already reached the peer of \(s)") }
        case .read, .window:
            break
        }
        var message = ""
        let outcome = try request { w throws(Refusal) in
            message = w.peerActs(s, peer, action)
            return nil
        }
        return (outcome, message)
    }

    /// The peer application does `action`; `peer` is the peer as `peer(_:_:)` found it.
    private mutating func peerActs(_ s: SocketID, _ peer: Peer, _ action: PeerAction) -> String {
        let released = sockets[live: s.index].isReleased
        var p = peer
        switch action {
        case .read(let count):
            if settings.profile.reportsResetOnce && peer.hasReceivedReset {
                return peerReadsAfterReset(s, peer, count)
            }
            if let error = peer.resetError {
                let unread = peer.unread
                note(.r42, "our RST reached the peer of \(s), and an arriving reset flushes the peer's unread data (as Windows does): its receive fails with \(error), so it reads \(unread == 0 ? "nothing" : "none of the \(unread) bytes it had received but not read") and never sees the bytes our reset discarded.")
                return "peer of \(s): receive fails with \(error)"
            }
            let k = min(count ?? peer.unread, peer.unread)
            p.read += k
            setPeer(of: s, to: p)
            let free = p.freeWindow
            note(.r41, "the peer application read \(k) bytes of \(s); its window reopens at once (\(free) of \(peer.window) free).")
            if k == 0 && peer.hasReceivedFin {
                note(.r42, "after our FIN with every byte read, the peer's receive returns 0.")
                return "peer of \(s): read 0 bytes (end of stream: our FIN arrived)"
            }
            return "peer of \(s): read \(k) bytes (\(p.read) read of \(peer.received) received)"
        case .send(let n):
            p.sent += n
            if released {
                setPeer(of: s, to: p)
                note(.r43a, "\(s) is released: anything sent to it is ignored.")
                return "peer of \(s): sent \(n) bytes to a released socket (ignored)"
            }
            let departure = max(now, peer.nextDeparture)
            let rate = Int128(settings.netRate)
            let travel = (Int128(n) * World.nanosecondsPerSecond + rate - 1) / rate
            let arrival = departure.adding(Span(nanoseconds: Int64(clamping: travel)))
            p.nextDeparture = arrival
            setPeer(of: s, to: p)
            let segment = logWire(s, .fromPeer, .data(n), sent: departure)
            schedule(.peerDataArrives(s, n), at: arrival, wireRecord: segment)
            note(.r46, "the peer's \(n) bytes are one segment: it leaves after the peer's earlier segments and arrives \(Span(nanoseconds: arrival.nanoseconds - departure.nanoseconds)) later (at \(arrival)), so only during `advance`.")
            return "peer of \(s): sends \(n) bytes (arriving at t=\(arrival))"
        case .close:
            p.closing = .fin
            setPeer(of: s, to: p)
            if released { return "peer of \(s): FIN to a released socket (ignored)" }
            let arrival = peerSends(s, .fin, .peerFinArrives(s), leaving: max(now, peer.nextDeparture))
            let latency = settings.netLatency
            note(.r46, "the peer's FIN leaves after its earlier segments and arrives net latency (\(latency)) later.")
            return "peer of \(s): sends FIN (arriving at t=\(arrival))"
        case .reset:
            p.closing = .reset
            setPeer(of: s, to: p)
            if released { return "peer of \(s): RST to a released socket (ignored)" }
            let arrival = peerSends(s, .rst, .peerResetArrives(s), leaving: now)
            let latency = settings.netLatency
            note(.r46, "the peer's RST is sent now and arrives net latency (\(latency)) later.")
            return "peer of \(s): sends RST (arriving at t=\(arrival))"
        case .window(let n):
            p.window = n
            setPeer(of: s, to: p)
            let free = p.freeWindow
            note(.r41, "the peer's receive buffer for \(s) is now \(n) bytes (\(free) free); a full window stops transmission.")
            return "peer of \(s): window \(n) bytes"
        }
    }

    /// J/linux: after our RST the peer still reads what it had received (`tcp_reset` keeps the
    /// receive queue); a read that wants more than that reports the reset's error once
    /// (`tcp_recvmsg_locked`, `sock_error`), and after that reads return 0.
    private mutating func peerReadsAfterReset(_ s: SocketID, _ peer: Peer, _ count: Int?) -> String {
        var p = peer
        let k = min(count ?? peer.unread, peer.unread)
        p.read += k
        let wantsMore = count.map { $0 > k } ?? true
        let reported = wantsMore ? p.resetError : nil
        if reported != nil { p.resetError = nil }
        setPeer(of: s, to: p)
        let after = reported.map { ", then its receive reports \($0) once (tcp_recvmsg_locked, sock_error); later receives return 0" }
            ?? (p.resetError == nil ? "; its receive returns 0 after that" : "")
        note(.r42, "[linux] our RST reached the peer of \(s), but tcp_reset kept its receive queue: it reads \(k) byte\(k == 1 ? "" : "s")\(after).")
        if let error = reported { return "peer of \(s): read \(k) bytes, then its receive failed with \(error)" }
        if k == 0 { return "peer of \(s): read 0 bytes (its receive returns 0: the reset is no longer reported)" }
        return "peer of \(s): read \(k) bytes (\(p.read) read of \(peer.received) received)"
    }

    /// Writes back what the peer application changed (the socket has a peer: `peer` checked).
    private mutating func setPeer(of s: SocketID, to peer: Peer) {
        updateSocket(s) { _ = $0.updatePeer { $0 = peer } }
    }

    /// The peer's FIN or RST leaves at `departure` and arrives `net latency` later; it is logged
    /// on the wire. Returns the arrival instant.
    private mutating func peerSends(_ s: SocketID, _ kind: WireRecord.Kind, _ arrival: Due, leaving departure: Instant) -> Instant {
        let at = departure.adding(settings.netLatency)
        let record = logWire(s, .fromPeer, kind, sent: departure)
        schedule(arrival, at: at, wireRecord: record)
        return at
    }
}
