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
