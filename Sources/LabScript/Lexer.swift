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

    init(text: String, folded: String, column: Int) {
        self.text = text
        self.folded = folded
        self.column = column
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
/// Works on the UTF-8 bytes (every delimiter is ASCII); columns count characters from 1.
public func splitLine(_ line: String) -> [Piece] {
    var line = line
    line.makeContiguousUTF8()
    return line.utf8.withContiguousStorageIfAvailable { splitLine(bytes: $0) } ?? []
}

/// Splits a line of bytes that are all ASCII (so valid UTF-8); nil if any byte is not ASCII.
public func splitASCIILine(_ bytes: ArraySlice<UInt8>) -> [Piece]? {
    bytes.withUnsafeBufferPointer { buffer -> [Piece]? in
        for b in buffer where b >= 0x80 { return nil }
        return splitLine(bytes: buffer)
    }
}

func splitLine(bytes: UnsafeBufferPointer<UInt8>) -> [Piece] {
    var lexer = LineLexer(bytes: bytes)
    return lexer.run()
}

/// The state of splitting one line (a struct rather than nested functions, whose captured
/// variables would be boxed on the heap).
struct LineLexer {
    let bytes: UnsafeBufferPointer<UInt8>
    var pieces: [Piece] = []
    var tokens: [Token] = []
    var wordStart = -1
    var wordColumn = 0
    var pieceStart = -1
    var pieceEnd = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func text(_ a: Int, _ b: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self)
    }

    mutating func endWord(at end: Int) {
        if wordStart >= 0 {
            if tokens.isEmpty { tokens.reserveCapacity(4) }
            tokens.append(Token(text: text(wordStart, end), folded: folded(bytes, wordStart, end), column: wordColumn))
        }
        wordStart = -1
    }

    mutating func endPiece(at end: Int) {
        endWord(at: end)
        if !tokens.isEmpty && pieceStart >= 0 {
            pieces.append(Piece(tokens: tokens, text: text(pieceStart, pieceEnd)))
        }
        tokens.removeAll()
        pieceStart = -1
    }

    mutating func run() -> [Piece] {
        var column = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { column += 1 }
            switch b {
            case UInt8(ascii: "#"):
                endPiece(at: i)
                return pieces
            case UInt8(ascii: ";"):
                endPiece(at: i)
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C:
                endWord(at: i)
            case UInt8(ascii: "=") where i + 1 < n && bytes[i + 1] == UInt8(ascii: ">"):
                endWord(at: i)
                tokens.append(Token(text: "=>", folded: "=>", column: column))
                if pieceStart < 0 { pieceStart = i }
                pieceEnd = i + 2
                column += 1
                i += 2
                continue
            default:
                if wordStart < 0 { wordStart = i; wordColumn = column }
                if pieceStart < 0 { pieceStart = i }
                pieceEnd = i + 1
            }
            i += 1
        }
        endPiece(at: n)
        return pieces
    }
}

/// The lowercased text of bytes[a..<b]: ASCII letters folded in place, anything else through the
/// standard library's full case mapping.
func folded(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> String {
    var hasUpper = false
    for i in a..<b {
        let c = bytes[i]
        if c >= 0x80 { return String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self).lowercased() }
        if c >= 0x41 && c <= 0x5A { hasUpper = true }
    }
    guard hasUpper else { return String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self) }
    return String(unsafeUninitializedCapacity: b - a) { out in
        for i in a..<b {
            let c = bytes[i]
            out[i - a] = c >= 0x41 && c <= 0x5A ? c + 32 : c
        }
        return b - a
    }
}

/// Lowercases ASCII letters quickly (keywords and names are ASCII); anything else goes through
/// the standard library's full case mapping.
func asciiLowercased(_ text: String) -> String {
    var text = text
    text.makeContiguousUTF8()
    return text.utf8.withContiguousStorageIfAvailable { folded($0, 0, $0.count) } ?? text.lowercased()
}
