/// One candidate report file in pending/, with the enqueue time that decides its place in line.
public struct QueueEntry: Hashable, Sendable {
    /// What the directory entry is; only regular files are ever read.
    public enum Kind: String, Sendable {
        case regularFile = "regular file"
        case symbolicLink = "symbolic link"
        case fifo = "FIFO"
        case directory = "directory"
        case other = "special file"
    }

    /// The file name, which is also the report's id.
    public let name: String
    /// The full path in pending/.
    public let path: String
    public let kind: Kind
    /// Size in bytes as `lstat` saw it.
    public let size: Int64
    /// From the producer-made name, or the first-seen modification time of a file dropped in by hand.
    public let enqueuedAt: Timestamp

    public init(name: String, path: String, kind: Kind, size: Int64, enqueuedAt: Timestamp) {
        self.name = name
        self.path = path
        self.kind = kind
        self.size = size
        self.enqueuedAt = enqueuedAt
    }

    /// The file form its name says.
    public var format: ReportFormat? { ReportFormat(fileName: name) }

    /// Oldest first; equal times in name order.
    public static func precedes(_ lhs: QueueEntry, _ rhs: QueueEntry) -> Bool {
        (lhs.enqueuedAt, lhs.name) < (rhs.enqueuedAt, rhs.name)
    }
}

/// Remembers when files dropped in by hand were first seen, so their place in line never moves.
///
/// The ledger is the real book; tests and dry runs may use another.
public protocol EnqueueTimeBook {
    /// The recorded enqueue time of a report id, if it was ever recorded.
    func enqueueTime(of name: String) throws -> Timestamp?
    /// Records a hand-dropped file's first-seen enqueue time (and content hash, when it could be read).
    func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws
}

/// A book that records nothing: for dry runs, which must change nothing.
public struct ReadOnlyEnqueueTimeBook<Base: EnqueueTimeBook>: EnqueueTimeBook {
    let base: Base?
    public init(_ base: Base?) { self.base = base }
    public func enqueueTime(of name: String) throws -> Timestamp? { try base?.enqueueTime(of: name) }
    public func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws {}
}
