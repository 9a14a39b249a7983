/// A word of a command and the column where it starts.
public struct Token: Hashable, Sendable {
    public var text: String
    public var column: Int
    public init(_ text: String, column: Int) { self.text = text; self.column = column }
    /// Lowercased, for case-insensitive keywords and names.
    public var folded: String { text.lowercased() }
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
public func splitLine(_ line: String) -> [Piece] {
    var pieces: [Piece] = []
    var tokens: [Token] = []
    var word = ""
    var wordColumn = 0
    var pieceText = ""
    var column = 0

    func endWord() {
        if !word.isEmpty { tokens.append(Token(word, column: wordColumn)) }
        word = ""
    }
    func endPiece() {
        endWord()
        let trimmed = trim(pieceText)
        if !tokens.isEmpty { pieces.append(Piece(tokens: tokens, text: trimmed)) }
        tokens = []
        pieceText = ""
    }

    var scalars = line.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while let c = pending ?? scalars.next() {
        pending = nil
        column += 1
        switch c {
        case "#":
            endPiece()
            return pieces
        case ";":
            endPiece()
        case " ", "\t", "\r", "\n", "\u{0B}", "\u{0C}":
            endWord()
            pieceText.unicodeScalars.append(c)
        case "=":
            pieceText.unicodeScalars.append(c)
            let next = scalars.next()
            if next == ">" {
                endWord()
                tokens.append(Token("=>", column: column))
                pieceText.unicodeScalars.append(">")
                column += 1
            } else {
                if word.isEmpty { wordColumn = column }
                word.unicodeScalars.append(c)
                pending = next
            }
        default:
            if word.isEmpty { wordColumn = column }
            word.unicodeScalars.append(c)
            pieceText.unicodeScalars.append(c)
        }
    }
    endPiece()
    return pieces
}

func trim(_ s: String) -> String {
    let blanks: Set<Character> = [" ", "\t", "\r", "\n"]
    var sub = Substring(s)
    while let f = sub.first, blanks.contains(f) { sub.removeFirst() }
    while let l = sub.last, blanks.contains(l) { sub.removeLast() }
    return String(sub)
}
