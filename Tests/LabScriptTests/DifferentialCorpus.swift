import Foundation
@testable import LabScript
import WinsockModel

/// The lines of the differential record (`DifferentialTests`), made when recording: deterministic
/// for a given repository, and kept in the record itself, so the check never reads them again.
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func lines() -> [[UInt8]] {
        var seen = Set<[UInt8]>()
        var lines: [[UInt8]] = []
        func add(_ line: [UInt8]) { if seen.insert(line).inserted { lines.append(line) } }

        var bases = ParserTests.valid.map(\.0) + ParserTests.invalid.map(\.0) + scriptLines() + generated() + edgeCases
        bases = bases.filter { seen.insert(Array($0.utf8)).inserted }
        seen.removeAll()
        for base in bases { add(Array(base.utf8)) }

        var rng = SplitMix64(seed: 18)
        for base in bases { add(mutate(Array(base.utf8), &rng)) }
        for base in bases where base.utf8.count < 30 { add(mutate(mutate(Array(base.utf8), &rng), &rng)) }
        for _ in 0..<400 { add((0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        for _ in 0..<400 {
            let printable = Array(" \t;#=>.-_0123456789hHsSpPtTiIoO".utf8)
            add((0..<Int(rng.next() % 24)).map { _ in printable[Int(rng.next() % UInt64(printable.count))] })
        }
        return lines
    }

    /// Every line of the repository's scripts, lessons and kernel suite.
    static func scriptLines() -> [String] {
        var out: [String] = []
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var files: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.path.contains("/.build") { enumerator?.skipDescendants(); continue }
            if url.pathExtension == "lab" { files.append(url) }
        }
        for file in files.sorted(by: { $0.path < $1.path }) {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            // Comment lines are many and alike: the edge cases hold enough of them.
            out += text.split(separator: "\n").map(String.init).filter { !$0.drop { $0 == " " }.hasPrefix("#") }
        }
        return out
    }

    /// Lines made from every form of the catalog, with and without an inline result.
    static func generated() -> [String] {
        var out: [String] = []
        var generator = LineGenerator(seed: 1818)
        for spec in commandCatalog {
            for form in spec.forms {
                for _ in 0..<6 {
                    let line = generator.line(spec, form: form)
                    out.append(line)
                    out.append(line + " => " + generator.expectedResult())
                }
            }
        }
        return out
    }

    /// Where a byte parser could differ: delimiters, case, Unicode, words cut in messages.
    static let edgeCases: [String] = [
        "", " ", "\t", ";", ";;", "#", "# c", "socket#c", "socket;#c", "socket ; ; connect h1", " ;socket;", "\u{0B}socket\u{0C}",
        "close h1=>0", "close h1 =>0", "close h1=> 0", "close h1 ==> 0", "close h1 => 0 => 1", "close h1 =>", "=>", "=> 0",
        "=>=>", "close h1 =>=> 0", "close h1 => a  b\tc", "process new=>0", "close h1=>0;close h2=>WSAEWOULDBLOCK",
        "SOC\u{212A}ET", "soc\u{212A}et dgram", "close H1", "CLOSE h\u{130}", "clos\u{E9} h1", "close h1\u{301}",
        "close é", "ĆLOSE h1", "advance 5\u{212A}", "advance 5ŝ", "advance 5É", "expect H1.STATE == closed",
        "expect h1.\u{212A} == 1", "expect \u{130}1.state == 1", "expect é1.state == 1", "send h1 １２", "send h1 12é",
        "help ĆLOSE", "source ñ.lab", "snapshot 日本", "lesson 🙂", "expect event RST s1 🙂", "close 🙂🙂🙂",
        "close " + String(repeating: "x", count: 60), "close " + String(repeating: "é", count: 45),
        "frobnicate" + String(repeating: "z", count: 50), "send h1 " + String(repeating: "9", count: 30),
        "close h0", "close h2147483647", "close h2147483648", "close h99999999999999999999", "close hx", "close h-1",
        "close h01", "close h", "close pi1", "socket from PI3", "socket from pi", "expect OP1.status == done",
        "expect op99999999999.status == x", "expect pi99999999999.x == 1", "expect p1.startup == 0",
        "expect t == 1s", "expect t >= 1s", "expect t < 5m", "expect t > 1.5s", "expect last > -1",
        "expect h1.refcount >= 9007199254740993", "expect h1.state", "expect h1.state ==  ", "expect no event",
        "advance 0ms", "advance 00001s", "advance ms", "advance 1", "advance 1ms2", "advance 1mss", "advance 1M",
        "advance 1,5s", "advance 9007199254740993ms", "advance 9007199254740992ms", "set net latency 1x",
        "socket dgram dgram", "socket STREAM Overlapped NONBLOCKING", "socket from", "setsockopt h1 SO_DONTLINGER TRUE",
        "setsockopt h1 so_dontlinger yes", "getsockopt h1 so_sndbuf", "getsockopt h1 SO_RCVBUF", "shutdown h1 SD_BOTH",
        "shutdown h1 9007199254740992", "shutdown h1 -1", "ioctl h1 FIONBIO 2", "on t2 on t3 close h1", "on T2",
        "on T2 WSPCloseSocket h1 => 0", "whatif on T2 cancel T2", "whatif whatif", "whatif process new", "whatif set rows 5",
        "whatif peer s1 send 0", "whatif advance", "whatif expect t == 0", "? close", "?", "exit", "EXIT", "help R999",
        "trace --pcap", "trace s1 --pcap", "trace --PCAP a b", "trace s1 s2", "trace --pcap a;b", "lesson stop now",
        "set tables CHANGED", "set backend linux", "set profile REACTOS", "set provider nonifs", "set net rate 0",
        "peer s1 read 0", "peer s1 send 0", "peer s1 window", "thread new P0", "process exit", "use h1", "use",
        "expect event", "expect no event RST", "expect no events RST", "expect h1.refcount != 1", "expect s1.peer.fin == TRUE",
        "expect s1.peer.Fin == 1", "expect s1.peer == 1", "expect s1.peer.fin.x == 1", "expect h1..state == 1",
        "expect .state == 1", "expect h1. == 1", "expect h1.refcount=1", "expect h1.refcount==1",
    ]

    /// One random change: a byte replaced, dropped or added, a word repeated, a delimiter inserted.
    static func mutate(_ line: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = line
        let junk: [UInt8] = [0, 0x1B, 0x7F, 0xFF, 0xC3, 0xE2, 0x80, 0x3B, 0x23, 0x3D, 0x3E, 0x20, 0x39, 0x09, 0x2E]
        let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 9 {
        case 0 where !bytes.isEmpty: bytes[position] = junk[Int(rng.next() % UInt64(junk.count))]
        case 1 where !bytes.isEmpty: bytes.remove(at: position)
        case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
        case 3: bytes.insert(contentsOf: Array(String(rng.next() % 100_000).utf8), at: position)
        case 4: bytes.insert(contentsOf: Array(["=>", ";", "#", " ", "==", ".", "é", "\u{212A}"][Int(rng.next() % 8)].utf8), at: position)
        case 5 where !bytes.isEmpty:
            let b = bytes[position]
            if b >= 0x41 && b <= 0x5A { bytes[position] = b + 32 } else if b >= 0x61 && b <= 0x7A { bytes[position] = b - 32 }
        case 6: bytes += Array(" ".utf8) + bytes
        case 7: bytes.insert(contentsOf: Array("99999999999999999999".utf8), at: position)
        default: bytes = Array(bytes.prefix(position))
        }
        return bytes
    }
}
