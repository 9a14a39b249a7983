/// `text` safe to show on a terminal: control characters become escapes a reader can see, so a word
/// the user gave (a file name, a typed line) can never move the cursor, clear the screen or
/// change colours. C0 controls and DEL as `\x1B`, other control and format characters (C1, bidi
/// overrides, zero-width) as `\u{202e}`; a backslash stays as it is. The escapes are the ones
/// LabScript's `quoted()` uses, without its quotes and without cutting: for whole lines and paths.
public func escapingControlCharacters(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0..<0x20, 0x7F:
            let digits = Array("0123456789ABCDEF")
            out += "\\x" + String([digits[Int(scalar.value >> 4)], digits[Int(scalar.value & 15)]])
        default:
            if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F: true
    case 0x20..<0x7F: false
    default: scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
    }
}
