/// A word of a command and the column where it starts: the form completion and the session's
/// `compare` read a line in. The parser itself reads `Word`s, which are only byte ranges.
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

/// A word of a line as the parser reads it: where its bytes are, where its lowercased bytes are,
/// and the column where it starts (characters from 1). No string is made for it.
struct Word {
    /// The bytes as written: `text[start..<end]` of the line.
    var start: Int
    var end: Int
    /// The lowercased bytes, in the line's folded bytes: the same range as written on an ASCII
    /// line (the matcher folds ASCII letters as it compares), a range of a separate buffer of
    /// lowercased words on a line with other characters (`LineWords.fold`).
    var foldedStart: Int
    var foldedEnd: Int
    var column: Int
    /// `=>`, always a word of its own.
    var isArrow: Bool
}

/// Splits a physical line into commands: `#` hides the rest of the line (`;` included), `;`
/// separates commands, blanks separate words, and `=>` is always a word of its own.
/// Works on the UTF-8 bytes (every delimiter is ASCII); columns count characters from 1.
public func splitLine(_ line: String) -> [Piece] {
    var line = line
    line.makeContiguousUTF8()
    return line.utf8.withContiguousStorageIfAvailable { bytes in
        withUnsafeTemporaryAllocation(of: Word.self, capacity: bytes.count + 1) { buffer in
            var pieces: [Piece] = []
            var scanner = LineScanner(bytes: bytes, isASCII: !bytes.contains { $0 >= 0x80 })
            while let piece = scanner.next(into: buffer) {
                let tokens = buffer[piece.words].map { word in
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[word.start..<word.end]), as: UTF8.self)
                    return Token(text: text, folded: folded(bytes, word.start, word.end), column: word.column)
                }
                pieces.append(Piece(tokens: tokens, text: String(decoding: UnsafeBufferPointer(rebasing: bytes[piece.text]), as: UTF8.self)))
            }
            return pieces
        }
    } ?? []
}

/// Splitting one line of bytes into pieces and their words, a piece at a time, with nothing
/// allocated: each piece's words are written into a buffer the caller holds (a line of n bytes
/// has at most n words, so n + 1 places always suffice).
struct LineScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// On an all-ASCII line a byte's column is its offset plus one; otherwise columns are counted
    /// as characters (UTF-8 bytes that do not continue a character).
    private let isASCII: Bool
    private var i = 0
    /// The column of the byte before `i` (counted only on a line that is not all ASCII).
    private var column = 0

    init(bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool) {
        self.bytes = bytes
        self.isASCII = isASCII
    }

    /// The next piece that has a word: the byte range of its text (trimmed) and the range of
    /// `words` its words were written to (from 0); nil at the end of the line or at a `#`.
    mutating func next(into words: UnsafeMutableBufferPointer<Word>) -> (text: Range<Int>, words: Range<Int>)? {
        let n = bytes.count
        var i = self.i  // a local in the loop; saved before returning
        defer { self.i = i }
        var count = 0
        var wordStart = -1, wordColumn = 0
        var pieceStart = -1
        while i < n {
            let b = bytes[i]
            if !isASCII && b & 0xC0 != 0x80 { column &+= 1 }
            // Every delimiter is at or below `=`, and digits are the only word bytes there.
            if b > UInt8(ascii: "=") || b &- UInt8(ascii: "0") < 10 {
                if wordStart < 0 {
                    wordStart = i
                    wordColumn = isASCII ? i &+ 1 : column
                    if pieceStart < 0 { pieceStart = i }
                }
                i &+= 1
                continue
            }
            switch b {
            case UInt8(ascii: "#"):
                end(&wordStart, at: i, wordColumn, words, &count)
                let pieceEnd = i
                i = n
                return count > 0 ? (pieceStart..<trimmed(pieceEnd), 0..<count) : nil
            case UInt8(ascii: ";"):
                end(&wordStart, at: i, wordColumn, words, &count)
                let pieceEnd = i
                i &+= 1
                if count > 0 { return (pieceStart..<trimmed(pieceEnd), 0..<count) }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C:
                end(&wordStart, at: i, wordColumn, words, &count)
                i &+= 1
            case UInt8(ascii: "=") where i &+ 1 < n && bytes[i &+ 1] == UInt8(ascii: ">"):
                end(&wordStart, at: i, wordColumn, words, &count)
                words[count] = Word(start: i, end: i &+ 2, foldedStart: i, foldedEnd: i &+ 2,
                                    column: isASCII ? i &+ 1 : column, isArrow: true)
                count &+= 1
                if pieceStart < 0 { pieceStart = i }
                if !isASCII { column &+= 1 }
                i &+= 2
            default:
                if wordStart < 0 {
                    wordStart = i
                    wordColumn = isASCII ? i &+ 1 : column
                    if pieceStart < 0 { pieceStart = i }
                }
                i &+= 1
            }
        }
        end(&wordStart, at: n, wordColumn, words, &count)
        return count > 0 ? (pieceStart..<trimmed(n), 0..<count) : nil
    }

    /// Where a piece's text ends before `end`: after its last byte that is not a blank.
    private func trimmed(_ end: Int) -> Int {
        var e = end
        while e > 0, LineScanner.isBlank(bytes[e - 1]) { e -= 1 }
        return e
    }

    private static func isBlank(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || (b >= 0x09 && b <= 0x0D)
    }

    @inline(__always)
    private func end(_ wordStart: inout Int, at end: Int, _ column: Int, _ words: UnsafeMutableBufferPointer<Word>,
                     _ count: inout Int) {
        guard wordStart >= 0 else { return }
        words[count] = Word(start: wordStart, end: end, foldedStart: wordStart, foldedEnd: end, column: column, isArrow: false)
        count &+= 1
        wordStart = -1
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

/// An ASCII letter lowercased; any other byte as it is.
@inline(__always) func lowercasedASCII(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }
