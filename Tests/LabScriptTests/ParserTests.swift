@testable import LabScript
import Testing
import WinsockModel

/// Parsing: every command and alias, with source locations and one-line diagnostics.
@Suite("Parser")
struct ParserTests {
    /// The line's last command (its columns count from the start of the line).
    func parse(_ line: String) -> Result<Command, Diagnostic> {
        guard let piece = splitLine(line).last else { return .failure(Diagnostic(column: 0, "empty")) }
        return parseCommand(piece)
    }

    func command(_ line: String) -> Command? {
        if case .success(let c) = parse(line) { return c }
        return nil
    }

    static let h1 = HandleID(rawValue: 1)

    static let valid: [(String, Command)] = [
        ("socket", .call(.socket(.stream, nonblocking: false), thread: nil, expected: nil)),
        ("socket dgram", .call(.socket(.dgram, nonblocking: false), thread: nil, expected: nil)),
        ("socket nonblocking overlapped stream", .call(.socket(.stream, nonblocking: true), thread: nil, expected: nil)),
        ("WSASocket dgram nonblocking", .call(.socket(.dgram, nonblocking: true), thread: nil, expected: nil)),
        ("socket from pi2", .call(.socketFromProtocolInfo(ProtocolInfoID(rawValue: 2)), thread: nil, expected: nil)),
        ("connect h1", .call(.connect(h1), thread: nil, expected: nil)),
        ("WSPConnect H1", .call(.connect(h1), thread: nil, expected: nil)),
        ("setsockopt h1 SO_LINGER 1 5", .call(.setLinger(h1, onoff: 1, seconds: 5), thread: nil, expected: nil)),
        ("setsockopt h1 so_linger 65535 65535", .call(.setLinger(h1, onoff: 65535, seconds: 65535), thread: nil, expected: nil)),
        ("WSPSetSockOpt h1 SO_DONTLINGER 1", .call(.setDontLinger(h1, true), thread: nil, expected: nil)),
        ("setsockopt h1 SO_DONTLINGER 0", .call(.setDontLinger(h1, false), thread: nil, expected: nil)),
        ("getsockopt h1 SO_LINGER", .call(.getSockOpt(h1, .linger), thread: nil, expected: nil)),
        ("getsockopt h1 SO_DONTLINGER", .call(.getSockOpt(h1, .dontLinger), thread: nil, expected: nil)),
        ("WSPGetSockOpt h1 SO_SNDBUF", .call(.getSockOpt(h1, .sendBuffer), thread: nil, expected: nil)),
        ("ioctl h1 FIONBIO 1", .call(.setNonblocking(h1, true), thread: nil, expected: nil)),
        ("ioctlsocket h1 fionbio 0", .call(.setNonblocking(h1, false), thread: nil, expected: nil)),
        ("WSPIoctl h1 FIONBIO 1", .call(.setNonblocking(h1, true), thread: nil, expected: nil)),
        ("send h1 3000", .call(.send(h1, bytes: 3000, overlapped: false), thread: nil, expected: nil)),
        ("WSASend h1 0 overlapped", .call(.send(h1, bytes: 0, overlapped: true), thread: nil, expected: nil)),
        ("recv h1 100 overlapped", .call(.recv(h1, bytes: 100, overlapped: true), thread: nil, expected: nil)),
        ("WSPRecv h1 1", .call(.recv(h1, bytes: 1, overlapped: false), thread: nil, expected: nil)),
        ("shutdown h1 send", .call(.shutdown(h1, how: 1), thread: nil, expected: nil)),
        ("shutdown h1 receive", .call(.shutdown(h1, how: 0), thread: nil, expected: nil)),
        ("shutdown h1 both", .call(.shutdown(h1, how: 2), thread: nil, expected: nil)),
        ("WSPShutdown h1 7", .call(.shutdown(h1, how: 7), thread: nil, expected: nil)),
        ("close h1", .call(.close(h1), thread: nil, expected: nil)),
        ("closesocket h1", .call(.close(h1), thread: nil, expected: nil)),
        ("WSPCloseSocket h99", .call(.close(HandleID(rawValue: 99)), thread: nil, expected: nil)),
        ("duplicate h1 P2", .call(.duplicate(h1, ProcessID(rawValue: 2)), thread: nil, expected: nil)),
        ("WSADuplicateSocket h1 p2", .call(.duplicate(h1, ProcessID(rawValue: 2)), thread: nil, expected: nil)),
        ("startup", .call(.startup, thread: nil, expected: nil)),
        ("WSAStartup", .call(.startup, thread: nil, expected: nil)),
        ("cleanup", .call(.cleanup, thread: nil, expected: nil)),
        ("WSPCleanup", .call(.cleanup, thread: nil, expected: nil)),
        ("cancel", .call(.cancelBlockingCall, thread: nil, expected: nil)),
        ("cancel T2", .call(.cancelBlockingCall, thread: ThreadID(rawValue: 2), expected: nil)),
        ("WSACancelBlockingCall t3", .call(.cancelBlockingCall, thread: ThreadID(rawValue: 3), expected: nil)),
        ("on T2 close h1", .call(.close(h1), thread: ThreadID(rawValue: 2), expected: nil)),
        ("on T2 cancel", .call(.cancelBlockingCall, thread: ThreadID(rawValue: 2), expected: nil)),
        ("close h1 => WSAEWOULDBLOCK", .call(.close(h1), thread: nil, expected: InlineExpectation(value: "WSAEWOULDBLOCK"))),
        ("send h1 1099511627776", .call(.send(h1, bytes: 1 << 40, overlapped: false), thread: nil, expected: nil)),
        ("advance 52560000m", .advance(.milliseconds(3_153_600_000_000))),
        ("set rows 9007199254740992", .set(.rows(1 << 53))),
        ("expect h1.recvq >= 1", .expect(.value(.handle(h1, .recvq), .greaterOrEqual, "1"))),
        ("expect s2.recvq == 0", .expect(.value(.socket(SocketID(rawValue: 2), .recvq), .equal, "0"))),
        ("expect last >= 5", .expect(.value(.last, .greaterOrEqual, "5"))),
        ("close h1=>0", .call(.close(h1), thread: nil, expected: InlineExpectation(value: "0"))),
        ("on T2 recv h1 5 => blocked", .call(.recv(h1, bytes: 5, overlapped: false), thread: ThreadID(rawValue: 2),
                                            expected: InlineExpectation(value: "blocked"))),
        ("process new", .processNew),
        ("process exit P2", .processExit(ProcessID(rawValue: 2))),
        ("thread new", .threadNew(nil)),
        ("thread new P2", .threadNew(ProcessID(rawValue: 2))),
        ("use P2", .useProcess(ProcessID(rawValue: 2))),
        ("use T3", .useThread(ThreadID(rawValue: 3))),
        ("peer s1 read", .peer(SocketID(rawValue: 1), .read(nil))),
        ("peer s1 read 10", .peer(SocketID(rawValue: 1), .read(10))),
        ("peer s1 send 10", .peer(SocketID(rawValue: 1), .send(10))),
        ("peer s1 close", .peer(SocketID(rawValue: 1), .close)),
        ("peer s1 reset", .peer(SocketID(rawValue: 1), .reset)),
        ("peer s1 window 0", .peer(SocketID(rawValue: 1), .window(0))),
        ("advance 250ms", .advance(.milliseconds(250))),
        ("advance 2s", .advance(.seconds(2))),
        ("advance 1m", .advance(.milliseconds(60_000))),
        ("set provider ifs", .set(.model(.provider(.ifs)))),
        ("set net rate 1000", .set(.model(.netRate(1000)))),
        ("set net latency 5ms", .set(.model(.netLatency(.milliseconds(5))))),
        ("set network down", .set(.model(.network(up: false)))),
        ("set sndbuf 100", .set(.model(.sendBuffer(100)))),
        ("set window 0", .set(.model(.window(0)))),
        ("set graceful-timeout 2s", .set(.model(.gracefulTimeout(.seconds(2))))),
        ("set timewait 1s", .set(.model(.timeWait(.seconds(1))))),
        ("set reuse on", .set(.model(.reuse(true)))),
        ("set rows 5", .set(.rows(5))),
        ("set profile windows", .set(.model(.profile(.windows)))),
        ("set diff on", .set(.diff(true))),
        ("show", .show(.handles)),
        ("show ops", .show(.ops)),
        ("show all", .show(.all)),
        ("format json", .format(.json)),
        ("expect h1.linger == on 5s", .expect(.value(.handle(h1, .linger), .equal, "on 5s"))),
        ("expect last == WSAEWOULDBLOCK", .expect(.value(.last, .equal, "WSAEWOULDBLOCK"))),
        ("expect s1.peer.error == WSAECONNRESET", .expect(.value(.socket(SocketID(rawValue: 1), .peerError), .equal, "WSAECONNRESET"))),
        ("expect t >= 100", .expect(.value(.time, .greaterOrEqual, "100"))),
        ("expect T1.state == blocked", .expect(.value(.thread(ThreadID(rawValue: 1), .state), .equal, "blocked"))),
        ("expect op2.notified == 1", .expect(.value(.operation(OperationID(rawValue: 2), .notified), .equal, "1"))),
        ("expect P1.startup == 0", .expect(.value(.process(ProcessID(rawValue: 1), .startup), .equal, "0"))),
        ("expect event RST s1", .expect(.event("RST s1", present: true))),
        ("expect no event WPUCloseSocketHandle h1", .expect(.event("WPUCloseSocketHandle h1", present: false))),
        ("explain", .explain),
        ("source more.lab", .source("more.lab")),
        ("help", .help(nil)),
        ("help R12", .help("R12")),
        ("reset", .reset),
        ("quit", .quit),
        ("trace", .trace(nil, pcap: nil)),
        ("trace s1", .trace(SocketID(rawValue: 1), pcap: nil)),
        ("trace --pcap out.pcap", .trace(nil, pcap: "out.pcap")),
        ("trace s2 --pcap out.pcap", .trace(SocketID(rawValue: 2), pcap: "out.pcap")),
        ("lesson", .lesson(.list)),
        ("lesson linger-table", .lesson(.start("linger-table"))),
        ("lesson stop", .lesson(.stop)),
        ("undo", .undo),
        ("snapshot before close", .snapshot("before close")),
        ("restore before close", .restore("before close")),
        ("whatif close h1", .whatif(.call(.close(h1), thread: nil, expected: nil))),
        ("whatif on T2 recv h1 5", .whatif(.call(.recv(h1, bytes: 5, overlapped: false), thread: ThreadID(rawValue: 2), expected: nil))),
        ("whatif advance 1s", .whatif(.advance(.seconds(1)))),
        ("record session.lab", .record("session.lab")),
        ("compare", .compare),
    ]

    @Test("valid commands parse", arguments: valid.indices)
    func parsesValid(_ i: Int) {
        let (line, expected) = ParserTests.valid[i]
        switch parse(line) {
        case .success(let c): #expect(c == expected, "\(line)")
        case .failure(let d): Issue.record("\(line): \(d.message)")
        }
    }

    /// (line, column of the bad word, a phrase the message must contain)
    static let invalid: [(String, Int, String)] = [
        ("sokcet", 1, "unknown command 'sokcet' (did you mean `socket`?)"),
        ("  frobnicate h1", 3, "unknown command 'frobnicate'"),
        ("close", 6, "close: missing a handle (hN)"),
        ("close s1", 7, "expected a handle (hN), got 's1'"),
        ("close h1 h2", 10, "unexpected 'h2'"),
        ("setsockopt h1 SO_LINGER 1 70000", 27, "'70000' is out of range for <seconds> (0–65535)"),
        ("setsockopt h1 SO_LINGER 65536 1", 25, "'65536' is out of range for <onoff>"),
        ("setsockopt h1 SO_LINGR 1 0", 15, "expected SO_LINGER or SO_DONTLINGER, got 'SO_LINGR'"),
        ("send h1 99999999999999999999", 9, "number too large"),
        ("send h1 -5", 9, "<bytes> (a number)"),
        ("advance 100", 9, "a duration needs a unit"),
        ("advance 5h", 9, "unknown unit 'h'"),
        ("advance 1.5s", 9, "is not a duration"),
        ("set colour on", 5, "got 'colour'"),
        ("socket stream dgram", 1, "choose stream or dgram"),
        ("socket stream stream", 15, "given twice"),
        ("expect h1.flavour == 1", 8, "unknown path 'h1.flavour'"),
        ("expect h1.state < 3", 17, "orders numbers only"),
        ("expect h1.refcount", 19, "missing comparison"),
        ("expect h1.refcount ~ 1", 20, "is not a comparison"),
        ("expect event", 13, "missing the event"),
        ("process new => 0", 13, "=> follows a provider call"),
        ("close h1 =>", 10, "=> needs the expected result"),
        ("on T2 process new", 7, "'process' is not a provider call"),
        ("on T2 cancel T3", 1, "cannot name T3"),
        ("use x1", 5, "expected a process (PN) or a thread (TN), got 'x1'"),
        ("close h\u{1}", 7, "got 'h\\x01'"),
        ("whatif undo", 8, "'undo' is not allowed inside whatif"),
        ("whatif show", 8, "'show' does not change the session"),
        ("whatif clsoe h1", 8, "unknown command 'clsoe'"),
        // SPEC sections 2 and 4 as amended: the limits name their range; ordering needs a number.
        ("send h1 1099511627777", 9, "out of range for <bytes> (0–1099511627776)"),
        ("peer s1 send 1099511627777", 14, "out of range for <bytes>"),
        ("advance 52560001m", 9, "duration too long (at most 52560000m, about 100 years)"),
        ("advance 3153600000001ms", 9, "duration too long"),
        ("set net rate 9007199254740993", 14, "number too large (at most 2^53)"),
        ("set rows 9007199254740993", 10, "number too large (at most 2^53)"),
        ("expect s1.peer.fin > 0", 20, "orders numbers only"),
        ("expect s1.state >= ESTABLISHED", 17, "orders numbers only"),
        ("expect op1.notified < 1", 21, "orders numbers only"),
        ("expect h1.recvq > many", 19, "is not a number"),
        // expect and whatif are matched by the grammar from the line's own words: each message
        // points at the word at fault, or just after the last word when one is missing.
        ("expect h1.state = closed", 17, "expect h1.state: '=' is not a comparison"),
        ("  expect   H1.STATE   =   closed", 23, "expect h1.state: '=' is not a comparison"),
        ("expect h1.refcount ==", 22, "expect h1.refcount ==: missing value"),
        ("expect t < soon", 12, "expect t <: 'soon' is not a number"),
        ("expect no event", 16, "expect event: missing the event"),
        ("expect no", 10, "expect: missing event"),
        ("expect", 7, "expect: missing event, no or <path> <op> <value>"),
        ("expect pi1.state == 1", 8, "unknown path 'pi1.state'"),
        ("expect h99999999999.state == 1", 8, "number too large for a handle"),
        ("socket; expect h1.state = closed", 25, "is not a comparison"),
        ("whatif", 7, "whatif: missing <command>"),
        ("whatif frob", 8, "unknown command 'frob'"),
        ("whatif close", 13, "close: missing a handle (hN)"),
        ("whatif close h1 h2", 17, "close: unexpected 'h2'"),
        ("whatif socket stream dgram", 8, "choose stream or dgram"),
        ("whatif set rows 0", 17, "'0' is out of range for <rows>"),
        ("whatif on T2 process new", 14, "'process' is not a provider call"),
        ("whatif on T2 cancel T3", 8, "cannot name T3"),
        ("whatif whatif close h1", 8, "'whatif' is not allowed inside whatif"),
        ("whatif reset", 8, "'reset' is not allowed inside whatif"),
        ("whatif help", 8, "'help' does not change the session"),
        // A missing word after a command written by another name is reported after that name.
        ("WSPCloseSocket", 15, "close: missing a handle (hN)"),
        ("process new =>0", 13, "=> follows a provider call"),
    ]

    @Test("invalid lines name the bad word at its column", arguments: invalid.indices)
    func rejectsInvalid(_ i: Int) {
        let (line, column, phrase) = ParserTests.invalid[i]
        switch parse(line) {
        case .success(let c): Issue.record("\(line) parsed as \(c)")
        case .failure(let d):
            #expect(d.column == column, "\(line): column \(d.column), message \(d.message)")
            #expect(d.message.contains(phrase), "\(line): \(d.message)")
            #expect(!d.message.contains("\n"), "one line only")
        }
    }

    @Test("every command and alias of the catalog parses by its name")
    func everyNameParses() {
        for spec in commandCatalog {
            for name in [spec.name] + spec.aliases {
                let c = command(name.uppercased() + " " + (spec.usage.first?.split(separator: " ").dropFirst().map { exampleWord(String($0)) }.joined(separator: " ") ?? ""))
                #expect(c != nil, "\(name): \(spec.usage)")
            }
        }
    }

    /// An example word for a usage placeholder, to build a valid line from a usage string.
    func exampleWord(_ usage: String) -> String {
        if usage.hasPrefix("[") { return "" }
        if usage.contains("|") { return String(usage.split(separator: "|")[0]) }
        switch usage {
        case "hN": return "h1"
        case "sN": return "s1"
        case "PN": return "P1"
        case "TN": return "T1"
        case "piN": return "pi1"
        case "<duration>": return "1ms"
        case "<command>": return "advance 1ms"
        case "<provider": return "close"
        case "call>": return "h1"
        default: return usage.hasPrefix("<") ? "1" : usage
        }
    }
}

@Suite("Lexer")
struct LexerTests {
    @Test func splitsCommandsCommentsAndArrows() {
        let pieces = splitLine("socket; close h1 =>0 # close h2; nothing")
        #expect(pieces.map(\.text) == ["socket", "close h1 =>0"])
        #expect(pieces[1].tokens.map(\.text) == ["close", "h1", "=>", "0"])
        #expect(pieces[1].tokens.map(\.column) == [9, 15, 18, 20])
    }

    @Test func blankAndCommentLinesHaveNoCommands() {
        #expect(splitLine("").isEmpty)
        #expect(splitLine("   \t ").isEmpty)
        #expect(splitLine("# only a comment; still").isEmpty)
        #expect(splitLine(" ; ;").isEmpty)
    }

    @Test func comparisonsStayWhole() {
        #expect(splitLine("expect t >= 5").first?.tokens.map(\.text) == ["expect", "t", ">=", "5"])
        #expect(splitLine("expect t == 5").first?.tokens.map(\.text) == ["expect", "t", "==", "5"])
    }

    @Test func invalidUTF8IsReportedWithItsColumn() {
        guard case .failure(let d) = decodeLine([0x73, 0x6F, 0xFF, 0x6B][...]) else { Issue.record("decoded"); return }
        #expect(d.column == 3)
        #expect(d.message.contains("0xFF"))
    }

    @Test func overlongLinesAreRejectedWithoutEcho() {
        let line = [UInt8](repeating: 0x61, count: maximumLineBytes + 1)
        guard case .failure(let d) = decodeLine(line[...]) else { Issue.record("accepted"); return }
        #expect(d.message.count < 200)
        #expect(decodeLine([UInt8](repeating: 0x61, count: 1000)[...]) == .success(String(repeating: "a", count: 1000)))
    }
}

@Suite("Completion")
struct CompletionTests {
    @Test func commandsAtTheStart() {
        let wanted = wantedNext(after: [])
        #expect(wanted.contains(.keyword("socket")))
        #expect(wanted.contains(.keyword("close")))
    }

    @Test func optionsAndNamesFromTheGrammar() {
        let tokens = { (s: String) in splitLine(s).first?.tokens ?? [] }
        #expect(wantedNext(after: tokens("close")) == [.name(.handle)])
        #expect(Set(wantedNext(after: tokens("setsockopt h1"))) == [.keyword("SO_LINGER"), .keyword("SO_DONTLINGER")])
        #expect(wantedNext(after: tokens("socket stream")).contains(.keyword("nonblocking")))
        #expect(wantedNext(after: tokens("on T2")).contains(.keyword("close")))
        #expect(wantedNext(after: tokens("on T2 close")) == [.name(.handle)])
        #expect(wantedNext(after: tokens("frobnicate")).isEmpty)
        #expect(!wantedNext(after: tokens("set net latency")).contains(.keyword("rate")), "a further failure forgets what was wanted before")
    }

    @Test func insideExpectAndWhatifFromTheGrammar() {
        let tokens = { (s: String) in splitLine(s).first?.tokens ?? [] }
        #expect(wantedNext(after: tokens("expect")) == [.keyword("event"), .keyword("no"), .path])
        #expect(wantedNext(after: tokens("expect no")) == [.keyword("event")])
        #expect(wantedNext(after: tokens("expect h1.state")) == [.comparison])
        #expect(wantedNext(after: tokens("expect h1.state ==")) == [.value("<value>")])
        let whatif = wantedNext(after: tokens("whatif"))
        #expect(whatif.contains(.keyword("advance")) && whatif.contains(.keyword("close")))
        #expect(!whatif.contains(.keyword("undo")) && !whatif.contains(.keyword("show")))
        #expect(wantedNext(after: tokens("whatif close")) == [.name(.handle)])
        #expect(wantedNext(after: tokens("whatif on T2 close")) == [.name(.handle)])
        #expect(wantedNext(after: tokens("whatif on T2")).contains(.keyword("recv")))
    }

    @Test func pathCompletionsFromTheFields() {
        let names: (NameKind) -> [String] = { kind in kind == .handle ? ["h1"] : kind == .thread ? ["T1"] : [] }
        #expect(ExpectPath.completions(of: "", names: names) == ["last", "t", "h1.", "T1."])
        #expect(ExpectPath.completions(of: "T1.", names: names) == ["T1.state", "T1.result"])
        #expect(ExpectPath.completions(of: "s1.pe", names: names).contains("s1.peer.fin"))
        #expect(ExpectPath.completions(of: "pi1.", names: names).isEmpty)
    }
}
