/// Names of the model's objects. Each is a distinct type whose `description` is exactly the
/// syntax the command language accepts (`h3`, `s2`, `P1`, `T4`, `op7`, `pi1`).

/// Shared shape of every object name: a positive number with a one- or two-letter prefix.
/// Numbers are handed out from 1 in creation order and never reused (except handles with
/// `set reuse on`, R23), so an ID is also its object's position in the world's storage.
public protocol ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The prefix the command language uses, in its canonical case (`h`, `op`).
    static var prefix: String { get }
    /// The number after the prefix (`3` in `h3`), from 1.
    var rawValue: Int { get }
    /// The name with this number.
    init(rawValue: Int)
}

extension ObjectID {
    /// The name as the command language spells it: `h3`, `op7`.
    public var description: String { Self.prefix + String(rawValue) }
    /// By number: `h2` < `h10`, as names are handed out.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    /// Position in the model's dense storage (IDs start at 1).
    @inlinable public var index: Int { rawValue - 1 }
}

/// A descriptor owned by one process (`h1`).
public struct HandleID: ObjectID {
    /// `h`.
    public static let prefix = "h"
    /// The handle value.
    public let rawValue: Int
    /// The handle with this value.
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// The provider's underlying socket (`s1`).
public struct SocketID: ObjectID {
    /// `s`.
    public static let prefix = "s"
    /// The socket's number, in creation order.
    public let rawValue: Int
    /// The socket with this number.
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// A simulated process (`P1`).
public struct ProcessID: ObjectID {
    /// `P`.
    public static let prefix = "P"
    /// The process's number, in creation order.
    public let rawValue: Int
    /// The process with this number.
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// A simulated thread, numbered across all processes (`T1`).
public struct ThreadID: ObjectID {
    /// `T`.
    public static let prefix = "T"
    /// The thread's number, in creation order across all processes.
    public let rawValue: Int
    /// The thread with this number.
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// An overlapped operation that did not finish at once (`op1`).
public struct OperationID: ObjectID {
    /// `op`.
    public static let prefix = "op"
    /// The operation's number, in creation order.
    public let rawValue: Int
    /// The operation with this number.
    public init(rawValue: Int) { self.rawValue = rawValue }
}

/// A WSAPROTOCOL_INFO block made by WSPDuplicateSocket for one target process (`pi1`).
public struct ProtocolInfoID: ObjectID {
    /// `pi`.
    public static let prefix = "pi"
    /// The block's number, in creation order.
    public let rawValue: Int
    /// The block with this number.
    public init(rawValue: Int) { self.rawValue = rawValue }
}
