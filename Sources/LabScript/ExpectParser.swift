import WinsockModel

/// Parses `<path> <op> <value>` (SPEC.md section 4). Unknown paths and ordering on a
/// non-number are invalid lines.
func parseExpectation(_ argument: Argument) throws(Diagnostic) -> Expectation {
    guard case .text(let text) = argument else { throw Diagnostic(column: 1, "expect: missing path") }
    let words = splitLine(text).first?.tokens ?? []
    guard let pathToken = words.first else { throw Diagnostic(column: 1, "expect: missing path") }
    if pathToken.folded == "event" || pathToken.folded == "no" {
        throw Diagnostic(column: 1, "expect event: missing the event (for example `expect event RST s1`)")
    }
    let path = try parsePath(pathToken)
    guard words.count >= 2 else {
        throw Diagnostic(column: 1, "expect \(path): missing comparison (== != < <= > >=)")
    }
    guard let op = Comparison(rawValue: words[1].text) else {
        throw Diagnostic(column: 1, "expect \(path): \(quoted(words[1].text)) is not a comparison (== != < <= > >=)")
    }
    guard words.count >= 3 else { throw Diagnostic(column: 1, "expect \(path) \(op.rawValue): missing value") }
    let value = words[2...].map(\.text).joined(separator: " ")
    if op.isOrdering {
        guard path.kind == .number || path == .last || path.kindIsNumericResult else {
            throw Diagnostic(column: 1, "expect \(path): \(op.rawValue) orders numbers only; \(path) is not a number")
        }
        guard parseExpectedNumber(value, for: path) != nil else {
            throw Diagnostic(column: 1, "expect \(path) \(op.rawValue): \(quoted(value)) is not a number")
        }
    }
    return .value(path, op, value)
}

extension ExpectPath {
    /// `TN.result` can read a byte count too.
    var kindIsNumericResult: Bool { if case .thread(_, .result) = self { true } else { false } }
}

/// A number written for a path: digits, or for `t` a duration (`1s` = 1000).
public func parseExpectedNumber(_ value: String, for path: ExpectPath) -> Int? {
    if let n = parseNumber(Substring(value)) { return n }
    if path == .time, let span = try? parseDuration(Token(value, column: 1), label: "t") {
        return Int(span.milliseconds)
    }
    return nil
}

func parsePath(_ token: Token) throws(Diagnostic) -> ExpectPath {
    let word = token.folded
    let bad = Diagnostic(column: 1, "expect: unknown path \(quoted(token.text)); paths: \(ExpectPath.forms.joined(separator: ", "))")
    if word == "last" { return .last }
    if word == "t" { return .time }
    guard let dot = word.firstIndex(of: ".") else { throw bad }
    let object = Token(String(word[..<dot]), column: token.column)
    let field = String(word[word.index(after: dot)...])
    if let n = try NameKind.protocolInfo.parse(object) { _ = n; throw bad }
    if let n = try NameKind.operation.parse(object) {
        guard let f = ExpectPath.OperationField(rawValue: field) else { throw bad }
        return .operation(OperationID(rawValue: n), f)
    }
    if let n = try NameKind.handle.parse(object) {
        guard let f = ExpectPath.HandleField(rawValue: field) else { throw bad }
        return .handle(HandleID(rawValue: n), f)
    }
    if let n = try NameKind.socket.parse(object) {
        guard let f = ExpectPath.SocketField(rawValue: field) else { throw bad }
        return .socket(SocketID(rawValue: n), f)
    }
    if let n = try NameKind.thread.parse(object) {
        guard let f = ExpectPath.ThreadField(rawValue: field) else { throw bad }
        return .thread(ThreadID(rawValue: n), f)
    }
    if let n = try NameKind.process.parse(object) {
        guard let f = ExpectPath.ProcessField(rawValue: field) else { throw bad }
        return .process(ProcessID(rawValue: n), f)
    }
    throw bad
}
