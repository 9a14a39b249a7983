@preconcurrency import Glibc

/// The kernel's table of TCP sockets (/proc/net/tcp), read to follow a socket the lab no longer
/// has a descriptor for: an orphan finishing its close (R9) in the background, or one a blocked
/// call still holds. Found by its 4-tuple; gone from the table means the kernel released it.
struct ProcNetTCP {
    /// One row: addresses as the file writes them (the IPv4 address as a host-order number of
    /// its network-order bytes: 127.0.0.1 reads 0100007F), the state in the kernel's numbering,
    /// and the queues (tx: written and not acknowledged; rx: arrived and not read).
    struct Entry: Hashable, Sendable {
        var localAddress: UInt32
        var localPort: UInt16
        var remoteAddress: UInt32
        var remotePort: UInt16
        var state: Int
        var sendQueue: Int
        var receiveQueue: Int
    }

    var entries: [Entry]

    /// 127.0.0.1 as /proc/net/tcp spells it.
    static let loopback: UInt32 = 0x0100_007F

    /// Reads the table now; an unreadable file reads as empty (then orphans read as released).
    static func read(path: String = "/proc/net/tcp") -> ProcNetTCP {
        ProcNetTCP(entries: parse(readFile(path)))
    }

    /// The row of the connection from 127.0.0.1:local to 127.0.0.1:remote, if the kernel still has it.
    func entry(localPort: UInt16, remotePort: UInt16) -> Entry? {
        entries.first {
            $0.localPort == localPort && $0.remotePort == remotePort
                && $0.localAddress == ProcNetTCP.loopback && $0.remoteAddress == ProcNetTCP.loopback
        }
    }

    /// Parses the file's lines: `sl local rem st tx:rx …`, every number in hex.
    static func parse(_ bytes: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var lineStart = 0
        var isHeader = true
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            defer { lineStart = index + 1 }
            if isHeader { isHeader = false; continue }
            let fields = bytes[lineStart..<index].split(separator: UInt8(ascii: " "))
            guard fields.count >= 5 else { continue }
            let local = fields[1].split(separator: UInt8(ascii: ":"))
            let remote = fields[2].split(separator: UInt8(ascii: ":"))
            let queues = fields[4].split(separator: UInt8(ascii: ":"))
            guard local.count == 2, remote.count == 2, queues.count == 2,
                  let localAddress = hex(local[0]), let localPort = hex(local[1]),
                  let remoteAddress = hex(remote[0]), let remotePort = hex(remote[1]),
                  let state = hex(fields[3]), let tx = hex(queues[0]), let rx = hex(queues[1]) else { continue }
            entries.append(Entry(localAddress: UInt32(truncatingIfNeeded: localAddress),
                                 localPort: UInt16(truncatingIfNeeded: localPort),
                                 remoteAddress: UInt32(truncatingIfNeeded: remoteAddress),
                                 remotePort: UInt16(truncatingIfNeeded: remotePort),
                                 state: Int(state), sendQueue: Int(tx), receiveQueue: Int(rx)))
        }
        return entries
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    private static func readFile(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { Kernel.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}
