/// WSPDuplicateSocket (R4): a protocol-info block for another process; the count rises only when
/// that process uses it (`socketFromProtocolInfo`, in World+Socket.swift).
extension World {
    mutating func duplicate(_ h: HandleID, for target: ProcessID) -> CallResult {
        guard let proc = process(target), proc.isAlive else {
            note(.r4, "\(target) is not a live process, so WSPDuplicateSocket fails with WSAEINVAL.")
            return .failure(.invalidArgument)
        }
        let s = socketID(of: h)
        let pi = ProtocolInfoID(rawValue: protocolInfos.count + 1)
        protocolInfos.append(ProtocolInfo(id: pi, socket: s, source: h, target: target))
        let count = sockets[live: s.index].refcount
        note(.r4, "WSPDuplicateSocket only makes the block \(pi) for \(target); the count of \(s) stays \(count) until \(target) uses it with `socket from \(pi)`.")
        return .value(.protocolInfo(pi))
    }
}
