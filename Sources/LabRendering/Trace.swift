import WinsockModel

/// `trace`: a ladder (sequence) diagram of what crossed the wire, against virtual time.
///
/// Two lifelines, `us` on the left and `peer` on the right; one arrow per wire record, pointing
/// the way it travelled, with its send time at the left and, when it differs, its arrival time
/// at the right (`(in flight)` while it has not arrived). Records are sorted by send time,
/// stably (a data stretch is logged when it ends, so the log itself is not in time order).
///
/// ```
/// s1     us                                        peer
///    0ms  |---------- SYN, SYN-ACK, ACK ---------->|
///    0ms  |--------------- data 4000 ------------->|  4ms
///    4ms  |------------------ FIN ---------------->|
///    4ms  |<----------------- ACK -----------------|
/// ```
///
/// With `socket` nil every socket that has records gets a ladder, in socket order, each headed
/// by its name and separated by a blank line. All ladders share one layout, so their columns
/// line up. Pure ASCII; no line is wider than `width` unless the times and labels alone need
/// more (at 60 columns, times of up to 10^6 ms with a fraction of a ms still fit).
/// The result has no trailing newline.
public func traceLadder(_ records: [WireRecord], socket: SocketID?, width: Int = 80) -> String {
    let chosen = records.enumerated()
        .filter { socket == nil || $0.element.socket == socket }
        .sorted { ($0.element.sent, $0.offset) < ($1.element.sent, $1.offset) }
        .map(\.element)
    guard !chosen.isEmpty else {
        if let s = socket { return "nothing has crossed the wire yet for \(s)" }
        return "nothing has crossed the wire yet"
    }

    let rows = chosen.map(LadderRow.init)
    let layout = LadderLayout(rows: rows, sockets: chosen.map(\.socket), width: width)
    var sockets: [SocketID] = []
    for r in chosen where !sockets.contains(r.socket) { sockets.append(r.socket) }
    sockets.sort()

    var lines: [String] = []
    for (n, s) in sockets.enumerated() {
        if n > 0 { lines.append("") }
        lines.append(layout.header(for: s))
        for (record, row) in zip(chosen, rows) where record.socket == s {
            lines.append(layout.line(row))
        }
    }
    return lines.joined(separator: "\n")
}

/// One arrow of the ladder, before layout.
private struct LadderRow {
    var label: String
    var isToPeer: Bool
    var sentText: String
    /// What is printed right of the peer's lifeline: the arrival time when it differs from the
    /// send time, `(in flight)` before it arrives, else nothing.
    var note: String

    init(_ r: WireRecord) {
        switch r.kind {
        case .handshake: label = "SYN, SYN-ACK, ACK"
        case .data(let n): label = "data \(n)"
        case .fin: label = "FIN"
        case .rst: label = "RST"
        case .ack: label = "ACK"
        }
        isToPeer = r.direction == .toPeer
        sentText = r.sent.millisecondText
        switch r.arrived {
        case nil: note = "(in flight)"
        case let a? where a != r.sent: note = a.millisecondText
        case _?: note = ""
        }
    }
}

/// Column widths shared by every ladder of one trace.
private struct LadderLayout {
    /// Width of the send-time column (right-aligned).
    var timeWidth: Int
    /// Width of the arrow, both lifelines included.
    var arrowWidth: Int

    static let gap = "  "
    static let preferredArrow = 44

    init(rows: [LadderRow], sockets: [SocketID], width: Int) {
        let longestName = sockets.map { $0.description.count }.max() ?? 0
        timeWidth = max(5, longestName, rows.map(\.sentText.count).max() ?? 0)
        let longestNote = rows.map(\.note.count).max() ?? 0
        let noteWidth = longestNote == 0 ? 0 : LadderLayout.gap.count + longestNote
        let longestLabel = rows.map(\.label.count).max() ?? 0
        // Room for "|- label ->|" at the least; otherwise as wide as fits, up to a tidy size.
        let least = longestLabel + 7
        let fits = width - timeWidth - LadderLayout.gap.count - noteWidth
        arrowWidth = max(least, min(LadderLayout.preferredArrow, fits))
    }

    /// `s1     us          peer`: the socket's name, then each side's name over its lifeline.
    func header(for s: SocketID) -> String {
        let name = s.description
        let lead = name + String(repeating: " ", count: timeWidth + LadderLayout.gap.count - name.count)
        let middle = String(repeating: " ", count: max(1, arrowWidth - "us".count - "peer".count))
        return lead + "us" + middle + "peer"
    }

    func line(_ row: LadderRow) -> String {
        let time = String(repeating: " ", count: timeWidth - row.sentText.count) + row.sentText
        var text = time + LadderLayout.gap + arrow(row)
        if !row.note.isEmpty { text += LadderLayout.gap + row.note }
        return text
    }

    /// `|----- label ---->|` or `|<---- label -----|`, exactly `arrowWidth` wide.
    func arrow(_ row: LadderRow) -> String {
        let shaft = arrowWidth - 3 // two lifelines and one head
        let label = " \(row.label) "
        let left = max(1, (shaft - label.count) / 2)
        let right = max(1, shaft - label.count - left)
        let body = String(repeating: "-", count: left) + label + String(repeating: "-", count: right)
        return row.isToPeer ? "|" + body + ">|" : "|<" + body + "|"
    }
}
