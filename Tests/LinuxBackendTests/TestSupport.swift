@preconcurrency import Glibc
import LabSession
@testable import LinuxBackend
import Testing
import WinsockModel

// Names as the command language spells them, so a test reads like a script.
let h1 = HandleID(rawValue: 1), h2 = HandleID(rawValue: 2), h3 = HandleID(rawValue: 3)
let s1 = SocketID(rawValue: 1), s2 = SocketID(rawValue: 2)
let P1 = ProcessID(rawValue: 1), P2 = ProcessID(rawValue: 2)
let T1 = ThreadID(rawValue: 1), T2 = ThreadID(rawValue: 2)
let pi1 = ProtocolInfoID(rawValue: 1)

let ok = CallResult.value(.zero)
func fails(_ e: WinsockError) -> CallResult { .failure(e) }
func count(_ n: Int) -> CallResult { .value(.count(n)) }

extension Outcome {
    /// The canonical event lines (SPEC.md section 3).
    var lines: [String] { events.map(\.description) }
}

/// Every step goes through these helpers: a refusal is recorded as a test failure at the
/// caller's line.
extension LinuxLab {
    @discardableResult
    func call(_ c: ProviderCall, by t: ThreadID? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        do {
            return try perform(c, by: t)
        } catch {
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
            return .nothing
        }
    }

    /// `peer sN …`: its one-line account.
    @discardableResult
    func peerActs(_ s: SocketID, _ action: World.PeerAction, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            return try peer(s, action).1
        } catch {
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
            return ""
        }
    }

    /// `peer sN …`: the event lines of its outcome (a call that returned meanwhile wakes there).
    func peerLines(_ s: SocketID, _ action: World.PeerAction, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            return try peer(s, action).0.lines
        } catch {
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
            return []
        }
    }

    func set(_ setting: World.Setting, sourceLocation: SourceLocation = #_sourceLocation) {
        do { _ = try apply(setting) } catch { Issue.record("refused: \(error)", sourceLocation: sourceLocation) }
    }

    /// `socket` then `connect`: h1/s1 connected to its peer.
    func connectedSocket(sourceLocation: SourceLocation = #_sourceLocation) -> HandleID {
        let made = call(.socket(.stream, nonblocking: false), sourceLocation: sourceLocation)
        guard case .value(.handle(let h))? = made.result else {
            Issue.record("socket failed: \(String(describing: made.result))", sourceLocation: sourceLocation)
            return h1
        }
        #expect(call(.connect(h), sourceLocation: sourceLocation).result == ok, sourceLocation: sourceLocation)
        return h
    }

    /// Waits (with `advance`, a real wait by definition) in 20 ms steps until `condition` holds
    /// or `seconds` pass (generous: met, it returns at once; a loaded CI machine is slow); returns every event line seen meanwhile, after `earlier` ones, including
    /// those the last look at the state observed.
    @discardableResult
    func waitUntil(seconds: Double = 20, after earlier: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: (LinuxState, [String]) -> Bool) -> [String] {
        var lines = earlier
        let deadline = MonotonicClock.now() + Int64(seconds * 1e9)
        while true {
            if condition(snapshot, lines) {
                // Reading the state samples the kernel too: what it saw comes with the next outcome.
                return lines + ((try? advance(by: .zero, control: .none).lines) ?? [])
            }
            guard MonotonicClock.now() < deadline else {
                Issue.record("condition not met within \(seconds) s; events: \(lines)", sourceLocation: sourceLocation)
                return lines
            }
            do {
                lines += try advance(by: .milliseconds(20), control: .none).lines
            } catch {
                Issue.record("refused: \(error)", sourceLocation: sourceLocation)
                return lines
            }
        }
    }
}

extension LinuxState {
    func socket(_ s: SocketID) -> SocketRow? { socketRow(s) }
    func peer(_ s: SocketID) -> PeerRow? { socketRow(s)?.peer }
    func handle(_ h: HandleID) -> HandleRow? { handleRow(h) }
}

/// The built closelab, which `process new` spawns in helper mode (the test runner is not closelab,
/// so /proc/self/exe will not do): beside the test bundle, or `CLOSELAB_BINARY`.
let closelabBinary: String = {
    if let named = getenv("CLOSELAB_BINARY") { return String(cString: named) }
    var path = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &path, path.count - 1)
    var directory = length > 0 ? String(decoding: path[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "."
    directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
    // swift-testing may run from <bin>/closelabPackageTests.xctest; the binary is in <bin>.
    if directory.hasSuffix(".xctest") { directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)]) }
    return directory + "/closelab"
}()

/// A lab whose helpers are the built closelab.
func makeLab() throws(Refusal) -> LinuxLab { try LinuxLab(helperExecutable: closelabBinary) }

/// A fresh lab for one test; shut down when the test's scope ends.
func withLab(sourceLocation: SourceLocation = #_sourceLocation, _ body: (LinuxLab) throws -> Void) rethrows {
    let lab: LinuxLab
    do { lab = try makeLab() } catch {
        Issue.record("the lab did not start: \(error)", sourceLocation: sourceLocation)
        return
    }
    defer { lab.shutDown() }
    try body(lab)
}

/// Polls `condition` until it holds or `seconds` pass (a short pause between polls, never a
/// fixed wait): whether it held.
func eventually(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.now() + Int64(seconds * 1e9)
    while !condition() {
        guard MonotonicClock.now() < deadline else { return false }
        usleep(5_000)
    }
    return true
}

/// Whether every one of `threads` (kernel thread ids of this process) is gone. A joined thread
/// has cleared its id for pthread_join a moment before the kernel drops its /proc entry, so this
/// polls: a loaded machine shows the gap.
func threadsAreGone(_ threads: [Int32]) -> Bool {
    eventually { threads.allSatisfy { access("/proc/self/task/\($0)", F_OK) != 0 } }
}
