import LabScript
import WinsockModel

/// A command that changed the world, and what a provider call returned (as `last` reads it).
struct HistoryEntry: Sendable {
    var command: Command
    var result: String?
}

/// Every command that changed the world since the start (or `reset`), and copies of the world
/// along the way (checkpoints), so that any earlier state is the nearest earlier copy plus a
/// replay of the few commands after it (`undo`, `explain`), not a replay of the whole session.
///
/// Entries are kept as the text the command was typed as (and its result's text), about 20 bytes
/// each instead of a `Command` value's 88: the text parses back to the same command (parsing is
/// pure), and a replay of a thousand commands parses in well under a millisecond.
///
/// A checkpoint is taken every `spacing` commands and thinned with age: the gap between two
/// kept ones is at least their distance from the end, so a session of n commands keeps about
/// log2(n / spacing) of them, and a state k commands back costs a replay of at most about
/// max(k, spacing) commands. The world's growing tables are chunked (`ChunkedArray`), so a
/// checkpoint shares all but a few chunks with the live world.
struct History: Sendable {
    struct Checkpoint: Sendable {
        /// The world after the first `index` entries.
        var index: Int
        var world: World
    }

    /// Each entry's command text, then (for a provider call) a 0 byte and its result's text.
    private var bytes: [UInt8] = []
    /// Where each entry's bytes end (4 bytes each: the text of 4 G of bytes is far beyond what a
    /// session's memory could hold in its world).
    private var ends: [UInt32] = []
    private(set) var checkpoints: [Checkpoint] = []
    /// Commands between two checkpoints (tests make it small to exercise replays from one).
    var spacing = 1024

    var count: Int { ends.count }
    var isEmpty: Bool { ends.isEmpty }
    var last: HistoryEntry? { isEmpty ? nil : self[count - 1] }
    var indices: Range<Int> { 0..<count }

    /// Entry `i`: its text parsed again, without an inline expectation it was typed with.
    subscript(i: Int) -> HistoryEntry {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        let slice = bytes[start..<Int(ends[i])]
        let split = slice.firstIndex(of: 0)
        let command = History.command(in: slice[..<(split ?? slice.endIndex)])
        let result = split.map { String(decoding: slice[($0 + 1)...], as: UTF8.self) }
        return HistoryEntry(command: command, result: result)
    }

    /// Records a command by its text (as typed: it parsed to `command`), a call's result, and
    /// the world after it (kept when a checkpoint is due).
    mutating func append(_ text: String, result: CallResult?, after world: World) {
        bytes.append(contentsOf: text.utf8)
        if let result {
            bytes.append(0)
            bytes.append(contentsOf: result.lastValue.utf8)
        }
        ends.append(UInt32(truncatingIfNeeded: bytes.count))
        if ends.count % spacing == 0 {
            var copy = world
            copy.tracksChanges = false
            checkpoints.append(Checkpoint(index: ends.count, world: copy))
            thin()
        }
    }

    /// The command a recorded text parses to. It parsed once, and parsing is pure; should it ever
    /// not, the entry replays as a command that changes nothing (`show`) rather than stopping.
    private static func command(in text: ArraySlice<UInt8>) -> Command {
        guard case .success(let pieces) = parseLine(text), let first = pieces.first,
              case .success(let command) = first.parsed else { return .show(.handles) }
        if case .call(let call, let thread, _) = command { return .call(call, thread: thread, expected: nil) }
        return command
    }

    /// Forgets the last command and any checkpoint taken after the ones that remain.
    @discardableResult
    mutating func removeLast() -> HistoryEntry {
        let entry = self[count - 1]
        ends.removeLast()
        bytes.removeSubrange(Int(ends.last ?? 0)...)
        while let c = checkpoints.last, c.index > count { checkpoints.removeLast() }
        return entry
    }

    mutating func removeAll() {
        bytes.removeAll()
        ends.removeAll()
        checkpoints.removeAll()
    }

    /// The latest checkpoint at or before `index`, if any.
    func checkpoint(atOrBefore index: Int) -> Checkpoint? {
        checkpoints.last { $0.index <= index }
    }

    /// Keeps the newest checkpoint, and an older one only when the gap to the next kept (newer)
    /// one is at least that one's distance from the end (and at least `spacing`): the gaps grow
    /// geometrically with age.
    private mutating func thin() {
        guard checkpoints.count > 2 else { return }
        let end = count
        var kept: [Checkpoint] = [checkpoints[checkpoints.count - 1]]
        for c in checkpoints.dropLast().reversed() {
            let newer = kept[kept.count - 1].index
            if newer - c.index >= max(spacing, end - newer) { kept.append(c) }
        }
        checkpoints = kept.reversed()
    }
}
