import Foundation
@testable import LabScript
import Testing
import WinsockModel

/// The parser against a record of what it did before: every line of `Differential/lines.txt`
/// (the parser tests' tables, every line of the repository's scripts and lessons, lines generated
/// from every form of the catalog, seeded mutations of all of these, random bytes, and Unicode and
/// delimiter edge cases) must give exactly the recorded pieces, columns, commands and messages.
///
/// The record was made with the word-by-word parser that read `Token` strings; the byte parser that
/// replaced it on the hot path must not change a column or a message. `RECORD=1 swift test --filter
/// DifferentialTests` writes the record anew from the current parser, and fails, so that a new
/// record is a reviewed change.
@Suite("Differential")
struct DifferentialTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Differential")
    static let record = directory.appendingPathComponent("lines.txt")

    @Test("every recorded line parses as it did, straight from its bytes (the session's path)")
    func bytesAsRecorded() throws {
        try compare(DifferentialTests.viaBytes)
    }

    @Test("every recorded line parses as it did, through the words of `splitLine` (completion, compare)")
    func piecesAsRecorded() throws {
        try compare(DifferentialTests.viaPieces)
    }

    /// What the record cannot hold: a line over the limit, and lines around it, the same both ways.
    @Test func longLinesTheSameBothWays() {
        for count in [maximumLineBytes - 1, maximumLineBytes, maximumLineBytes + 1] {
            let line = Array("source ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: count - 7)
            #expect(DifferentialTests.viaBytes(line) == DifferentialTests.viaPieces(line), "\(count) bytes")
        }
        guard case .failure(let d) = parseLine([UInt8](repeating: 0x61, count: maximumLineBytes + 1)[...]) else {
            Issue.record("a line over the limit parsed")
            return
        }
        #expect(d.column == 1 && d.message.hasPrefix("line too long"))
    }

    /// Compares `parse` with the record: each line's rendering must be the recorded one.
    func compare(_ parse: ([UInt8]) -> [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["RECORD"] != nil {
            try DifferentialTests.write()
            Issue.record("recorded \(DifferentialTests.record.path); run again without RECORD", sourceLocation: sourceLocation)
            return
        }
        let entries = try DifferentialTests.read()
        #expect(entries.count > 4_000, "the record has \(entries.count) lines", sourceLocation: sourceLocation)
        var mismatches: [String] = []
        for (input, expected) in entries {
            let got = parse(input)
            if got != expected {
                mismatches.append("\(Transcript.escape(input, raw: true)):\n  recorded \(expected)\n  now      \(got)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) lines differ; the first:\n\(mismatches.prefix(8).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
    }

    /// What the session does with a line of bytes: `parseLine`.
    static func viaBytes(_ bytes: [UInt8]) -> [String] {
        switch parseLine(bytes[...]) {
        case .failure(let d): return [Transcript.line(d)]
        case .success(let commands): return commands.map { Transcript.piece(column: $0.column, text: $0.text, $0.parsed) }
        }
    }

    /// What the session did with a line of bytes before the byte parser: decode it, split it into
    /// pieces of words, and parse each piece.
    static func viaPieces(_ bytes: [UInt8]) -> [String] {
        switch decodeLine(bytes[...]) {
        case .failure(let d): return [Transcript.line(d)]
        case .success(let text):
            return splitLine(text).map { piece in Transcript.piece(column: piece.tokens[0].column, text: piece.text, parseCommand(piece)) }
        }
    }

    static func read() throws -> [([UInt8], [String])] {
        let bytes = try [UInt8](Data(contentsOf: record))
        var entries: [([UInt8], [String])] = []
        for line in bytes.split(separator: 10, omittingEmptySubsequences: false) where !line.isEmpty {
            if line.first == UInt8(ascii: ">") {
                entries.append((Transcript.unescape(line.dropFirst(2)), []))
            } else {
                entries[entries.count - 1].1.append(String(decoding: line, as: UTF8.self))
            }
        }
        return entries
    }

    static func write() throws {
        var out = ""
        for input in Corpus.lines() {
            out += "> " + Transcript.escape(input, raw: true) + "\n"
            for rendered in viaPieces(input) { out += rendered + "\n" }
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(out.utf8).write(to: record)
    }
}

/// How a parsed line is written in the record: one line per piece, fields apart by tabs, control
/// characters and backslashes escaped.
enum Transcript {
    static func piece(column: Int, text: String, _ parsed: Result<Command, Diagnostic>) -> String {
        switch parsed {
        case .success(let command): "= \(column)\t\(escape(text))\t\(escape(command.scriptText))"
        case .failure(let d): "! \(column)\t\(escape(text))\t\(d.column)\t\(escape(d.message))"
        }
    }

    static func line(_ d: Diagnostic) -> String { "x \(d.column)\t\(escape(d.message))" }

    static func escape(_ text: String) -> String { escape(Array(text.utf8), raw: false) }

    /// `raw`: any bytes (a line as read), so non-ASCII is escaped too; otherwise valid UTF-8 is kept.
    static func escape(_ bytes: [UInt8], raw: Bool) -> String {
        var out: [UInt8] = []
        for b in bytes {
            if b < 0x20 || b == 0x7F || b == UInt8(ascii: "\\") || (raw && b >= 0x80) {
                out += Array(String(format: "\\x%02X", b).utf8)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unescape(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == UInt8(ascii: "\\"), i + 3 < text.endIndex, text[i + 1] == UInt8(ascii: "x"),
               let b = UInt8(String(decoding: text[(i + 2)..<(i + 4)], as: UTF8.self), radix: 16) {
                out.append(b)
                i += 4
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }
}
