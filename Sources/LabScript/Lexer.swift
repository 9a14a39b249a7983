/// A word of a command and the column where it starts.
public struct Token: Hashable, Sendable {
    public var text: String
    public var column: Int
    /// Lowercased, for case-insensitive keywords and names.
    public let folded: String
    public init(_ text: String, column: Int) {
        self.text = text
        self.column = column
        self.folded = asciiLowercased(text)
    }
    public var isArrow: Bool { text == "=>" }
}

/// One command's worth of a physical line: its words, and where it starts.
public struct Piece: Hashable, Sendable {
    public var tokens: [Token]
    /// The text of the piece, trimmed (what `--echo` and json's `input` show).
    public var text: String
}

/// Splits a physical line into commands: `#` hides the rest of the line (`;` included), `;`
/// separates commands, blanks separate words, and `=>` is always a word of its own.
/// Works on UTF-8 bytes (every delimiter is ASCII); columns count characters from 1.
public func splitLine(_ line: String) -> [Piece] {
    let bytes = line.utf8
    var pieces: [Piece] = []
    var tokens: [Token] = []
    var wordStart: String.Index? = nil
    var wordColumn = 0
    var pieceStart: String.Index? = nil
    var pieceEnd = bytes.startIndex
    var column = 0

    func endWord(at end: String.Index) {
        if let start = wordStart { tokens.append(Token(String(line[start..<end]), column: wordColumn)) }
        wordStart = nil
    }
    func endPiece(at end: String.Index) {
        endWord(at: end)
        if !tokens.isEmpty, let start = pieceStart {
            pieces.append(Piece(tokens: tokens, text: String(line[start..<pieceEnd])))
        }
        tokens = []
        pieceStart = nil
    }

    var i = bytes.startIndex
    while i < bytes.endIndex {
        let b = bytes[i]
        if b & 0xC0 != 0x80 { column += 1 }
        let next = bytes.index(after: i)
        switch b {
        case UInt8(ascii: "#"):
            endPiece(at: i)
            return pieces
        case UInt8(ascii: ";"):
            endPiece(at: i)
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C:
            endWord(at: i)
        case UInt8(ascii: "=") where next < bytes.endIndex && bytes[next] == UInt8(ascii: ">"):
            endWord(at: i)
            tokens.append(Token("=>", column: column))
            if pieceStart == nil { pieceStart = i }
            let after = bytes.index(after: next)
            pieceEnd = after
            column += 1
            i = after
            continue
        default:
            if wordStart == nil { wordStart = i; wordColumn = column }
            if pieceStart == nil { pieceStart = i }
            pieceEnd = next
        }
        i = next
    }
    endPiece(at: bytes.endIndex)
    return pieces
}

/// Lowercases ASCII letters quickly (keywords and names are ASCII); anything else goes through
/// the standard library's full case mapping.
func asciiLowercased(_ text: String) -> String {
    var hasUpper = false
    for b in text.utf8 {
        if b >= 0x80 { return text.lowercased() }
        if b >= 0x41 && b <= 0x5A { hasUpper = true }
    }
    guard hasUpper else { return text }
    return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)
}
