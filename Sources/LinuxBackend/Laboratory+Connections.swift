// The other ends the lab owns, always in its own process (P1): one listener on 127.0.0.1 whose
// accepted sockets are the peers, and one UDP socket a datagram socket's `connect` targets. The lab
// binds nothing else and never connects anywhere but these.

@preconcurrency import Glibc
import CLinuxTCP
import WinsockModel

extension Laboratory {
    /// The listener's port, made on first use (nonblocking; `set window` is its SO_RCVBUF, which
    /// the sockets it accepts inherit, so it must be set before the handshake).
    func ensureListener() throws(Refusal) -> UInt16 {
        if listener != nil { return listenerPort }
        let fd = try helperSocket(Kernel.streamType, purpose: "listener")
        if let window { _ = Kernel.setIntOption(fd, SO_RCVBUF, window) }
        guard Kernel.bind(fd, to: Kernel.loopback(port: 0)).isSuccess, Glibc.listen(fd, 64) == 0,
              let port = Kernel.localPort(fd) else {
            let code = errno
            Kernel.close(fd)
            throw Refusal("the lab could not listen on 127.0.0.1 (\(Kernel.errnoName(code)))")
        }
        listener = fd
        listenerPort = port
        return port
    }

    /// The datagram sink's port, made on first use. What is sent to it stays in its receive
    /// buffer (the kernel drops what does not fit); nobody reads it.
    func ensureDatagramSink() throws(Refusal) -> UInt16 {
        if datagramSink != nil { return datagramSinkPort }
        let fd = try helperSocket(Kernel.datagramType, purpose: "datagram sink")
        guard Kernel.bind(fd, to: Kernel.loopback(port: 0)).isSuccess, let port = Kernel.localPort(fd) else {
            let code = errno
            Kernel.close(fd)
            throw Refusal("the lab could not bind its datagram sink on 127.0.0.1 (\(Kernel.errnoName(code)))")
        }
        datagramSink = fd
        datagramSinkPort = port
        return port
    }

    private func helperSocket(_ type: Int32, purpose: String) throws(Refusal) -> Int32 {
        let fd = Glibc.socket(AF_INET, type | Kernel.nonblockingType, 0)
        guard fd >= 0 else {
            throw Refusal("the lab could not make its \(purpose) (\(Kernel.errnoName(errno)))")
        }
        return fd
    }

    /// After connect (or a nonblocking connect's EINPROGRESS): the socket's 4-tuple, and for a
    /// stream its peer, the connection the listener accepts. A second connect changes nothing.
    func recordConnect(_ s: SocketID, localPort: UInt16) {
        touch(s)
        let first = !sockets[s.index].hasConnected
        sockets[s.index].hasConnected = true
        guard sockets[s.index].type == .stream, first, localPort != 0 else { return }
        sockets[s.index].localPort = localPort
        guard let fd = acceptPeer(port: localPort) else { return }
        var peer = PeerRecord(fd: fd)
        if case .success(let size) = Kernel.intOption(fd, SO_RCVBUF) { peer.window = size }
        sockets[s.index].peer = peer
    }

    /// Accepts until the connection from 127.0.0.1:port arrives (up to a second: a handshake on
    /// loopback takes microseconds); others are kept for the sockets that made them.
    private func acceptPeer(port: UInt16) -> Int32? {
        if let i = unclaimedPeers.firstIndex(where: { $0.port == port }) {
            return unclaimedPeers.remove(at: i).fd
        }
        guard let listener else { return nil }
        let deadline = MonotonicClock.now() + 1_000_000_000
        while MonotonicClock.now() < deadline {
            let fd = closelab_accept(listener)
            if fd >= 0 {
                let remote = Kernel.remotePort(fd) ?? 0
                if remote == port { return fd }
                unclaimedPeers.append((remote, fd))
                continue
            }
            guard errno == EAGAIN || errno == EINTR || errno == ECONNABORTED else { return nil }
            var entry = pollfd(fd: listener, events: Kernel.pollIn, revents: 0)
            _ = poll(&entry, 1, 10)
        }
        return nil
    }

    /// A sample of `s` through a descriptor of process `p`: taken here for P1, asked of the
    /// helper otherwise (nil if it died meanwhile, which is then reported).
    func sample(_ s: SocketID, through location: (process: ProcessID, fd: Int32)) -> SocketSample? {
        guard let helper = processes[location.process.index].helper else { return SocketSample.take(location.fd) }
        guard let got = helper.sample([location.fd]) else {
            noteEndedHelpers()
            return nil
        }
        return got.samples.first
    }

    /// A socket's columns from a sample, kept for when no descriptor is left (R3: options and
    /// mode are the socket's, whichever descriptor asks).
    func refreshReading(_ s: SocketID, from sample: SocketSample) {
        var reading = sockets[s.index].reading
        let record = sockets[s.index]
        switch record.type {
        case .stream:
            if let state = sample.tcpState { reading.state = state.labState(hasConnected: record.hasConnected) }
        case .dgram:
            reading.state = .created   // R47: datagram sockets stay CREATED
        }
        reading.sendQueue = sample.sendQueue ?? reading.sendQueue
        reading.receiveQueue = sample.receiveQueue ?? reading.receiveQueue
        reading.linger = sample.linger ?? reading.linger
        reading.isNonblocking = sample.isNonblocking ?? reading.isNonblocking
        sockets[s.index].reading = reading
    }
}
