/// Virtual time. Nothing in the model reads a wall clock: `now` is a value that moves only when
/// the session advances it (SwiftNIO's `EmbeddedEventLoop` is the model for this).
///
/// Instants are kept in nanoseconds so that transmission at any `net rate` can end between
/// milliseconds; between commands the clock always sits on a whole millisecond.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the session began.
    public var nanoseconds: Int64

    /// The instant this many nanoseconds after the session began.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    /// When the session began.
    public static let zero = Instant(nanoseconds: 0)
    /// Later than any instant the model can reach.
    public static let never = Instant(nanoseconds: .max)

    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    /// Earlier.
    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// `self + d`, saturating at `.never` instead of trapping.
    public func adding(_ d: Span) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(d.nanoseconds)
        return overflow ? .never : Instant(nanoseconds: sum)
    }

    /// `millisecondText`: `2000ms`, `12.5ms`.
    public var description: String { millisecondText }

    /// Milliseconds, with a fraction only when the instant falls between them: `2000ms`, `12.5ms`.
    public var millisecondText: String {
        let whole = nanoseconds / 1_000_000, frac = nanoseconds % 1_000_000
        guard frac != 0 else { return "\(whole)ms" }
        var digits = String(frac)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)ms"
    }
}

/// A length of virtual time. Named `Span` to stay clear of the standard library's `Duration`.
public struct Span: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Its length in nanoseconds.
    public var nanoseconds: Int64

    /// A span of this many nanoseconds.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    /// A span of `ms` milliseconds (`advance 250ms`).
    public static func milliseconds(_ ms: Int64) -> Span { Span(nanoseconds: ms * 1_000_000) }
    /// A span of `s` seconds (`set graceful-timeout 120s`).
    public static func seconds(_ s: Int64) -> Span { Span(nanoseconds: s * 1_000_000_000) }
    /// No time at all.
    public static let zero = Span(nanoseconds: 0)

    /// The longest span the command language accepts (about 100 years), so that no sum of
    /// clock and timer can overflow.
    public static let maximumMilliseconds: Int64 = 3_153_600_000_000

    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }
    /// Shorter.
    public static func < (a: Span, b: Span) -> Bool { a.nanoseconds < b.nanoseconds }
    /// `k` times as long.
    public static func * (a: Span, k: Int64) -> Span { Span(nanoseconds: a.nanoseconds * k) }

    /// The shortest exact spelling in the command language's units: `2m`, `120s`, `250ms`.
    /// Sub-millisecond spans (only ever between events) print with a fraction of a ms.
    public var description: String {
        let ns = nanoseconds
        if ns % 1_000_000 != 0 {
            let whole = ns / 1_000_000, frac = ns % 1_000_000
            var digits = String(frac)
            digits = String(repeating: "0", count: 6 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            return "\(whole).\(digits)ms"
        }
        let ms = ns / 1_000_000
        if ms != 0 && ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms != 0 && ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
