@preconcurrency import Glibc
import WinsockModel

/// Everything the lab reads back about one socket through one descriptor, at one instant: taken in
/// the process that holds the descriptor (the lab itself, or a helper, which sends it back), so a
/// socket's row reads the same wherever its descriptors live. Nil: the kernel did not answer.
struct SocketSample: Hashable, Sendable {
    /// TCP_INFO's tcpi_state (nil for a datagram socket's answer too: it has none that matters).
    var tcpState: KernelTCPState?
    var sendQueue: Int?
    var receiveQueue: Int?
    var linger: Linger?
    var isNonblocking: Bool?
    /// What poll reports at once for POLLRDHUP: the peer's FIN (or our SHUT_RD), POLLERR a reset.
    var revents: Int16 = 0

    /// Reads the socket behind `fd` now, never blocking and consuming nothing (no pending error,
    /// no data).
    static func take(_ fd: Int32) -> SocketSample {
        let linger: Linger? = switch Kernel.linger(fd) {
        case .success(let value): value
        case .failure: nil
        }
        return SocketSample(tcpState: Kernel.tcpState(fd), sendQueue: Kernel.sendQueue(fd),
                            receiveQueue: Kernel.receiveQueue(fd), linger: linger,
                            isNonblocking: Kernel.isNonblocking(fd),
                            revents: Kernel.pollNow(fd, Kernel.pollReadHangUp))
    }

    // MARK: On the wire (HelperProtocol): seven integers, -1 for nil

    static let wordCount = 7

    var words: [Int64] {
        [Int64(tcpState?.rawValue ?? -1), Int64(sendQueue ?? -1), Int64(receiveQueue ?? -1),
         Int64(linger?.onoff ?? -1), Int64(linger?.seconds ?? -1),
         isNonblocking.map { $0 ? 1 : 0 } ?? -1, Int64(revents)]
    }

    init(tcpState: KernelTCPState?, sendQueue: Int?, receiveQueue: Int?, linger: Linger?, isNonblocking: Bool?,
         revents: Int16) {
        self.tcpState = tcpState; self.sendQueue = sendQueue; self.receiveQueue = receiveQueue
        self.linger = linger; self.isNonblocking = isNonblocking; self.revents = revents
    }

    init?(words w: ArraySlice<Int64>) {
        guard w.count == SocketSample.wordCount else { return nil }
        let v = Array(w)
        func number(_ x: Int64) -> Int? { x < 0 ? nil : Int(x) }
        tcpState = number(v[0]).flatMap(KernelTCPState.init(rawValue:))
        sendQueue = number(v[1])
        receiveQueue = number(v[2])
        linger = v[3] < 0 ? nil : Linger(onoff: Int(v[3]), seconds: Int(v[4]))
        isNonblocking = v[5] < 0 ? nil : v[5] == 1
        revents = Int16(truncatingIfNeeded: v[6])
    }
}
