import LabRendering
import LabScript
@testable import LabSession
import Synchronization
import Testing

/// `Session.Environment.isInterrupted`, the hook through which Ctrl-C stops long work: a line stops
/// before its next command, a script before its next line, a replay before its next entry,
/// `compare` before its next line. The executable wires it to its SIGINT flag.
@Suite("Interruption hook")
struct InterruptionTests {
    /// A flag that turns true after it has been asked `after` times (the work is then under way).
    final class Trip: Sendable {
        let asked = Atomic<Int>(0)
        let after: Int
        init(after: Int) { self.after = after }
        func isRaised() -> Bool { asked.add(1, ordering: .relaxed).newValue > after }
    }

    func session(_ trip: Trip) -> Session {
        Session(format: .plain, environment: Session.Environment(openScript: { _ in .failure(TextError("none")) },
                                                                 isInterrupted: { trip.isRaised() }))
    }

    @Test("Never raised: everything runs, as without the hook")
    func neverRaised() {
        var s = Session(format: .plain)
        _ = s.run(line: "socket; socket; undo; compare", file: "<test>", line: 1)
        #expect(s.world.handleCount == 1)
    }

    @Test("Raised before a line: none of its commands runs")
    func raisedBeforeTheLine() {
        var s = session(Trip(after: 0))
        let reply = s.run(line: "socket; socket", file: "<test>", line: 1)
        #expect(reply.items.isEmpty)
        #expect(s.world.handleCount == 0)
    }

    @Test("Raised during a line: the commands after it do not run")
    func raisedBetweenCommands() {
        var s = session(Trip(after: 1))
        _ = s.run(line: "socket; socket; socket", file: "<test>", line: 1)
        #expect(s.world.handleCount == 1)
    }

    @Test("A script stops before its next line")
    func scriptStops() {
        var s = session(Trip(after: 4))   // two looks per line: the script loop's, then the line's
        var lines = 0
        s.runScript(BufferLines("socket\nsocket\nsocket\nsocket\n"), file: "<test>") { _ in lines += 1; return true }
        #expect(lines == 2)
        #expect(s.world.handleCount == 2)
    }

    @Test("compare and undo stop early: their replays look before each entry")
    func replaysStop() {
        let trip = Trip(after: Int.max)
        var s = session(trip)
        let setup = String(repeating: "socket\n", count: 50)
        _ = s.runScript(setup, file: "<test>")
        #expect(s.world.handleCount == 50)
        let asked = trip.asked.load(ordering: .relaxed)
        _ = s.run(line: "compare", file: "<test>", line: 1)
        #expect(trip.asked.load(ordering: .relaxed) - asked > 50, "compare asks once per replayed line")
        let beforeUndo = trip.asked.load(ordering: .relaxed)
        _ = s.run(line: "undo", file: "<test>", line: 1)
        #expect(trip.asked.load(ordering: .relaxed) - beforeUndo >= 49, "undo asks once per replayed entry")
    }
}
