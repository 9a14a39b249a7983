@testable import LabScript
import Testing
import WinsockModel

/// The catalog against itself: lines generated from every form of every command parse, and each
/// command's script text parses back to the same command.
@Suite("Round trip")
struct RoundTripTests {
    /// Lines generated per form.
    static let samples = 60

    static let forms: [(spec: String, form: Int)] = commandCatalog.flatMap { spec in
        spec.forms.indices.map { (spec.name, $0) }
    }

    @Test("parse(command.scriptText) == command, for every form of the catalog", arguments: forms.indices)
    func scriptTextParsesBack(_ i: Int) throws {
        let (name, formIndex) = RoundTripTests.forms[i]
        let spec = try #require(commandSpec(named: name))
        var generator = LineGenerator(seed: UInt64(i + 1))
        var parsed = 0
        for _ in 0..<RoundTripTests.samples {
            let line = generator.line(spec, form: spec.forms[formIndex])
            let command: Command
            switch parseLine(line) {
            case .failure(let d):
                // Only the checks a builder makes on the whole command may refuse a line the
                // grammar produced (`socket stream dgram`, `on T2 cancel T3`).
                #expect(LineGenerator.refusals.contains { d.message.contains($0) }, "\(line): \(d.message)")
                continue
            case .success(let c):
                command = c
            }
            parsed += 1
            roundTrip(command, from: line)
            if case .call = command {
                let expecting = line + " => " + generator.expectedResult()
                guard case .success(let withResult) = parseLine(expecting) else {
                    Issue.record("\(expecting) does not parse")
                    continue
                }
                roundTrip(withResult, from: expecting)
            }
        }
        #expect(parsed >= RoundTripTests.samples / 2, "\(spec.usage[formIndex]): only \(parsed) generated lines parsed")
    }

    func roundTrip(_ command: Command, from line: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let text = command.scriptText
        switch parseLine(text) {
        case .success(let again):
            #expect(again == command, "\(line) → \(text) → \(again)", sourceLocation: sourceLocation)
        case .failure(let d):
            Issue.record("\(line) → \(text): \(d.message)", sourceLocation: sourceLocation)
        }
    }

    func parseLine(_ line: String) -> Result<Command, Diagnostic> {
        let pieces = splitLine(line)
        guard pieces.count == 1 else { return .failure(Diagnostic(column: 0, "\(pieces.count) pieces")) }
        return parseCommand(pieces[0])
    }

    /// What `Arguments` finds by kind, each form has at most once (so `a.handle` cannot mean two
    /// things), and a flags pattern fits the bit mask.
    @Test func everyFormCanBeReadByKind() {
        for spec in commandCatalog {
            for (form, usage) in zip(spec.forms, spec.usage) {
                var seen: [String] = []
                for pattern in form.patterns {
                    var p = pattern
                    if case .optional(let inner) = pattern { p = inner }
                    let key: String? = switch p {
                    case .word: nil
                    case .choice: "choice"
                    case .name(let kind): kind.rawValue
                    case .number(let label, _): "number \(label)"
                    case .duration: "duration"
                    case .optional: "optional inside optional"
                    case .flags(let words): words.count <= 64 ? "flags" : "more than 64 flags"
                    case .rest: "rest"
                    case .event: "event"
                    case .path: "path"
                    case .comparison: "comparison"
                    case .expectedValue: "value"
                    case .call: "call"
                    case .command: "command"
                    }
                    guard let key else { continue }
                    #expect(!seen.contains(key) && !key.hasPrefix("more") && !key.hasPrefix("optional inside"), "\(usage): \(key)")
                    seen.append(key)
                }
            }
        }
    }

    /// Three forms of a command of no catalog, for arguments made by hand.
    static let handMade = Grammar([CommandSpec(
        name: "test", aliases: [], group: .session, effect: .changesNothing,
        forms: [[.name(.handle)], [.optional(.name(.thread))], [.choice(["on", "off"])]].map { patterns in
            command(patterns) { _ in .explain }
        },
        summary: "", details: "")])

    static func arguments(form: Int, _ values: [Argument]) -> Arguments {
        Arguments(grammar: handMade, form: form, values: ArgumentList(values), words: nil, nested: nil, commandColumn: 1)
    }

    @Test func askingAFormForWhatItLacksStops() async {
        #expect(RoundTripTests.arguments(form: 0, [.name(1)]).handle == HandleID(rawValue: 1))
        #expect(RoundTripTests.arguments(form: 1, [.name(2)]).optional.thread == ThreadID(rawValue: 2))
        #expect(RoundTripTests.arguments(form: 2, [.choice(0)]).keyword(is: "on"))
        await #expect(processExitsWith: .failure) {
            _ = RoundTripTests.arguments(form: 0, [.name(1)]).socket
        }
        await #expect(processExitsWith: .failure) {
            _ = RoundTripTests.arguments(form: 1, [.name(2)]).thread // optional in the form: only `optional.thread` may read it
        }
        await #expect(processExitsWith: .failure) {
            _ = RoundTripTests.arguments(form: 2, [.choice(0)]).keyword(is: "yes")
        }
    }

    /// Every form fits the matcher's inline values.
    @Test func everyFormFitsTheInlineValues() {
        for spec in commandCatalog {
            for (form, usage) in zip(spec.forms, spec.usage) {
                #expect(form.patterns.count <= ArgumentList.capacity, "\(usage)")
            }
        }
    }
}

/// Lines made from a form's patterns with random values: names and numbers including the bounds
/// of their ranges, durations in every unit, flags in any order, keywords in any case.
struct LineGenerator {
    var rng: SplitMix64
    /// The path and comparison generated last, so that an expected value after an ordering
    /// comparison is a number.
    var path: ExpectPath? = nil
    var comparison: Comparison? = nil

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// Messages of the checks builders make on a whole command.
    static let refusals = ["choose stream or dgram", "cannot name"]

    mutating func line(_ spec: CommandSpec, form: Form) -> String {
        ([cased(([spec.name] + spec.aliases).randomElement(using: &rng)!)] + words(form.patterns)).joined(separator: " ")
    }

    mutating func words(_ patterns: [Pattern]) -> [String] {
        patterns.flatMap { words($0) }
    }

    mutating func words(_ pattern: Pattern) -> [String] {
        switch pattern {
        case .word(let w): return [cased(w)]
        case .choice(let ws): return [cased(ws.randomElement(using: &rng)!)]
        case .name(let kind): return [cased(kind.prefix) + String(nameNumber())]
        case .number(_, let range): return [String(number(in: range))]
        case .duration: return [duration()]
        case .optional(let p): return Bool.random(using: &rng) ? words(p) : []
        case .flags(let ws): return ws.shuffled(using: &rng).filter { _ in Bool.random(using: &rng) }.map { cased($0) }
        case .rest: return pick(["x", "before close", "a.lab", "Linger-Table", "R12", "out.pcap", "two  spaces"])
        case .event: return pick(["RST s1", "WAKE T1 WSPCloseSocket = 0", "TX s2 4096", "abort OP1 WSA_OPERATION_ABORTED"])
        case .path:
            let p = expectPath()
            path = p
            return [cased(p.description)]
        case .comparison:
            // Ordering only where the path can read a number (else the line is rightly refused).
            let c = Comparison.allCases.filter { !$0.isOrdering || path?.mayReadNumber == true }.randomElement(using: &rng)!
            comparison = c
            return [c.rawValue]
        case .expectedValue:
            if comparison?.isOrdering == true {
                return [path == .time && Bool.random(using: &rng) ? duration() : String(number(in: 0...maximumNumber))]
            }
            return pick(["on 5s", "WSAEWOULDBLOCK", "closed", "1", "TRUE", "none"])
        case .call:
            return nested { $0.group == .provider }
        case .command:
            return nested { $0.effect == .changesSession }
        }
    }

    /// A command of the catalog that `allowed` accepts, with one of its forms.
    mutating func nested(_ allowed: (CommandSpec) -> Bool) -> [String] {
        let spec = commandCatalog.filter(allowed).randomElement(using: &rng)!
        return [line(spec, form: spec.forms.randomElement(using: &rng)!)]
    }

    mutating func expectedResult() -> String {
        pick(["0", "WSAEWOULDBLOCK", "blocked", "on 5s", "h3", "TRUE"]).joined(separator: " ")
    }

    mutating func pick(_ choices: [String]) -> [String] {
        choices.randomElement(using: &rng)!.split(separator: " ").map(String.init)
    }

    /// The word as written, lowercased or uppercased.
    mutating func cased(_ word: String) -> String {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: word
        case 1: word.lowercased()
        default: word.uppercased()
        }
    }

    /// A number in `range`: often one of its bounds.
    mutating func number(in range: ClosedRange<Int>) -> Int {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: range.lowerBound
        case 1: range.upperBound
        default: Int.random(in: range, using: &rng)
        }
    }

    mutating func nameNumber() -> Int { number(in: 0...Int(Int32.max)) }

    /// A duration in ms, s or m, from 0 to the longest the language accepts.
    mutating func duration() -> String {
        let (unit, perUnit): (String, Int64) = [("ms", 1), ("s", 1000), ("m", 60_000)].randomElement(using: &rng)!
        return String(number(in: 0...Int(Span.maximumMilliseconds / perUnit))) + cased(unit)
    }

    mutating func expectPath() -> ExpectPath {
        let kinds: [NameKind?] = [nil] + ExpectPath.objectKinds
        guard let kind = kinds.randomElement(using: &rng)! else { return Bool.random(using: &rng) ? .last : .time }
        let field = ExpectPath.fields(of: kind).randomElement(using: &rng)!
        return ExpectPath(kind, nameNumber(), field: field)!
    }
}

/// A small seeded generator, so that a failing line can be made again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
