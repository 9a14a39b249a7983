/// What may come next in a line being typed: drives TAB completion from the same catalog.
public struct CompletionContext: Sendable {
    /// The words already complete (the current command piece only).
    public var tokens: [Token]
    /// The word being typed (may be empty).
    public var partial: String
}

/// Splits the text before the cursor into complete words and the partial one.
public func completionContext(_ lineBeforeCursor: String) -> CompletionContext {
    let piece = lineBeforeCursor.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    var tokens = splitLine(piece).first?.tokens ?? []
    var partial = ""
    if let last = piece.unicodeScalars.last, last != " " && last != "\t", !tokens.isEmpty {
        partial = tokens.removeLast().text
    }
    return CompletionContext(tokens: tokens, partial: partial)
}

/// What the grammar accepts after `tokens` (a whole command's words so far).
public func wantedNext(after tokens: [Token]) -> [Wanted] {
    guard let head = tokens.first else {
        return commandCatalog.map { .keyword($0.name) }
    }
    guard let spec = commandSpec(named: head.text) else { return [] }
    var args = Array(tokens.dropFirst())
    let sentinel = Token("\u{0}", column: 0)
    args.append(sentinel)
    var matcher = Matcher(tokens: args, collecting: true)
    for form in spec.forms {
        var values: [Argument] = []
        _ = matcher.match(form.patterns[...], at: 0, &values)
    }
    guard matcher.furthest == args.count - 1 else {
        // `on TN <call>`: complete inside the nested call.
        if spec.name == "on", tokens.count >= 3 { return wantedNext(after: Array(tokens.dropFirst(2))) }
        return []
    }
    if matcher.wanted.contains(.call) {
        return commandCatalog.filter { $0.group == .provider }.map { .keyword($0.name) }
    }
    return matcher.wanted
}
