// The system calls the linux backend makes, each wrapped once so the rest of the module reads
// as lab logic: a result carries its errno; nothing here knows about handles or Winsock.

@preconcurrency import Glibc
import CLinuxTCP
import WinsockModel

/// One system call's answer: its value, or the errno it failed with, captured at once (errno is
/// per thread and the next call overwrites it). `extra` carries a second value some calls have
/// (the local port after connect, l_linger after a getsockopt, the bytes an overlapped send
/// queued). `isPending`: an overlapped call's first attempt could not finish; `value` is then the
/// private duplicate of the descriptor its operation holds (Jobs.startSend, Jobs.startReceive).
struct SystemResult: Hashable, Sendable {
    var value: Int
    var errno: Int32
    var extra = 0
    var isPending = false

    var isSuccess: Bool { errno == 0 }

    static func success(_ value: Int, extra: Int = 0) -> SystemResult {
        SystemResult(value: value, errno: 0, extra: extra)
    }
    static func failure(_ code: Int32) -> SystemResult { SystemResult(value: -1, errno: code) }

    /// The result of a call that just returned `rc` (negative: failed, errno tells why).
    static func of(_ rc: Int) -> SystemResult { rc < 0 ? .failure(Glibc.errno) : .success(rc) }
    static func of(_ rc: Int32) -> SystemResult { of(Int(rc)) }
}

/// CLOCK_MONOTONIC, in nanoseconds: the backend's only clock (never the wall clock, which jumps).
enum MonotonicClock {
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    static func time(at nanoseconds: Int64) -> timespec {
        timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}

/// The kernel's TCP states (include/net/tcp_states.h), as TCP_INFO's tcpi_state and the `st`
/// column of /proc/net/tcp number them.
enum KernelTCPState: Int, Sendable {
    case established = 1, synSent, synReceived, finWait1, finWait2, timeWait, close, closeWait, lastAck
    case listen, closing, newSynReceived

    /// The lab's column for it. The lab has no SYN states: a connection still in its handshake is
    /// not connected yet, so it reads CREATED (honest, where ESTABLISHED would claim too much).
    /// The kernel's CLOSE is CREATED for a socket that never connected (the kernel does not tell
    /// them apart) and CLOSED after a connection. LISTEN cannot happen: the lab never listens on
    /// a socket it hands out.
    func labState(hasConnected: Bool) -> TCPState {
        switch self {
        case .established: .established
        case .synSent, .synReceived, .newSynReceived, .listen: .created
        case .finWait1: .finWait1
        case .finWait2: .finWait2
        case .timeWait: .timeWait
        case .close: hasConnected ? .closed : .created
        case .closeWait: .closeWait
        case .lastAck: .lastAck
        case .closing: .closing
        }
    }

    /// States only reachable after the peer's FIN arrived.
    var impliesPeerFin: Bool {
        switch self {
        case .closeWait, .lastAck, .closing, .timeWait: true
        case .established, .synSent, .synReceived, .newSynReceived, .listen, .finWait1, .finWait2, .close: false
        }
    }
}

/// Thin wrappers over the socket calls the lab's bookkeeping makes on the session's thread
/// (reading state back); the provider calls themselves run on worker threads (Jobs.swift).
enum Kernel {
    /// The errno's symbolic name (`EBADF`), as `Outcome.hostError` shows it.
    static func errnoName(_ code: Int32) -> String {
        guard let name = closelab_errno_name(code) else { return "errno \(code)" }
        return String(cString: name)
    }

    /// The errno's text (`Bad file descriptor`), for refusals that name it.
    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    static let streamType = Int32(SOCK_STREAM.rawValue) | closelab_sock_cloexec
    static let datagramType = Int32(SOCK_DGRAM.rawValue) | closelab_sock_cloexec
    static let nonblockingType = closelab_sock_nonblock
    static let noSignal = Int32(MSG_NOSIGNAL)
    static let dontWait = Int32(MSG_DONTWAIT)

    /// 127.0.0.1:port: the only address the lab binds or connects to.
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return address
    }

    static func bind(_ fd: Int32, to address: sockaddr_in) -> SystemResult {
        var address = address
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                SystemResult.of(Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)))
            }
        }
    }

    static func connect(_ fd: Int32, to address: sockaddr_in) -> SystemResult {
        var address = address
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                SystemResult.of(Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)))
            }
        }
    }

    /// The port of the socket's own address (getsockname), or nil.
    static func localPort(_ fd: Int32) -> UInt16? { port(fd, peer: false) }
    /// The port of the address it is connected to (getpeername), or nil.
    static func remotePort(_ fd: Int32) -> UInt16? { port(fd, peer: true) }

    private static func port(_ fd: Int32, peer: Bool) -> UInt16? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        return rc == 0 ? UInt16(bigEndian: address.sin_port) : nil
    }

    static func tcpState(_ fd: Int32) -> KernelTCPState? {
        KernelTCPState(rawValue: Int(closelab_tcp_state(fd)))
    }

    /// SIOCOUTQ: queued and not yet acknowledged by the other end (R13's "not yet delivered").
    static func sendQueue(_ fd: Int32) -> Int? { query(fd, closelab_send_queue) }
    /// SIOCINQ: arrived and not yet read (R51).
    static func receiveQueue(_ fd: Int32) -> Int? { query(fd, closelab_receive_queue) }

    private static func query(_ fd: Int32, _ call: (Int32, UnsafeMutablePointer<Int32>) -> Int32) -> Int? {
        var bytes: Int32 = 0
        return call(fd, &bytes) == 0 ? Int(bytes) : nil
    }

    static func isNonblocking(_ fd: Int32) -> Bool? {
        switch closelab_is_nonblocking(fd) {
        case 1: true
        case 0: false
        default: nil
        }
    }

    static func setNonblocking(_ fd: Int32, _ on: Bool) -> SystemResult {
        .of(closelab_set_nonblocking(fd, on ? 1 : 0))
    }

    /// getsockopt(SO_LINGER): l_onoff is the kernel's SOCK_LINGER flag, l_linger its kept
    /// seconds (Linux keeps them while l_onoff is 0, which SO_DONTLINGER relies on).
    static func linger(_ fd: Int32) -> Result<Linger, SystemError> {
        var value = Glibc.linger()
        var length = socklen_t(MemoryLayout<Glibc.linger>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_LINGER, &value, &length) == 0 else { return .failure(SystemError(errno)) }
        return .success(Linger(onoff: Int(value.l_onoff), seconds: Int(value.l_linger)))
    }

    static func setLinger(_ fd: Int32, onoff: Int, seconds: Int) -> SystemResult {
        var value = Glibc.linger(l_onoff: Int32(clamping: onoff), l_linger: Int32(clamping: seconds))
        return .of(setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<Glibc.linger>.size)))
    }

    static func intOption(_ fd: Int32, _ name: Int32, level: Int32 = SOL_SOCKET) -> Result<Int, SystemError> {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, level, name, &value, &length) == 0 else { return .failure(SystemError(errno)) }
        return .success(Int(value))
    }

    static func setIntOption(_ fd: Int32, _ name: Int32, _ value: Int, level: Int32 = SOL_SOCKET) -> SystemResult {
        var value = Int32(clamping: value)
        return .of(setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)))
    }

    /// What poll reports for `fd` right now (timeout 0): never blocks, never consumes anything.
    static func pollNow(_ fd: Int32, _ events: Int16) -> Int16 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, 0) == 1 ? entry.revents : 0
    }

    /// Closes a descriptor the lab owns. Linux releases the number even when close reports
    /// EINTR, so the call is never repeated (a repeat could close a number reused meanwhile).
    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// The inode of the socket behind `fd` (what /proc/self/fd shows as `socket:[inode]`).
    static func inode(_ fd: Int32) -> UInt64? {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    static let pollIn = Int16(POLLIN)
    static let pollOut = Int16(POLLOUT)
    static let pollError = Int16(POLLERR)
    static let pollHangUp = Int16(POLLHUP)
    static let pollReadHangUp = closelab_pollrdhup
}

/// An errno from a call the lab's bookkeeping made (not a provider call's result).
struct SystemError: Error, Hashable, Sendable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

/// Zeros for every send: `send hN n` sends n zero bytes, in chunks of this size.
let sendChunk = 65_536
nonisolated(unsafe) let zeroBytes: UnsafeMutableRawPointer = calloc(sendChunk, 1)!
