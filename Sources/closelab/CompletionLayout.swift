/// How TAB completion treats the words it is given: pure functions of text, with no terminal and no
/// libedit, so that tests call them directly (CompletionLayoutTests). The line editor feeds them
/// the line before the cursor and the candidates, and writes what they return.
enum CompletionLayout {
    /// The word being completed: what follows the last blank (space or tab) of `text`, the
    /// line before the cursor; all of it when there is no blank, and "" after a blank.
    static func lastWord(of text: String) -> String {
        guard let space = text.unicodeScalars.lastIndex(where: { $0 == " " || $0 == "\t" }) else {
            return text
        }
        return String(text.unicodeScalars[text.unicodeScalars.index(after: space)...])
    }

    /// The longest prefix every word shares, compared by Unicode scalar (what the editor inserts
    /// when several candidates match). "" for no words.
    static func commonPrefix(of words: [String]) -> String {
        guard var prefix = words.first.map({ Array($0.unicodeScalars) }) else { return "" }
        for word in words.dropFirst() {
            var length = 0
            for scalar in word.unicodeScalars {
                guard length < prefix.count, prefix[length] == scalar else { break }
                length += 1
            }
            prefix.removeSubrange(length...)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: prefix)
        return String(result)
    }

    /// The candidates once each, in the order given, without empty ones.
    static func distinct(_ candidates: [String]) -> [String] {
        var seen = Set<String>()
        return candidates.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// What a unique candidate becomes on the line: followed by a space, except a path prefix
    /// such as `h1.`, which continues with a field.
    static func insertion(forUnique candidate: String) -> String {
        candidate.hasSuffix(".") || candidate.hasSuffix("/") ? candidate : candidate + " "
    }

    /// The number of columns and rows the candidates take in `width` columns: as many columns as
    /// fit, each as wide as the widest word plus two spaces, at least one column, never more
    /// columns than words.
    static func grid(_ words: [String], width: Int) -> (columns: Int, rows: Int) {
        guard !words.isEmpty else { return (0, 0) }
        let columnWidth = (words.map(\.count).max() ?? 0) + 2
        let columns = max(1, min(words.count, max(width, 1) / columnWidth))
        return (columns, (words.count + columns - 1) / columns)
    }

    /// The candidates in columns, ordered down the columns like ls(1), each line without trailing
    /// blanks; starts and ends with a new line (the list goes below the line being edited).
    /// Words are shown as given: the caller escapes control characters first.
    static func columns(_ words: [String], width: Int) -> String {
        let (columnCount, rowCount) = grid(words, width: width)
        let columnWidth = (words.map(\.count).max() ?? 0) + 2
        var text = "\n"
        for row in 0..<rowCount {
            var line = ""
            for column in 0..<columnCount {
                let index = column * rowCount + row
                guard index < words.count else { break }
                let word = words[index]
                line += word
                let nextIndex = (column + 1) * rowCount + row
                if column + 1 < columnCount, nextIndex < words.count {
                    line += String(repeating: " ", count: columnWidth - word.count)
                }
            }
            text += line + "\n"
        }
        return text
    }
}
