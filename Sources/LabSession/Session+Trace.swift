import LabRendering
import LabScript
import WinsockModel

/// `trace [sN] [--pcap FILE]`: what crossed the wire.
extension Session {
    mutating func trace(_ socket: SocketID?, pcap file: String?, _ c: LocatedCommand, into reply: inout Reply) {
        if let s = socket, world.socket(s) == nil {
            refuse("trace: there is no socket \(s)", c, into: &reply)
            return
        }
        let records = socket.map { s in world.wire.filter { $0.socket == s } } ?? Array(world.wire)
        guard let file else {
            publishAnswer(c, Prose(verbatim: traceLadder(records, socket: socket, width: min(80, max(60, display.width)))), into: &reply)
            return
        }
        switch environment.writeFile(file, pcapCapture(records)) {
        case .failure(let reason):
            refuse("trace: cannot write \(quotedPath(file)): \(reason.text)", c, into: &reply)
        case .success:
            publishQuiet(c, "wrote \(records.count) wire record\(records.count == 1 ? "" : "s") as a pcap capture to \(quotedPath(file)) (open it with Wireshark or `tshark -r \(quotedPath(file))`)", into: &reply)
        }
    }
}
