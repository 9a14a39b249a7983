import WinsockModel

/// `trace`: a ladder (sequence) diagram of what crossed the wire, against virtual time.
///
/// Two lifelines, `us` on the left and `peer` on the right; one arrow per wire record, pointing
/// the way it travelled. Each side shows the time the arrow was there: an arrow of ours leaves at
/// the left time and arrives at the right one; an arrow of the peer's leaves at the right time and
/// arrives at the left one (`(in flight)` on the side it has not reached yet). When it arrived at
/// the instant it left, the one time is at the left. Records are sorted by send time, stably (a
/// data stretch is logged when it ends, so the log itself is not in time order).
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
public func traceLadder(_ records: some Collection<WireRecord>, socket: SocketID?, width: Int = 80) -> String {
    let records = Array(records)   // the world's log is chunked; the ladder indexes an array
    let order = ladderOrder(records, socket: socket)
    guard !order.isEmpty else {
        if let s = socket { return "nothing has crossed the wire yet for \(s)" }
        return "nothing has crossed the wire yet"
    }
    let rows = order.map { LadderRow(records[$0]) }
    let layout = LadderLayout(rows: rows, width: width)
    // Built as bytes in one buffer: a trace of a long session has some 100,000 lines, and a
    // String per piece of each line costs more than everything else here together.
    var text = LadderText(layout: layout, capacity: rows.count * (layout.lineWidth + 1))
    var current: SocketID? = nil
    for row in rows {
        if row.socket != current {
            if current != nil { text.newline(); text.newline() } // a blank line between ladders
            text.header(for: row.socket)
            current = row.socket
        }
        text.newline()
        text.line(row)
    }
    return text.string
}

/// The positions of the records to draw, by socket, then by send time, then by position in the
/// log (a stable sort by send time within each socket's ladder).
///
/// The log is often in that order already (a long session mostly finishes one connection before
/// the next), so one pass checks, and the sort runs only when something is out of place.
private func ladderOrder(_ records: [WireRecord], socket: SocketID?) -> [Int] {
    var keys: [LadderKey] = []
    keys.reserveCapacity(records.count)
    for (i, r) in records.enumerated() where socket == nil || r.socket == socket {
        keys.append(LadderKey(socket: r.socket.rawValue, sent: r.sent.nanoseconds, position: i))
    }
    if !keys.isSortedAscending { keys.sort() }
    return keys.map(\.position)
}

/// Where a record goes in the ladders; unique, as no two records share a position.
private struct LadderKey: Comparable {
    var socket: Int
    var sent: Int64
    var position: Int

    static func < (a: LadderKey, b: LadderKey) -> Bool {
        (a.socket, a.sent, a.position) < (b.socket, b.sent, b.position)
    }
}

extension Array where Element: Comparable {
    /// Whether no element is smaller than the one before it: one pass, to skip a sort of a long
    /// array that is in order already (the ladder's and the capture's records).
    var isSortedAscending: Bool {
        guard count > 1 else { return true }
        for i in 1..<count where self[i] < self[i - 1] { return false }
        return true
    }
}

/// One arrow of the ladder, before layout.
private struct LadderRow {
    var socket: SocketID
    var label: LadderLabel
    var isToPeer: Bool
    /// The time at our lifeline: when ours left, when the peer's arrived (or `(in flight)`).
    var sentText: LadderTime
    /// What is printed right of the peer's lifeline: the time at the peer when it differs from the
    /// time at us, `(in flight)` before an arrow of ours arrives, else nothing (nil).
    var note: LadderTime?

    init(_ r: WireRecord) {
        socket = r.socket
        switch r.kind {
        case .handshake: label = .handshake
        case .data(let n): label = .data(n)
        case .fin: label = .fin
        case .rst: label = .rst
        case .ack: label = .ack
        }
        isToPeer = r.direction == .toPeer
        let sent = LadderTime.at(r.sent)
        let arrived = r.arrived.map(LadderTime.at) ?? .inFlight
        if r.arrived == r.sent {
            sentText = sent
            note = nil
        } else if isToPeer {
            sentText = sent
            note = arrived
        } else {
            sentText = arrived
            note = sent
        }
    }
}

/// The words on an arrow: `SYN, SYN-ACK, ACK`, `data 4000`, `FIN`, `RST`, `ACK`.
private enum LadderLabel {
    case handshake, data(Int), fin, rst, ack

    /// Its length in columns (ASCII), without making the text.
    var width: Int {
        switch self {
        case .handshake: 17
        case .data(let n): 5 + decimalWidth(Int64(n))
        case .fin, .rst, .ack: 3
        }
    }
}

/// A time printed in the ladder: an instant as `Instant.millisecondText` spells it (`2000ms`,
/// `12.5ms`), or `(in flight)`.
private enum LadderTime {
    case at(Instant)
    case inFlight

    static let inFlightText: StaticString = "(in flight)"

    /// Its length in columns, without making the text.
    var width: Int {
        switch self {
        case .inFlight:
            return LadderTime.inFlightText.utf8CodeUnitCount
        case .at(let t):
            guard t.nanoseconds >= 0 else { return t.millisecondText.utf8.count }
            let (whole, fraction) = t.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
            let fractionWidth = fraction == 0 ? 0 : 1 + significantMicroDigits(fraction).count
            return decimalWidth(whole) + fractionWidth + 2
        }
    }
}

/// A fraction of a millisecond (1 to 999,999 ns) as `millisecondText` prints it after the point:
/// six digits without their trailing zeros, as a number (`value`) and how many digits (`count`).
private func significantMicroDigits(_ nanoseconds: Int64) -> (value: Int64, count: Int) {
    var value = nanoseconds, count = 6
    while value % 10 == 0 { value /= 10; count -= 1 }
    return (value, count)
}

/// How many characters `String(v)` has.
private func decimalWidth(_ v: Int64) -> Int {
    (v < 0 ? 1 : 0) + digitCount(v.magnitude)
}

/// How many decimal digits `n` has (1 for zero).
private func digitCount(_ n: UInt64) -> Int {
    var n = n, count = 1
    while n >= 10 { n /= 10; count += 1 }
    return count
}

/// Column widths shared by every ladder of one trace.
private struct LadderLayout {
    /// Width of the send-time column (right-aligned).
    var timeWidth: Int
    /// Width of the arrow, both lifelines included.
    var arrowWidth: Int
    /// The widest line: the longest note after the arrow (an upper bound for reserving memory).
    var lineWidth: Int

    static let gap = 2
    static let preferredArrow = 44

    init(rows: [LadderRow], width: Int) {
        var longestName = 0, longestTime = 0, longestNote = 0, longestLabel = 0
        for row in rows {
            longestName = max(longestName, 1 + decimalWidth(Int64(row.socket.rawValue)))
            longestTime = max(longestTime, row.sentText.width)
            longestNote = max(longestNote, row.note?.width ?? 0)
            longestLabel = max(longestLabel, row.label.width)
        }
        timeWidth = max(5, longestName, longestTime)
        let noteWidth = longestNote == 0 ? 0 : LadderLayout.gap + longestNote
        // Room for "|- label ->|" at the least; otherwise as wide as fits, up to a tidy size.
        let least = longestLabel + 7
        let fits = width - timeWidth - LadderLayout.gap - noteWidth
        arrowWidth = max(least, min(LadderLayout.preferredArrow, fits))
        lineWidth = timeWidth + LadderLayout.gap + arrowWidth + noteWidth
    }
}

/// The ladders' text as it is built: ASCII bytes appended to one buffer, padding copied from
/// runs of blanks and dashes made once.
private struct LadderText {
    let layout: LadderLayout
    private var bytes: [UInt8] = []
    private let blanks: [UInt8]
    private let dashes: [UInt8]

    init(layout: LadderLayout, capacity: Int) {
        self.layout = layout
        bytes.reserveCapacity(capacity)
        blanks = [UInt8](repeating: UInt8(ascii: " "), count: layout.lineWidth)
        dashes = [UInt8](repeating: UInt8(ascii: "-"), count: layout.arrowWidth)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// `s1     us          peer`: the socket's name, then each side's name over its lifeline.
    mutating func header(for s: SocketID) {
        let name = 1 + decimalWidth(Int64(s.rawValue))
        append("s")
        appendDecimal(Int64(s.rawValue))
        appendBlanks(layout.timeWidth + LadderLayout.gap - name)
        append("us")
        appendBlanks(max(1, layout.arrowWidth - 2 - 4))
        append("peer")
    }

    /// The time right-aligned, the arrow, then the note if there is one.
    mutating func line(_ row: LadderRow) {
        appendBlanks(layout.timeWidth - row.sentText.width)
        append(row.sentText)
        appendBlanks(LadderLayout.gap)
        arrow(row)
        if let note = row.note {
            appendBlanks(LadderLayout.gap)
            append(note)
        }
    }

    /// `|----- label ---->|` or `|<---- label -----|`, exactly `arrowWidth` wide.
    mutating func arrow(_ row: LadderRow) {
        let shaft = layout.arrowWidth - 3 // two lifelines and one head
        let label = row.label.width + 2 // with a blank each side
        let left = max(1, (shaft - label) / 2)
        let right = max(1, shaft - label - left)
        append(row.isToPeer ? "|" : "|<")
        appendDashes(left)
        append(" ")
        append(row.label)
        append(" ")
        appendDashes(right)
        append(row.isToPeer ? ">|" : "|")
    }

    mutating func append(_ label: LadderLabel) {
        switch label {
        case .handshake: append("SYN, SYN-ACK, ACK")
        case .data(let n): append("data "); appendDecimal(Int64(n))
        case .fin: append("FIN")
        case .rst: append("RST")
        case .ack: append("ACK")
        }
    }

    /// The same characters as `Instant.millisecondText`, without making a String.
    mutating func append(_ time: LadderTime) {
        switch time {
        case .inFlight:
            append(LadderTime.inFlightText)
        case .at(let t) where t.nanoseconds < 0:
            bytes += t.millisecondText.utf8
        case .at(let t):
            let (whole, fraction) = t.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
            appendDecimal(whole)
            if fraction != 0 {
                let digits = significantMicroDigits(fraction)
                append(".")
                appendDecimal(digits.value, width: digits.count)
            }
            append("ms")
        }
    }

    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `v` in decimal, zero-padded on the left to `width` digits: zeros first, then the digits
    /// written over them from the right.
    mutating func appendDecimal(_ v: Int64, width: Int = 1) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var n = v.magnitude
        let digits = max(width, digitCount(n))
        bytes += LadderText.zeros[..<digits]
        var at = bytes.count - 1
        while n > 0 {
            bytes[at] = UInt8(ascii: "0") + UInt8(n % 10)
            n /= 10
            at -= 1
        }
    }

    /// Enough `0` characters for any Int64.
    static let zeros = [UInt8](repeating: UInt8(ascii: "0"), count: 20)

    mutating func appendBlanks(_ n: Int) {
        if n > 0 { bytes += blanks[..<n] }
    }

    mutating func appendDashes(_ n: Int) {
        if n > 0 { bytes += dashes[..<n] }
    }
}
