/// Text that answers a question (help, explain, a rule, lesson narration), as blocks the text
/// renderer lays out for the width: paragraphs and list items are word-wrapped (items with a
/// hanging indent), tables are drawn, verbatim blocks are printed as they are. No word is split:
/// a word longer than the line gets a line of its own.
public struct Prose: Sendable {
    public enum Block: Sendable {
        /// Wrapped at the width.
        case paragraph(String)
        /// `lead` then `text`, wrapped so continuation lines start under the text.
        case item(lead: String, text: String)
        /// Drawn at the width (a rule's markdown table, a listing).
        case table(Table)
        /// Printed as it is (a usage line, a ladder, an already laid-out report).
        case verbatim(String)
    }

    public var blocks: [Block]

    public init(_ blocks: [Block] = []) { self.blocks = blocks }

    /// Verbatim text: for answers laid out elsewhere.
    public init(verbatim text: String) { blocks = [.verbatim(text)] }

    public mutating func paragraph(_ text: String) { blocks.append(.paragraph(text)) }
    public mutating func item(_ lead: String, _ text: String) { blocks.append(.item(lead: lead, text: text)) }
    public mutating func verbatim(_ text: String) { blocks.append(.verbatim(text)) }
    public mutating func append(_ other: Prose) { blocks += other.blocks }

    /// Prose at most this wide, however wide the terminal: long lines are hard to read.
    public static let readableWidth = 100

    /// The text laid out for `style` (its width, capped at `readableWidth`), ending with a newline.
    public func render(_ style: Style) -> String {
        let width = max(20, min(style.width, Prose.readableWidth))
        var out = ""
        for block in blocks {
            switch block {
            case .paragraph(let text):
                for line in Prose.wrap(text, width: width, first: "", rest: "") { out += line + "\n" }
            case .item(let lead, let text):
                if displayWidth(lead) <= width / 2 {
                    let hang = String(repeating: " ", count: displayWidth(lead))
                    for line in Prose.wrap(text, width: width, first: lead, rest: hang) { out += line + "\n" }
                } else {
                    // A lead too long to hang from: it gets its own lines, the text indented below.
                    let indent = String(lead.prefix { $0 == " " })
                    for line in Prose.wrap(lead, width: width, first: indent, rest: indent) { out += line + "\n" }
                    for line in Prose.wrap(text, width: width, first: indent + "    ", rest: indent + "    ") { out += line + "\n" }
                }
            case .table(let table):
                out += table.render(style)
            case .verbatim(let text):
                out += text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
            }
        }
        return out
    }

    /// The text unwrapped, one block per line (json's `text`).
    public var plainText: String {
        var out = ""
        for block in blocks {
            switch block {
            case .paragraph(let text): out += text + "\n"
            case .item(let lead, let text): out += lead + text + "\n"
            case .table(let table): out += table.render(Style(frame: .plain, width: .max, usesColor: false))
            case .verbatim(let text): out += text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
            }
        }
        return out
    }

    /// One line, wrapped only if it is wider than `width` (continuation lines indented by four):
    /// for call lines, events and echoes, which are printed as they are whenever they fit.
    public static func fit(_ line: String, width: Int) -> String {
        guard displayWidth(line) > width else { return line }
        let lead = String(line.prefix { $0 == " " })
        return wrap(String(line.dropFirst(lead.count)), width: width, first: lead, rest: lead + "    ").joined(separator: "\n")
    }

    /// Word-wraps `text` (blanks collapse) into lines of at most `width` columns: the first
    /// starts with `first`, the others with `rest`. A word that cannot fit stands alone.
    public static func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
        var lines: [String] = []
        var line = first
        var lineWidth = displayWidth(first)
        var empty = true
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            let w = displayWidth(String(word))
            if w > width - displayWidth(rest) {
                // A word longer than any line (an address) stands alone, unindented and unsplit.
                if !empty || displayWidth(line) > 0 { lines.append(line) }
                lines.append(String(word))
                line = rest
                lineWidth = displayWidth(rest)
                empty = true
                continue
            }
            if !empty && lineWidth + 1 + w > width {
                lines.append(line)
                line = rest
                lineWidth = displayWidth(rest)
                empty = true
            }
            if !empty { line += " "; lineWidth += 1 }
            line += word
            lineWidth += w
            empty = false
        }
        if !empty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Prose from text written in the rules' light markdown: paragraphs separated by line ends,
    /// `|`-rows as a table (the `|---|` line separating its header), `- ` list items.
    public static func markdown(_ text: String) -> Prose {
        var prose = Prose()
        var tableLines: [String] = []
        func flushTable() {
            guard !tableLines.isEmpty else { return }
            prose.blocks.append(.table(Prose.table(tableLines)))
            tableLines = []
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("|") {
                tableLines.append(line)
                continue
            }
            flushTable()
            if line.isEmpty { continue }
            if line.hasPrefix("- ") {
                prose.item("  - ", String(line.dropFirst(2)))
            } else {
                prose.paragraph(line)
            }
        }
        flushTable()
        return prose
    }

    /// A markdown table's rows as a `Table` (its first row the header; `|---|` lines dropped).
    static func table(_ lines: [String]) -> Table {
        let rows = lines.map { line -> [String] in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { String($0).trimmingCharacters() }
        }.filter { row in !row.allSatisfy { cell in !cell.isEmpty && cell.allSatisfy { $0 == "-" || $0 == ":" } } }
        guard let header = rows.first else { return Table(columns: [], rows: []) }
        var table = Table(columns: header.map { Table.Column($0) }, rows: rows.dropFirst().map { $0.map { Table.Cell($0) } })
        table.wrapsCells = true
        return table
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" { s.removeLast() }
        return String(s)
    }

    /// Without blanks at either end.
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
