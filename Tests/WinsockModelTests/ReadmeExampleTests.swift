import Testing
import WinsockModel

/// A hard close (linger on, timeout 0) resets the connection and discards what is queued (R10).
@Test func aHardCloseResetsAndDiscardsWhatIsQueued() throws {
    var w = World()
    let o = try w.perform(.socket(.stream, nonblocking: false))
    guard case .value(.handle(let h))? = o.result else {
        Issue.record("WSPSocket failed: \(String(describing: o.result))")
        return
    }
    let s = try #require(w.handle(h)).socket
    #expect(o.events == [.handleCreated(h)])

    #expect(try w.perform(.connect(h)).result == .value(.zero))
    #expect(try w.perform(.send(h, bytes: 2000, overlapped: false)).result == .value(.count(2000)))
    #expect(try w.perform(.setLinger(h, onoff: 1, seconds: 0)).result == .value(.zero))

    let close = try w.perform(.close(h))
    #expect(close.result == .value(.zero))
    #expect(close.events == [.resetSent(s), .discarded(s, 2000), .stateChanged(s, .closed),
                             .handleReturned(h), .socketReleased(s)])
    #expect(close.notes.map(\.rule).contains(.r10))
    #expect(w.socket(s)?.peer?.resetError == .connectionReset)   // the peer's next receive fails
    #expect(w.invariantViolations().isEmpty)
}

/// Linger off, the default: the close returns at once and the socket drains as an orphan (R9).
@Test func aGracefulCloseDrainsInTheBackground() throws {
    var w = World()
    let o = try w.perform(.socket(.stream, nonblocking: false))
    guard case .value(.handle(let h))? = o.result else {
        Issue.record("WSPSocket failed: \(String(describing: o.result))")
        return
    }
    let s = try #require(w.handle(h)).socket
    _ = try w.perform(.connect(h))
    _ = try w.perform(.send(h, bytes: 3000, overlapped: false))

    let close = try w.perform(.close(h))
    #expect(close.result == .value(.zero))
    #expect(close.events == [.handleReturned(h)])
    #expect(w.socket(s)?.lifecycle == .orphaned(since: .zero))

    // 3000 bytes at the default 1,000,000 bytes per second take 3 ms; then FIN.
    let drained = try w.advance(by: .milliseconds(3))
    #expect(drained.events == [.transmitted(s, 3000), .finSent(s), .stateChanged(s, .finWait1),
                               .stateChanged(s, .finWait2)])
    #expect(w.socket(s)?.peer?.received == 3000)
    #expect(w.invariantViolations().isEmpty)
}
