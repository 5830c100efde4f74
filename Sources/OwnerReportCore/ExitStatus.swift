/// A process exit status from sysexits(3), as docs/design.md §2 assigns them.
public struct ExitStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Done, including "nothing to do".
    public static let success = ExitStatus(rawValue: 0)
    /// The command line was wrong.
    public static let usage = ExitStatus(rawValue: 64)
    /// A report's content is malformed.
    public static let dataError = ExitStatus(rawValue: 65)
    /// An input file does not exist or cannot be read.
    public static let noInput = ExitStatus(rawValue: 66)
    /// A destination cannot be reached.
    public static let unavailable = ExitStatus(rawValue: 69)
    /// A file or directory cannot be created.
    public static let cannotCreate = ExitStatus(rawValue: 73)
    /// Reading or writing failed.
    public static let ioError = ExitStatus(rawValue: 74)
    /// Stopped on a transient failure; try again later.
    public static let temporaryFailure = ExitStatus(rawValue: 75)
    /// The configuration is wrong.
    public static let configuration = ExitStatus(rawValue: 78)

    public var description: String { String(rawValue) }
}

/// An error that knows how to explain itself to an operator in one line and which exit status it means.
public protocol OperatorFacingError: Error, CustomStringConvertible {
    /// The sysexits status a program exits with when this error ends it.
    var exitStatus: ExitStatus { get }
}
