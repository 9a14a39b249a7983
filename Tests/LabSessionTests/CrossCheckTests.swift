import Foundation
import LabRendering
import LabScript
@testable import LabSession
import Synchronization
import Testing
import WinsockModel

/// A stand-in for the kernel: the model itself under another profile, behind the live-backend
/// interface. Like the linux backend it has no counterpart for some settings (`set net rate`) and
/// cannot observe `sN.discarded`; what it does is deterministic, so crosscheck's verdicts can be
/// pinned exactly.
final class ModelBackend: LiveBackend {
    private let world: Mutex<World>
    let name = "fake"
    private let shutDowns = Atomic(0)

    init(profile: Profile, sendBuffer: Int = 65_536) {
        var settings = Settings()
        settings.profile = profile
        settings.sendBuffer = sendBuffer
        world = Mutex(World(settings: settings))
    }

    var shutDownCount: Int { shutDowns.load(ordering: .relaxed) }
    var state: any SessionState { world.withLock { $0 } }
    func canObserve(_ path: ExpectPath) -> Bool {
        if case .socket(_, .discarded) = path { return false }
        return true
    }
    func perform(_ call: ProviderCall, by thread: ThreadID?) throws(Refusal) -> Outcome {
        try world.withLock { w throws(Refusal) in try w.perform(call, by: thread) }
    }
    func newProcess() throws(Refusal) -> Outcome { world.withLock { $0.newProcess() } }
    func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome {
        try world.withLock { w throws(Refusal) in try w.exitProcess(p) }
    }
    func newThread(in p: ProcessID?) throws(Refusal) -> Outcome {
        try world.withLock { w throws(Refusal) in try w.newThread(in: p) }
    }
    func use(_ p: ProcessID) throws(Refusal) { try world.withLock { w throws(Refusal) in try w.use(p) } }
    func use(_ t: ThreadID) throws(Refusal) { try world.withLock { w throws(Refusal) in try w.use(t) } }
    func peer(_ s: SocketID, _ action: World.PeerAction) throws(Refusal) -> (Outcome, String) {
        try world.withLock { w throws(Refusal) in try w.peer(s, action) }
    }
    func advance(by span: Span, control: WaitControl) throws(Refusal) -> Outcome {
        try world.withLock { w throws(Refusal) in try w.advance(by: span) }
    }
    func apply(_ setting: World.Setting) throws(Refusal) -> Outcome {
        if case .netRate = setting { throw Refusal("set net rate has no counterpart under the fake backend") }
        return try world.withLock { w throws(Refusal) in try w.apply(setting) }
    }
    func shutDown() { shutDowns.add(1, ordering: .relaxed) }
}

/// Runs a whole script through `CrossCheck`, as `closelab --crosscheck` does, line by line.
func crossCheck(_ script: String, profile: Profile = .docs, against backend: ModelBackend) -> (entries: [CrossCheckEntry], check: CrossCheck) {
    var check = CrossCheck(profile: profile, backend: backend)
    var entries: [CrossCheckEntry] = []
    for (i, line) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        entries += check.feed(Array(line.utf8)[...], file: "t.lab", line: i + 1)
    }
    entries.append(check.finish(file: "t.lab"))
    check.shutDown()
    return (entries, check)
}

@Suite struct CrossCheckTests {
    @Test func theSameEngineOnBothSidesAgreesEverywhere() {
        let script = """
        socket
        connect h1
        send h1 1000
        setsockopt h1 SO_LINGER 1 0
        close h1 => 0
        advance 10ms
        expect s1.peer.reset == true
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .docs))
        #expect(entries.count == 8)
        #expect(entries.allSatisfy { !$0.comparison.differs })
        #expect(check.exitStatus == 0)
        #expect(check.summary.compared == 8)   // 5 calls, the advance, the expect, the end
        #expect(entries[4].model.result == "0" && entries[4].kernel.result == "0")
        #expect(entries[4].model.verdict == .passed)   // the inline result
        #expect(entries[4].model.events.contains("RST s1"))
        let outcome = entries[5].outcome.map { "\($0.path) \($0.model) \($0.kernel)" }
        #expect(outcome == ["T1.state running running", "T1.result 0 0", "s1.peer.fin false false",
                            "s1.peer.reset true true", "s1.peer.error WSAECONNRESET WSAECONNRESET"])
    }

    @Test func aDifferentResultIsMarked() {   // R29 against J/windows
        let script = """
        socket dgram
        setsockopt h1 SO_LINGER 1 0
        getsockopt h1 SO_DONTLINGER
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .windows))
        #expect(entries[1].comparison == .compared(agrees: false))
        #expect(entries[1].model.result == "WSAENOPROTOOPT")
        #expect(entries[1].kernel.result == "0")
        #expect(entries[2].comparison == .compared(agrees: true))   // both fail to get it
        #expect(check.summary.differing.map(CrossCheckRenderer.short) == ["t.lab:2"])
        #expect(check.exitStatus == 1)
        let text = CrossCheckRenderer(format: .text(width: 80)).render(entries[1])
        #expect(text == """
            t.lab:2  setsockopt h1 SO_LINGER 1 0
              ≠ model    WSAENOPROTOOPT
              ≠ kernel   0


            """)
    }

    @Test func theOutcomeAfterAnAdvanceIsCompared() {   // J/reactos: no RST after SD_RECEIVE
        let script = """
        socket
        connect h1
        shutdown h1 receive
        setsockopt h1 SO_LINGER 1 0
        close h1
        advance 10ms
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .reactos))
        #expect(entries[4].comparison == .compared(agrees: true))   // both return 0
        let advance = entries[5]
        #expect(advance.comparison == .compared(agrees: false))
        let differing = advance.outcome.filter { !$0.agrees }.map(\.path)
        #expect(differing == ["s1.peer.fin", "s1.peer.reset", "s1.peer.error"])
        #expect(check.summary.differing.map(CrossCheckRenderer.short) == ["t.lab:6", "the end"])
        let text = CrossCheckRenderer(format: .text(width: 80)).render(advance)
        #expect(text.contains("  ≠ s1.peer.reset  true           false\n"), "\(text)")
        #expect(!text.contains("≠ model"))   // an advance differs by its outcome only
    }

    @Test func byteCountsAreShownNotCompared() {
        let script = """
        socket
        connect h1
        ioctl h1 FIONBIO 1
        send h1 100000
        recv h1 10
        peer s1 close
        advance 1ms
        recv h1 10
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .docs, sendBuffer: 4096))
        #expect(entries[3].model.result == "65536" && entries[3].kernel.result == "4096")
        #expect(entries[3].comparison == .compared(agrees: true))
        #expect(entries[4].model.result == "WSAEWOULDBLOCK")
        #expect(entries[7].model.result == "0" && entries[7].kernel.result == "0")
        #expect(check.exitStatus == 0)
        #expect(CrossCheck.resultsAgree(.value(.count(0)), .value(.count(10))) == false)
        #expect(CrossCheck.resultsAgree(.value(.count(5)), .value(.count(10))))
        #expect(CrossCheck.resultsAgree(.blocked, .value(.zero)) == false)
    }

    @Test func whatTheBackendRefusesIsNotApplicable() {
        let script = """
        set net rate 100
        socket
        undo
        trace
        expect s1.discarded == 0
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .docs))
        #expect(entries[0].comparison == .notApplicable)
        guard case .notApplicable(let why) = entries[0].kernel.status else {
            Issue.record("\(entries[0].kernel.status)"); return
        }
        #expect(why == "set net rate has no counterpart under the fake backend")
        #expect(entries[2].comparison == .notApplicable)   // undo needs the model
        #expect(entries[3].comparison == .notApplicable)
        // The model undid its socket; the fake still has s1: a path on it is unobservable there.
        #expect(entries[4].kernel.verdict == .unobservable)
        #expect(entries[4].comparison == .compared(agrees: true))
        #expect(check.summary.notApplicable.map(CrossCheckRenderer.short) == ["t.lab:1", "t.lab:3", "t.lab:4"])
        // Only the model undid its socket: T1's last result tells them apart at the end.
        #expect(check.summary.differing.map(CrossCheckRenderer.short) == ["the end"])
        #expect(check.exitStatus == 1)
    }

    @Test func expectVerdictsAreCompared() {
        let script = """
        socket dgram
        setsockopt h1 SO_LINGER 1 0
        expect last == 0
        expect h1.refcount == 7
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .windows))
        #expect(entries[2].model.verdict == .failed("expected last == 0, got WSAENOPROTOOPT"))
        #expect(entries[2].kernel.verdict == .passed)
        #expect(entries[2].comparison == .compared(agrees: false))
        #expect(entries[3].comparison == .compared(agrees: true))   // both fail: they agree
        #expect(check.summary.differing.map(CrossCheckRenderer.short) == ["t.lab:2", "t.lab:3", "the end"])
    }

    @Test func invalidLinesAreNeitherSideAndExitTwo() {
        let script = """
        socket
        frob h1
        use P9
        close h1
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .docs))
        #expect(entries[1].comparison == .invalid)
        #expect(entries[1].invalidMessage == "unknown command 'frob'; `help` lists the commands")
        #expect(entries[1].origin.column == 1)
        #expect(entries[2].comparison == .invalid)   // both refuse it
        #expect(entries[3].comparison == .compared(agrees: true))   // and the script went on
        #expect(check.summary.invalidLines == 2)
        #expect(check.exitStatus == 2)
        var bad = CrossCheck(profile: .docs, backend: ModelBackend(profile: .docs))
        #expect(bad.feed([0x73, 0xFF][...], file: "t.lab", line: 1).first?.comparison == .invalid)
    }

    @Test func printOnlyCommandsAndQuit() {
        let script = """
        socket
        show threads
        format json
        quit
        close h1
        """
        let (entries, check) = crossCheck(script, against: ModelBackend(profile: .docs))
        #expect(entries.count == 5)   // socket, show, format, quit, the end: nothing after quit
        #expect(entries[1].comparison == .notRun("it only prints; not compared"))
        #expect(entries[2].comparison == .notRun("crosscheck keeps its own format"))
        #expect(entries[4].input == nil)
        #expect(check.hasQuit)
        #expect(check.summary.commands == 4)
    }

    @Test func theTextReportFitsEightyColumns() {
        let script = """
        set window 1
        socket
        connect h1
        ioctl h1 FIONBIO 1
        send h1 300000
        setsockopt h1 SO_LINGER 1 1
        close h1
        set net rate 100
        advance 1500ms
        thread new
        on T2 recv h1 10
        """
        let backend = ModelBackend(profile: .reactos)
        var check = CrossCheck(profile: .docs, backend: backend)
        let renderer = CrossCheckRenderer(format: .text(width: 80))
        var text = renderer.heading(file: "t.lab", profile: "docs", backend: "fake", kernel: "6.1.0")
        for (i, line) in script.split(separator: "\n").enumerated() {
            for entry in check.feed(line: String(line), file: "t.lab", line: i + 1) { text += renderer.render(entry) }
        }
        text += renderer.render(check.finish(file: "t.lab"))
        text += renderer.render(check.summary)
        check.shutDown()
        #expect(backend.shutDownCount == 1)
        for line in text.split(separator: "\n") {
            #expect(line.unicodeScalars.count <= 80, "\(line)")
        }
        #expect(text.contains("    kernel   n/a: set net rate has no counterpart under the fake backend\n"))
        #expect(text.hasSuffix("  n/a: t.lab:8\n"), "\(text)")
    }

    @Test func jsonIsOneObjectPerEntryWithBothSides() throws {
        let (entries, check) = crossCheck("socket dgram\nsetsockopt h1 SO_LINGER 1 0\nset net rate 9",
                                          against: ModelBackend(profile: .windows))
        let renderer = CrossCheckRenderer(format: .json)
        let lines = entries.map(renderer.render) + [renderer.render(check.summary)]
        for line in lines {
            #expect(line.hasSuffix("\n") && line.dropLast().allSatisfy { $0 != "\n" })
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
        }
        let second = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        #expect(second["agrees"] as? Bool == false)
        #expect((second["model"] as? [String: Any])?["result"] as? String == "WSAENOPROTOOPT")
        #expect((second["kernel"] as? [String: Any])?["result"] as? String == "0")
        let third = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        #expect(third["comparison"] as? String == "n/a")
        #expect((third["kernel"] as? [String: Any])?["status"] as? String == "n/a")
        let end = try JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as! [String: Any]
        #expect(end["input"] is NSNull)
        let summary = try JSONSerialization.jsonObject(with: Data(lines[4].utf8)) as! [String: Any]
        #expect((summary["summary"] as? [String: Any])?["agrees"] as? Bool == false)
    }

    @Test func theSessionCommandCrosschecksAFile() {   // `crosscheck FILE`, once the catalog has it
        let file = "socket dgram\nsetsockopt h1 SO_LINGER 1 0\nfrob\n"
        let backend = ModelBackend(profile: .windows)
        let environment = Session.Environment(openScript: { name in
            name == "x.lab" ? .success(BufferLines(file)) : .failure(TextError("no such file"))
        }, makeBackend: { _ in .success(backend) })
        var session = Session(format: .plain, environment: environment)
        var reply = Reply()
        let c = LocatedCommand(command: .explain, location: SourceLocation(file: "<prompt>", line: 1), text: "crosscheck x.lab")
        session.crossCheck("x.lab", c, into: &reply)
        let (out, err) = reply.rendered()
        #expect(out.contains("≠ model    WSAENOPROTOOPT"), "\(out)")
        #expect(err.contains("x.lab:3:1: unknown command 'frob'"))
        #expect(err.contains("<prompt>:1: crosscheck x.lab: the model and the kernel differ at x.lab:2"))
        #expect(session.exitStatus == 2)
        #expect(backend.shutDownCount == 1)
        var missing = Reply()
        session.crossCheck("nope.lab", c, into: &missing)
        #expect(missing.err.contains("crosscheck: cannot read 'nope.lab': no such file"))
    }
}
