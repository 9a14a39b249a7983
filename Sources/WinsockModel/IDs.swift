/// Names of the model's objects. Each is a distinct type whose `description` is exactly the
/// syntax the command language accepts (`h3`, `s2`, `P1`, `T4`, `op7`, `pi1`).

/// Shared shape of every object name: a positive number with a one- or two-letter prefix.
public protocol ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The prefix the command language uses, in its canonical case.
    static var prefix: String { get }
    var rawValue: Int { get }
    init(rawValue: Int)
}

extension ObjectID {
    public var description: String { Self.prefix + String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    /// Position in the model's dense storage (IDs start at 1).
    @inlinable public var index: Int { rawValue - 1 }
}

/// A descriptor owned by one process (`h1`).
public struct HandleID: ObjectID { public static let prefix = "h"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
/// The provider's underlying socket (`s1`).
public struct SocketID: ObjectID { public static let prefix = "s"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
/// A simulated process (`P1`).
public struct ProcessID: ObjectID { public static let prefix = "P"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
/// A simulated thread, numbered across all processes (`T1`).
public struct ThreadID: ObjectID { public static let prefix = "T"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
/// An overlapped operation that did not finish at once (`op1`).
public struct OperationID: ObjectID { public static let prefix = "op"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
/// A WSAPROTOCOL_INFO block made by WSPDuplicateSocket for one target process (`pi1`).
public struct ProtocolInfoID: ObjectID { public static let prefix = "pi"; public let rawValue: Int; public init(rawValue: Int) { self.rawValue = rawValue } }
