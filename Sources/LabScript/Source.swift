/// Where a command came from: a file (or `<stdin>`, `-c`), a line, a column (characters from 1).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int = 1) {
        self.file = file; self.line = line; self.column = column
    }
    /// `file:line` (expectation failures) — see `description` for `file:line:column`.
    public var fileAndLine: String { "\(file):\(line)" }
    public var description: String { "\(file):\(line):\(column)" }
}

/// An invalid line: a message about one word, at its column.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public init(column: Int, _ message: String) { self.column = column; self.message = message }
    public var description: String { message }
}

/// The longest line accepted (docs/language.md: longer lines are invalid and not echoed whole).
public let maximumLineBytes = 1 << 20

/// Decodes one physical line, rejecting invalid UTF-8 with the column of the first bad byte.
public func decodeLine(_ bytes: ArraySlice<UInt8>) -> Result<String, Diagnostic> {
    if bytes.count > maximumLineBytes { return .failure(.lineTooLong) }
    if let text = bytes.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) { return .success(text) }
    return invalidUTF8(bytes).map { .failure($0) } ?? .success(String(decoding: bytes, as: UTF8.self))
}

extension Diagnostic {
    /// A line longer than `maximumLineBytes`: it is skipped, and not shown.
    static let lineTooLong = Diagnostic(column: 1, "line too long: at most 1 MiB (\(maximumLineBytes) bytes) per line; the line is skipped")
}

/// Where the first byte that is not UTF-8 is, with its column; nil if every byte is.
func invalidUTF8(_ bytes: ArraySlice<UInt8>) -> Diagnostic? {
    var column = 1
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    var offset = 0
    let array = Array(bytes)
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar):
            offset += UTF8.width(scalar)
            column += 1
        case .emptyInput:
            return nil
        case .error:
            let byte = offset < array.count ? array[offset] : 0
            return Diagnostic(column: column, "invalid UTF-8 (byte 0x\(hex(byte)) at column \(column))")
        }
    }
}

func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

/// Shows a word safely in a one-line message: control characters escaped, long words cut (at
/// `limit` characters).
public func quoted(_ word: String, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in word.unicodeScalars {
        count += 1
        if count > limit { out += "…"; break }
        switch scalar.value {
        case 0x20..<0x7F: out.unicodeScalars.append(scalar)
        case 0..<0x20, 0x7F:
            out += "\\x" + hex(UInt8(scalar.value))
        default:
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return "'" + out + "'"
}

/// A file path in a message: escaped as `quoted` does, cut only when very long.
public func quotedPath(_ path: String) -> String { quoted(path, limit: 200) }
