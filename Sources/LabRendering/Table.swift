/// A table to print: named columns and rows of cells. Pure data; `render` turns it into text
/// for a width, a style and a colour choice.
public struct Table: Hashable, Sendable {
    public struct Column: Hashable, Sendable {
        public var name: String
        public var alignsRight: Bool
        public init(_ name: String, alignsRight: Bool = false) { self.name = name; self.alignsRight = alignsRight }
    }

    public struct Cell: Hashable, Sendable, ExpressibleByStringLiteral {
        public var text: String
        /// How it is coloured on a terminal.
        public var tone: Tone
        /// Changed since the previous table (marked when `set diff on`).
        public var isChanged: Bool
        public init(_ text: String, tone: Tone = .normal, isChanged: Bool = false) {
            self.text = text; self.tone = tone; self.isChanged = isChanged
        }
        public init(stringLiteral value: String) { self.init(value) }
    }

    public enum Tone: Hashable, Sendable { case normal, dim, good, warn, bad, accent }

    public var title: String?
    public var columns: [Column]
    public var rows: [[Cell]]
    /// A line printed under the table (for example how many rows were left out).
    public var footer: String?

    public init(title: String? = nil, columns: [Column], rows: [[Cell]], footer: String? = nil) {
        self.title = title; self.columns = columns; self.rows = rows; self.footer = footer
    }
}

/// How tables and text are drawn.
public struct Style: Hashable, Sendable {
    public enum Frame: Hashable, Sendable { case box, plain }
    public var frame: Frame
    /// Columns available; tables wider than this print one record per block.
    public var width: Int
    public var usesColor: Bool
    /// Mark changed cells (a `*` after the text in plain output, reverse video in colour).
    public var marksChanges: Bool

    public init(frame: Frame, width: Int, usesColor: Bool, marksChanges: Bool = false) {
        self.frame = frame; self.width = width; self.usesColor = usesColor; self.marksChanges = marksChanges
    }
}

/// ANSI colours, used only when the style says so.
enum ANSI {
    static func paint(_ text: String, _ tone: Table.Tone, changed: Bool, style: Style) -> String {
        guard style.usesColor else { return text }
        var codes: [String] = []
        switch tone {
        case .normal: break
        case .dim: codes.append("2")
        case .good: codes.append("32")
        case .warn: codes.append("33")
        case .bad: codes.append("31")
        case .accent: codes.append("36")
        }
        if changed && style.marksChanges { codes.append("1"); codes.append("4") }
        guard !codes.isEmpty else { return text }
        return "\u{1B}[" + codes.joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }
}

/// Display width of a cell's text: one column per character (the model's texts are ASCII apart
/// from the box-drawing frame).
@inline(__always) func displayWidth(_ s: String) -> Int { s.unicodeScalars.count }

extension Table {
    /// The text of a cell as printed, with the plain change marker when asked.
    func shown(_ cell: Cell, _ style: Style) -> String {
        style.marksChanges && !style.usesColor && cell.isChanged ? cell.text + "*" : cell.text
    }

    func columnWidths(_ style: Style) -> [Int] {
        var widths = columns.map { displayWidth($0.name) }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], displayWidth(shown(cell, style)))
            }
        }
        return widths
    }

    /// Renders the table: a grid when it fits in `style.width`, else one record per block.
    public func render(_ style: Style) -> String {
        let widths = columnWidths(style)
        let gridWidth: Int
        switch style.frame {
        case .plain: gridWidth = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        case .box: gridWidth = widths.reduce(0, +) + 3 * widths.count + 1
        }
        var out = ""
        if let title { out += title + "\n" }
        if gridWidth > style.width && !rows.isEmpty {
            out += renderExpanded(style)
        } else {
            switch style.frame {
            case .plain: out += renderPlain(widths, style)
            case .box: out += renderBox(widths, style)
            }
        }
        if let footer { out += footer + "\n" }
        return out
    }

    func pad(_ text: String, _ width: Int, right: Bool) -> String {
        let gap = width - displayWidth(text)
        guard gap > 0 else { return text }
        let spaces = String(repeating: " ", count: gap)
        return right ? spaces + text : text + spaces
    }

    func renderPlain(_ widths: [Int], _ style: Style) -> String {
        var out = ""
        var header = ""
        for (i, c) in columns.enumerated() {
            let last = i == columns.count - 1
            header += last && !c.alignsRight ? c.name : pad(c.name, widths[i], right: c.alignsRight)
            if !last { header += "  " }
        }
        out += ANSI.paint(header, .dim, changed: false, style: style) + "\n"
        for row in rows {
            var line = ""
            for (i, c) in columns.enumerated() {
                let cell = i < row.count ? row[i] : Cell("")
                let text = shown(cell, style)
                let last = i == columns.count - 1
                let padded = last && !c.alignsRight ? text : pad(text, widths[i], right: c.alignsRight)
                line += ANSI.paint(padded, cell.tone, changed: cell.isChanged, style: style)
                if !last { line += "  " }
            }
            out += line + "\n"
        }
        return out
    }

    func renderBox(_ widths: [Int], _ style: Style) -> String {
        func rule(_ left: String, _ mid: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: mid) + right + "\n"
        }
        var out = rule("┌", "┬", "┐")
        out += "│" + columns.enumerated().map { i, c in
            " " + ANSI.paint(pad(c.name, widths[i], right: c.alignsRight), .dim, changed: false, style: style) + " "
        }.joined(separator: "│") + "│\n"
        out += rule("├", "┼", "┤")
        for row in rows {
            out += "│" + columns.enumerated().map { i, c in
                let cell = i < row.count ? row[i] : Cell("")
                return " " + ANSI.paint(pad(shown(cell, style), widths[i], right: c.alignsRight), cell.tone,
                                        changed: cell.isChanged, style: style) + " "
            }.joined(separator: "│") + "│\n"
        }
        out += rule("└", "┴", "┘")
        return out
    }

    /// psql's expanded display: one block per record, `NAME | value` lines.
    func renderExpanded(_ style: Style) -> String {
        let nameWidth = columns.map { displayWidth($0.name) }.max() ?? 0
        var out = ""
        for (n, row) in rows.enumerated() {
            let head = "-[ RECORD \(n + 1) ]"
            out += head + String(repeating: "-", count: max(0, min(style.width, nameWidth + 20) - displayWidth(head))) + "\n"
            for (i, c) in columns.enumerated() {
                let cell = i < row.count ? row[i] : Cell("")
                out += pad(c.name, nameWidth, right: false) + " | "
                    + ANSI.paint(shown(cell, style), cell.tone, changed: cell.isChanged, style: style) + "\n"
            }
        }
        return out
    }
}
