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

/// What the grammar accepts after `tokens` (a whole command's words so far), inside nested
/// commands too (`on T2 close `, `whatif on T2 `). A provider call or a command that `whatif`
/// takes is offered as the names of the commands that can stand there.
public func wantedNext(after tokens: [Token]) -> [Wanted] {
    guard let head = tokens.first else {
        return commandCatalog.map { .keyword($0.name) }
    }
    let grammar = Grammar.shared
    guard let index = grammar.command(named: head.folded) else { return [] }
    // The word being typed is matched as a placeholder that no pattern accepts.
    let words = tokens + [Token("\u{0}", column: 0)]
    let (furthest, wanted) = withWords(words) { all in
        var matcher = Matcher(words: all.range(1..<all.endIndex), command: 0, grammar: grammar, collecting: true)
        for form in grammar.commandForms[index] {
            var values = ArgumentList()
            _ = matcher.match(grammar.forms[form], at: 1, &values)
        }
        return (matcher.furthest, matcher.wanted)
    }
    guard furthest == words.count - 1 else { return [] }
    return wanted.flatMap { wanted -> [Wanted] in
        switch wanted {
        case .call: commandCatalog.filter { $0.group == .provider }.map { .keyword($0.name) }
        case .command: commandCatalog.filter { $0.effect == .changesSession }.map { .keyword($0.name) }
        case .keyword, .name, .value, .rest, .path, .comparison, .end: [wanted]
        }
    }
}
