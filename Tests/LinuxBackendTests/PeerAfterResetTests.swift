import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

/// J: once our RST reaches the peer, it still reads the bytes it had received, then its receive
/// reports WSAECONNRESET once and 0 after that (tcp_reset keeps the receive queue).
@Suite struct PeerAfterResetTests {
    @Test func thePeerReadsWhatItHadThenTheResetOnceThenZero() {
        withLab { lab in
            let h = lab.connectedSocket()
            #expect(lab.call(.send(h, bytes: 500, overlapped: false)).result == count(500))
            lab.waitUntil { state, _ in state.peer(s1)?.received == 500 }
            lab.call(.setLinger(h, onoff: 1, seconds: 0))
            #expect(lab.call(.close(h)).result == ok)
            lab.waitUntil { state, _ in state.peer(s1)?.hasReceivedReset == true }
            #expect(lab.snapshot.peer(s1)?.nextReceive == .error(.connectionReset))
            #expect(lab.peerActs(s1, .read(nil))
                    == "peer of s1: read 500 bytes, then its receive failed with WSAECONNRESET (ECONNRESET)")
            // The socket is released, so only the read itself can say the bytes are gone.
            let peer = lab.snapshot.peer(s1)
            #expect(peer?.read == 500)
            #expect(peer?.received == 500)
            #expect(peer?.nextReceive == .endOfStream)
            #expect(lab.peerActs(s1, .read(nil)) == "peer of s1: read 0 bytes (end of stream: our FIN arrived)")
        }
    }

    /// Our own socket reports the peer's reset the same way: a receive first takes the bytes already
    /// there and stops before the error (as one recv(2) does: the lab's follow-up reads must not
    /// consume it), the next one reports WSAECONNRESET (ECONNRESET), and later ones return 0; a
    /// send then fails with EPIPE (WSAECONNABORTED).
    @Test func ourSocketReportsThePeersResetOnceAfterItsBytes() {
        withLab { lab in
            let h = lab.connectedSocket()
            lab.peerActs(s1, .send(10))
            lab.waitUntil { state, _ in state.handle(h)?.receiveQueue == 10 }
            lab.peerActs(s1, .reset)
            lab.waitUntil { state, _ in state.socket(s1)?.state == .closed }
            #expect(lab.call(.recv(h, bytes: 100, overlapped: false)).result == count(10))
            let reset = lab.call(.recv(h, bytes: 100, overlapped: false))
            #expect(reset.result == fails(.connectionReset))
            #expect(reset.hostError == "ECONNRESET")
            #expect(lab.call(.recv(h, bytes: 100, overlapped: false)).result == count(0))
            let send = lab.call(.send(h, bytes: 10, overlapped: false))
            #expect(send.result == fails(.connectionAborted))
            #expect(send.hostError == "EPIPE")
        }
    }
}
