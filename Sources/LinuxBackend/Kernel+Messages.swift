// Messages on unix sockets, with at most one descriptor each (SCM_RIGHTS): how the lab talks to
// its helper processes (HelperProtocol) and how a duplicated descriptor travels to another
// process (the protocol-info block's mailbox). Each message is a packet of 64-bit integers on a
// SOCK_SEQPACKET socket pair, so boundaries hold and a closed end reads as the end of the stream.

@preconcurrency import Glibc
import CLinuxTCP

extension Kernel {
    /// One message: integers, and the descriptor it carried, if any (now the receiver's).
    struct Message: Hashable, Sendable {
        var words: [Int64]
        var descriptor: Int32? = nil
    }

    /// What a receive found: a message, or the other end closed (a message is never empty).
    enum Reception: Hashable, Sendable {
        case message(Message)
        case endOfStream
    }

    /// Room for one message of up to `words` integers and one descriptor. Not shared between
    /// threads.
    final class MessageBuffer {
        let capacity: Int
        let data: UnsafeMutableRawPointer
        let controlSize = closelab_cmsg_space(MemoryLayout<Int32>.size)
        let control: UnsafeMutableRawPointer

        init(words: Int) {
            capacity = words * MemoryLayout<Int64>.size
            data = .allocate(byteCount: capacity, alignment: 8)
            control = .allocate(byteCount: controlSize, alignment: 8)
        }

        deinit {
            data.deallocate()
            control.deallocate()
        }
    }

    /// A connected pair of SOCK_SEQPACKET unix sockets, both close-on-exec.
    static func socketPair() -> (Int32, Int32)? {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | closelab_sock_cloexec
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return nil }
        return (ends[0], ends[1])
    }

    /// Sends `words` (at least one: an empty packet would read as the end of the stream) and, when
    /// given, `descriptor` with SCM_RIGHTS: from this moment the message holds a reference to its
    /// open file, whatever the sender closes (J). Never raises SIGPIPE.
    static func sendMessage(_ fd: Int32, _ words: [Int64], descriptor: Int32? = nil) -> SystemResult {
        precondition(!words.isEmpty, "a message carries at least one integer")
        var words = words
        let controlSize = closelab_cmsg_space(MemoryLayout<Int32>.size)
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: 8)
        defer { control.deallocate() }
        return words.withUnsafeMutableBytes { bytes in
            var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var header = msghdr()
                header.msg_iov = vectorPointer
                header.msg_iovlen = 1
                if let descriptor {
                    memset(control, 0, controlSize)
                    header.msg_control = control
                    header.msg_controllen = controlSize
                    guard let entry = closelab_cmsg_firsthdr(&header) else { return .failure(EINVAL) }
                    entry.pointee.cmsg_level = SOL_SOCKET
                    entry.pointee.cmsg_type = Int32(SCM_RIGHTS)
                    entry.pointee.cmsg_len = closelab_cmsg_len(MemoryLayout<Int32>.size)
                    UnsafeMutableRawPointer(closelab_cmsg_data(entry)).storeBytes(of: descriptor, as: Int32.self)
                }
                var rc: Int
                repeat { rc = sendmsg(fd, &header, Kernel.noSignal) } while rc < 0 && errno == EINTR
                return .of(rc)
            }
        }
    }

    /// Receives one message (waiting for it when `waiting`, else EAGAIN when there is none). A
    /// descriptor it carries is installed close-on-exec and becomes the caller's to close; a
    /// message too large for `buffer` fails with EMSGSIZE (its descriptor closed).
    static func receiveMessage(_ fd: Int32, into buffer: MessageBuffer, waiting: Bool) -> Result<Reception, SystemError> {
        var vector = iovec(iov_base: buffer.data, iov_len: buffer.capacity)
        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
            var header = msghdr()
            header.msg_iov = vectorPointer
            header.msg_iovlen = 1
            header.msg_control = buffer.control
            header.msg_controllen = buffer.controlSize
            let flags = Int32(MSG_CMSG_CLOEXEC) | (waiting ? 0 : Kernel.dontWait)
            var rc: Int
            repeat { rc = recvmsg(fd, &header, flags) } while rc < 0 && errno == EINTR
            guard rc >= 0 else { return .failure(SystemError(errno)) }
            var descriptors: [Int32] = []
            var entry = closelab_cmsg_firsthdr(&header)
            while let current = entry {
                if current.pointee.cmsg_level == SOL_SOCKET && current.pointee.cmsg_type == Int32(SCM_RIGHTS) {
                    let count = (current.pointee.cmsg_len - closelab_cmsg_len(0)) / MemoryLayout<Int32>.size
                    guard let data = UnsafeRawPointer(closelab_cmsg_data(current)) else { break }
                    for i in 0..<count {
                        descriptors.append(data.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
                    }
                }
                entry = closelab_cmsg_nxthdr(&header, current)
            }
            // One descriptor per message at most: any other is not the lab's, and is closed.
            for extra in descriptors.dropFirst() { Kernel.close(extra) }
            if header.msg_flags & Int32(MSG_TRUNC) != 0 {
                if let first = descriptors.first { Kernel.close(first) }
                return .failure(SystemError(EMSGSIZE))
            }
            if rc == 0 && descriptors.isEmpty { return .success(.endOfStream) }
            let count = rc / MemoryLayout<Int64>.size
            let words = (0..<count).map { buffer.data.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
            return .success(.message(Message(words: words, descriptor: descriptors.first)))
        }
    }
}
