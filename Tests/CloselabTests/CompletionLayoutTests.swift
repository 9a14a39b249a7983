import LabRendering
import Testing
@testable import closelab

/// The completion list's layout, as plain functions: what TAB inserts and how the candidates are
/// listed, with no terminal and no libedit.
@Suite("Completion layout")
struct CompletionLayoutTests {
    @Test("The word being completed is what follows the last blank", arguments: [
        ("", ""), ("soc", "soc"), ("close h", "h"), ("close ", ""), ("on T1\tsen", "sen"),
        ("expect h1.", "h1."), ("a  b", "b"),
    ])
    func lastWord(text: String, word: String) {
        #expect(CompletionLayout.lastWord(of: text) == word)
    }

    @Test("The common prefix of the candidates")
    func commonPrefix() {
        #expect(CompletionLayout.commonPrefix(of: []) == "")
        #expect(CompletionLayout.commonPrefix(of: ["socket"]) == "socket")
        #expect(CompletionLayout.commonPrefix(of: ["send", "setsockopt", "set"]) == "se")
        #expect(CompletionLayout.commonPrefix(of: ["set", "setsockopt"]) == "set")
        #expect(CompletionLayout.commonPrefix(of: ["close", "connect", "cancel", "cleanup"]) == "c")
        #expect(CompletionLayout.commonPrefix(of: ["help", "undo"]) == "")
        // By Unicode scalar: "é" and "e\u{301}" share only "caf".
        #expect(CompletionLayout.commonPrefix(of: ["café", "cafe\u{301}"]) == "caf")
    }

    @Test("Candidates once each, in order, without empty ones")
    func distinct() {
        #expect(CompletionLayout.distinct(["h1", "", "h2", "h1", "h3", "h2"]) == ["h1", "h2", "h3"])
        #expect(CompletionLayout.distinct([]) == [])
    }

    @Test("A unique candidate is followed by a space, a path prefix is not")
    func insertion() {
        #expect(CompletionLayout.insertion(forUnique: "socket") == "socket ")
        #expect(CompletionLayout.insertion(forUnique: "h1.") == "h1.")
    }

    @Test("As many columns as fit, at least one, never more than the words")
    func grid() {
        // Each column is the widest word plus two: 8 + 2 = 10.
        let words = ["shutdown", "send", "set", "socket", "startup"]
        #expect(CompletionLayout.grid(words, width: 80) == (5, 1))
        #expect(CompletionLayout.grid(words, width: 30) == (3, 2))
        #expect(CompletionLayout.grid(words, width: 19) == (1, 5))
        #expect(CompletionLayout.grid(words, width: 5) == (1, 5))
        #expect(CompletionLayout.grid(words, width: 0) == (1, 5))
        #expect(CompletionLayout.grid([], width: 80) == (0, 0))
    }

    @Test("Ordered down the columns, padded between them, no trailing blanks")
    func columns() {
        let words = ["a1", "b22", "c3", "d4", "e5"]
        // Column width 3 + 2 = 5; 12 columns wide holds 2 columns, so 3 rows.
        #expect(CompletionLayout.columns(words, width: 12) == """

            a1   d4
            b22  e5
            c3

            """)
        #expect(CompletionLayout.columns(words, width: 80) == "\na1   b22  c3   d4   e5\n")
        #expect(CompletionLayout.columns(["only"], width: 2) == "\nonly\n")
    }

    @Test("A listed candidate shows its control characters escaped")
    func escapedCandidates() {
        let shown = ["snap\u{1B}[2J", "plain"].map(escapingControlCharacters)
        #expect(shown == ["snap\\x1B[2J", "plain"])
        #expect(!CompletionLayout.columns(shown, width: 80).unicodeScalars.contains { $0.value == 0x1B })
        #expect(escapingControlCharacters("a\u{7F}b\u{202E}c\u{85}") == "a\\x7Fb\\u{202e}c\\u{85}")
        #expect(escapingControlCharacters("tab\there") == "tab\\x09here")
        #expect(escapingControlCharacters("café ✓") == "café ✓")
    }
}
