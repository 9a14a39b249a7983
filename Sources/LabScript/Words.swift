/// The words of one command (or of a command inside it), read in place from the bytes of their
/// line: the matcher compares bytes, parses numbers and names from bytes, and makes a string only
/// for a value that is text (`source FILE`, `=> result`) or for a message.
///
/// Positions are indices of the whole piece's words, so a nested command (`on T2 close h1`,
/// `whatif advance 1s`) is the same words from a later position, and where it stopped is a
/// position of the outer command too. Valid only while the buffers it points into are.
struct Words {
    /// The line's bytes, as written.
    let text: UnsafeBufferPointer<UInt8>
    /// The lowercased bytes (see `Word.foldedStart`): the line's own bytes on an ASCII line.
    let folded: UnsafeBufferPointer<UInt8>
    let all: UnsafeBufferPointer<Word>
    let startIndex: Int
    let endIndex: Int

    init(text: UnsafeBufferPointer<UInt8>, folded: UnsafeBufferPointer<UInt8>, all: UnsafeBufferPointer<Word>,
         range: Range<Int>) {
        self.text = text; self.folded = folded; self.all = all
        startIndex = range.lowerBound; endIndex = range.upperBound
    }

    var isEmpty: Bool { startIndex >= endIndex }

    subscript(position: Int) -> Word { all[position] }

    /// The same words from `start` to `end`.
    func range(_ range: Range<Int>) -> Words { Words(text: text, folded: folded, all: all, range: range) }

    /// The word's bytes as written.
    func bytes(_ position: Int) -> UnsafeBufferPointer<UInt8> {
        let w = all[position]
        return UnsafeBufferPointer(rebasing: text[w.start..<w.end])
    }

    /// The word's lowercased bytes, except that ASCII letters may still be capitals: compare
    /// them through `lowercasedASCII`.
    func foldedBytes(_ position: Int) -> UnsafeBufferPointer<UInt8> {
        let w = all[position]
        return UnsafeBufferPointer(rebasing: folded[w.foldedStart..<w.foldedEnd])
    }

    /// The word as written.
    func string(_ position: Int) -> String { String(decoding: bytes(position), as: UTF8.self) }

    /// The word lowercased (what `Token.folded` holds).
    func foldedString(_ position: Int) -> String {
        let f = foldedBytes(position)
        return String(unsafeUninitializedCapacity: f.count) { out in
            for i in 0..<f.count { out[i] = lowercasedASCII(f[i]) }
            return f.count
        }
    }

    /// The column just after the word: where a missing word after it is reported.
    func endColumn(_ position: Int) -> Int {
        let b = bytes(position)
        // Characters, as the column counts them; on an ASCII word, bytes.
        for c in b where c >= 0x80 { return all[position].column + String(decoding: b, as: UTF8.self).count }
        return all[position].column + b.count
    }

    /// Whether the word is `keyword` (lowercase ASCII bytes), ignoring case.
    @inline(__always)
    func matches(_ position: Int, _ keyword: UnsafeBufferPointer<UInt8>) -> Bool {
        let w = all[position]
        guard w.foldedEnd - w.foldedStart == keyword.count else { return false }
        var i = w.foldedStart
        for k in keyword {
            guard lowercasedASCII(folded[i]) == k else { return false }
            i += 1
        }
        return true
    }

    /// The first `=>` from `position` on.
    func firstArrow(from position: Int) -> Int? {
        var i = position
        while i < endIndex {
            if all[i].isArrow { return i }
            i += 1
        }
        return nil
    }

    /// The words from `start` to the end, as written, one space apart.
    func joined(from start: Int) -> String {
        guard start + 1 < endIndex else { return start < endIndex ? string(start) : "" }
        var count = endIndex - start - 1
        for p in start..<endIndex { count += all[p].end - all[p].start }
        return String(unsafeUninitializedCapacity: count) { out in
            var o = 0
            for p in start..<endIndex {
                if p > start { out[o] = UInt8(ascii: " "); o += 1 }
                for c in bytes(p) { out[o] = c; o += 1 }
            }
            return o
        }
    }
}

/// Gives `body` the words of `tokens` (the words of a piece another way: completion, `compare`):
/// their texts laid end to end, each word keeping its token's column and folded text.
func withWords<R, E: Error>(_ tokens: [Token], _ body: (Words) throws(E) -> R) throws(E) -> R {
    var text: [UInt8] = [], folded: [UInt8] = [], words: [Word] = []
    words.reserveCapacity(tokens.count)
    for t in tokens {
        let start = text.count, foldedStart = folded.count
        text += t.text.utf8
        folded += t.folded.utf8
        words.append(Word(start: start, end: text.count, foldedStart: foldedStart, foldedEnd: folded.count,
                          column: t.column, isArrow: t.isArrow))
    }
    let result: Result<R, E> = text.withUnsafeBufferPointer { text in
        folded.withUnsafeBufferPointer { folded in
            words.withUnsafeBufferPointer { all in
                do throws(E) {
                    return .success(try body(Words(text: text, folded: folded, all: all, range: 0..<all.count)))
                } catch {
                    return .failure(error)
                }
            }
        }
    }
    return try result.get()
}

/// Folds the words of a line that is not all ASCII into `folded`: each word's lowercased bytes
/// (the standard library's full case mapping, as `Token.folded` has them), its range updated.
func fold(_ words: UnsafeMutableBufferPointer<Word>, of text: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
    buffer.removeAll(keepingCapacity: true)
    for i in words.indices {
        let w = words[i]
        let start = buffer.count
        buffer += folded(text, w.start, w.end).utf8
        words[i].foldedStart = start
        words[i].foldedEnd = buffer.count
    }
}
