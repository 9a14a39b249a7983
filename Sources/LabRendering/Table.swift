/// A table to print: named columns and rows of cells. Pure data; `render` turns it into text
/// for a width, a style and a colour choice.
public struct Table: Hashable, Sendable {
    public struct Column: Hashable, Sendable {
        public var name: String
        public var alignsRight: Bool
        /// A shorter header for a narrow terminal (`help columns` lists both).
        public var compactName: String?
        public init(_ name: String, alignsRight: Bool = false, compactName: String? = nil) {
            self.name = name; self.alignsRight = alignsRight; self.compactName = compactName
        }
    }

    public struct Cell: Hashable, Sendable, ExpressibleByStringLiteral {
        public var text: String
        /// How it is coloured on a terminal.
        public var tone: Tone
        /// Changed since the previous table (marked when `set diff on`).
        public var isChanged: Bool
        /// A shorter label for a narrow terminal (`released` for `closed (just released)`).
        public var compactText: String?
        public init(_ text: String, tone: Tone = .normal, isChanged: Bool = false, compactText: String? = nil) {
            self.text = text; self.tone = tone; self.isChanged = isChanged; self.compactText = compactText
        }
        public init(stringLiteral value: String) { self.init(value) }
    }

    public enum Tone: Hashable, Sendable { case normal, dim, good, warn, bad, accent }

    public var title: String?
    public var columns: [Column]
    public var rows: [[Cell]]
    /// A line printed under the table (for example how many rows were left out).
    public var footer: String?
    /// Text tables (a rule's markdown table): when too wide, the widest columns wrap their cells
    /// over several lines instead of the table turning into records.
    public var wrapsCells = false

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
    /// On a terminal, a table too wide for `width` first tries shorter labels and tighter spacing
    /// before falling back to one record per block. Output to a file or pipe keeps the full names.
    public var compactsToFit: Bool

    public init(frame: Frame, width: Int, usesColor: Bool, marksChanges: Bool = false, compactsToFit: Bool = false) {
        self.frame = frame; self.width = width; self.usesColor = usesColor; self.marksChanges = marksChanges
        self.compactsToFit = compactsToFit
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

/// How tightly a table is laid out: tried in this order until one fits the width.
enum Density: CaseIterable {
    /// Full names and labels; box cells padded on both sides, plain columns two spaces apart.
    case full
    /// Compact headers and labels, the same spacing.
    case compact
    /// Compact, box cells padded on the right only, plain columns one space apart.
    case narrow
    /// Compact, box cells unpadded.
    case tight

    var isCompact: Bool { self != .full }
    /// Spaces left and right of a box cell.
    var boxPadding: (left: Int, right: Int) {
        switch self {
        case .full, .compact: (1, 1)
        case .narrow: (0, 1)
        case .tight: (0, 0)
        }
    }
    /// Spaces between plain columns.
    var plainGap: Int {
        switch self {
        case .full, .compact: 2
        case .narrow, .tight: 1
        }
    }
}

extension Table {
    /// The text of a cell as printed, with the plain change marker when asked.
    func shown(_ cell: Cell, _ style: Style, _ density: Density = .full) -> String {
        let text = density.isCompact ? cell.compactText ?? cell.text : cell.text
        return style.marksChanges && !style.usesColor && cell.isChanged ? text + "*" : text
    }

    func header(_ column: Column, _ density: Density) -> String {
        density.isCompact ? column.compactName ?? column.name : column.name
    }

    func columnWidths(_ style: Style, _ density: Density = .full) -> [Int] {
        var widths = columns.map { displayWidth(header($0, density)) }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], displayWidth(shown(cell, style, density)))
            }
        }
        return widths
    }

    func gridWidth(_ widths: [Int], _ style: Style, _ density: Density) -> Int {
        switch style.frame {
        case .plain: return widths.reduce(0, +) + density.plainGap * max(0, widths.count - 1)
        case .box:
            let (l, r) = density.boxPadding
            return widths.reduce(0, +) + (l + r + 1) * widths.count + 1
        }
    }

    /// Renders the table: a grid in the first density that fits `style.width` (only the full one
    /// off a terminal), else one record per block.
    public func render(_ style: Style) -> String {
        var out = ""
        if let title { out += title + "\n" }
        let densities: [Density] = style.compactsToFit ? Density.allCases : [.full]
        var laidOut = false
        if wrapsCells, let fitted = wrappedLayout(style) {
            out += fitted
            laidOut = true
        }
        for density in densities where !laidOut {
            let widths = columnWidths(style, density)
            guard gridWidth(widths, style, density) <= style.width || rows.isEmpty else { continue }
            switch style.frame {
            case .plain: out += renderPlain(widths, style, density)
            case .box: out += renderBox(widths, style, density)
            }
            laidOut = true
            break
        }
        if !laidOut { out += renderExpanded(style) }
        if let footer { out += footer + "\n" }
        return out
    }

    /// Column widths narrowed until the grid fits (never below a column's longest word), and the
    /// rows with their cells word-wrapped to them; nil when even that cannot fit.
    func wrappedLayout(_ style: Style) -> String? {
        var widths = columnWidths(style)
        let overhead = gridWidth(widths.map { _ in 0 }, style, .full)
        let floor = columns.indices.map { i in
            ([header(columns[i], .full)] + rows.map { i < $0.count ? $0[i].text : "" })
                .flatMap { $0.split(separator: " ") }.map { displayWidth(String($0)) }.max() ?? 1
        }
        while widths.reduce(0, +) + overhead > style.width {
            guard let widest = widths.indices.filter({ widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] })
            else { return nil }
            widths[widest] -= 1
        }
        // Headers wrap too: their first lines head the columns, the rest lead the rows.
        let headerLines = columns.indices.map { Prose.wrap(columns[$0].name, width: widths[$0], first: "", rest: "") }
        let headerHeight = headerLines.map(\.count).max() ?? 1
        let wrappedColumns = columns.indices.map { i in Column(headerLines[i][0], alignsRight: columns[i].alignsRight) }
        let headerRows: [[Cell]] = (1..<max(1, headerHeight)).map { line in
            columns.indices.map { i in Cell(line < headerLines[i].count ? headerLines[i][line] : "", tone: .dim) }
        }
        let wrapped = Table(title: nil, columns: wrappedColumns, rows: headerRows + rows.flatMap { row -> [[Cell]] in
            let cellLines = columns.indices.map { i -> [String] in
                let text = i < row.count ? row[i].text : ""
                return Prose.wrap(text, width: widths[i], first: "", rest: "")
            }
            let height = cellLines.map(\.count).max() ?? 1
            return (0..<height).map { line in
                columns.indices.map { i in Cell(line < cellLines[i].count ? cellLines[i][line] : "", tone: i < row.count ? row[i].tone : .normal) }
            }
        })
        switch style.frame {
        case .plain: return wrapped.renderPlain(widths, style, .full)
        case .box: return wrapped.renderBox(widths, style, .full)
        }
    }

    func pad(_ text: String, _ width: Int, right: Bool) -> String {
        let gap = width - displayWidth(text)
        guard gap > 0 else { return text }
        let spaces = String(repeating: " ", count: gap)
        return right ? spaces + text : text + spaces
    }

    func renderPlain(_ widths: [Int], _ style: Style, _ density: Density) -> String {
        let gap = String(repeating: " ", count: density.plainGap)
        var out = ""
        var header = ""
        for (i, c) in columns.enumerated() {
            let last = i == columns.count - 1
            let name = self.header(c, density)
            header += last && !c.alignsRight ? name : pad(name, widths[i], right: c.alignsRight)
            if !last { header += gap }
        }
        out += ANSI.paint(header, .dim, changed: false, style: style) + "\n"
        for row in rows {
            var line = ""
            for (i, c) in columns.enumerated() {
                let cell = i < row.count ? row[i] : Cell("")
                let text = shown(cell, style, density)
                let last = i == columns.count - 1
                let padded = last && !c.alignsRight ? text : pad(text, widths[i], right: c.alignsRight)
                line += ANSI.paint(padded, cell.tone, changed: cell.isChanged, style: style)
                if !last { line += gap }
            }
            while line.hasSuffix(" ") { line.removeLast() }   // an empty last cell leaves no trailing blanks
            out += line + "\n"
        }
        return out
    }

    func renderBox(_ widths: [Int], _ style: Style, _ density: Density) -> String {
        let (l, r) = density.boxPadding
        let left = String(repeating: " ", count: l), right = String(repeating: " ", count: r)
        func rule(_ a: String, _ mid: String, _ b: String) -> String {
            a + widths.map { String(repeating: "─", count: $0 + l + r) }.joined(separator: mid) + b + "\n"
        }
        var out = rule("┌", "┬", "┐")
        out += "│" + columns.enumerated().map { i, c in
            left + ANSI.paint(pad(header(c, density), widths[i], right: c.alignsRight), .dim, changed: false, style: style) + right
        }.joined(separator: "│") + "│\n"
        out += rule("├", "┼", "┤")
        for row in rows {
            out += "│" + columns.enumerated().map { i, c in
                let cell = i < row.count ? row[i] : Cell("")
                return left + ANSI.paint(pad(shown(cell, style, density), widths[i], right: c.alignsRight), cell.tone,
                                         changed: cell.isChanged, style: style) + right
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
