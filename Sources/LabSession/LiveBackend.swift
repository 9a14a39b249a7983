import LabScript
import WinsockModel

/// A live backend: the same commands run against a real TCP stack instead of the model (the
/// `linux` backend runs them on the kernel's loopback interface). It sits beside the model, behind
/// the session: the session parses, checks expectations and prints; the backend makes the calls
/// and reports what it observed. The executable provides one through `Session.Environment`, so the
/// session itself stays pure.
///
/// Every method runs on the session's thread. Each outcome starts with what was observed since the
/// previous command (a blocked call that returned meanwhile prints its `WAKE` then), and carries
/// only observed events: BLOCK/WAKE, COMPLETE/ABORT, and FIN/RST as the other end saw them; no TX
/// or timed STATE events. What has no counterpart on the host throws a `Refusal` whose message says
/// so in one line; nothing is emulated silently.
public protocol LiveBackend: AnyObject, Sendable {
    /// The backend's name as `set backend` and `--backend` spell it (`linux`).
    var name: String { get }
    /// What the tables and expectation paths read: observed values only.
    var state: any SessionState { get }
    /// Whether an expectation path can be observed here (`expect` on one that cannot prints one
    /// "not observable under the backend" line and counts as neither pass nor failure).
    func canObserve(_ path: ExpectPath) -> Bool

    func perform(_ call: ProviderCall, by thread: ThreadID?) throws(Refusal) -> Outcome
    func newProcess() throws(Refusal) -> Outcome
    func exitProcess(_ p: ProcessID) throws(Refusal) -> Outcome
    func newThread(in p: ProcessID?) throws(Refusal) -> Outcome
    func use(_ p: ProcessID) throws(Refusal)
    func use(_ t: ThreadID) throws(Refusal)
    /// `peer sN …` on the accepted socket; returns the outcome and a one-line account.
    func peer(_ s: SocketID, _ action: World.PeerAction) throws(Refusal) -> (Outcome, String)
    /// `advance D`: waits real time, watching the sockets. `control` reports progress and tells when
    /// Ctrl-C asked the wait to stop (the sockets keep whatever state the kernel gave them).
    func advance(by span: Span, control: WaitControl) throws(Refusal) -> Outcome
    func apply(_ setting: World.Setting) throws(Refusal) -> Outcome
    /// Closes every socket, ends every thread and helper. Idempotent; also run at exit.
    func shutDown()
}

/// Lets a long wait report progress and be interrupted (Ctrl-C) without the backend knowing about
/// terminals or signals.
public struct WaitControl: Sendable {
    /// Called now and then during a wait longer than a second: elapsed and total.
    public var progress: @Sendable (Span, Span) -> Void
    /// True once the user asked the wait to stop.
    public var isInterrupted: @Sendable () -> Bool
    public init(progress: @escaping @Sendable (Span, Span) -> Void = { _, _ in },
                isInterrupted: @escaping @Sendable () -> Bool = { false }) {
        self.progress = progress
        self.isInterrupted = isInterrupted
    }
    public static let none = WaitControl()
}
