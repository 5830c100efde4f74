#if canImport(Glibc)
    import Glibc
#endif

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
    /// The directory it is in (pending/); one string shared by every entry of a scan.
    public let directory: String
    public let kind: Kind
    /// From the producer-made name, or the first-seen modification time of a file dropped in by hand.
    public let enqueuedAt: Timestamp

    public init(name: String, directory: String, kind: Kind, enqueuedAt: Timestamp) {
        self.name = name
        self.directory = directory
        self.kind = kind
        self.enqueuedAt = enqueuedAt
    }

    /// The full path in pending/.
    public var path: String { "\(directory)/\(name)" }

    /// Its size in bytes now (`lstat`), or nil when it is gone. Only a quarantine's reason and a clash
    /// in sent/ ask, so a scan of a large backlog does not stat every file for it.
    public var size: Int64? {
        var info = stat()
        return lstat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// The file form its name says.
    public var format: ReportFormat? { ReportFormat(fileName: name) }

    /// Oldest first; equal times in name order.
    public static func precedes(_ lhs: QueueEntry, _ rhs: QueueEntry) -> Bool {
        (lhs.enqueuedAt, lhs.name) < (rhs.enqueuedAt, rhs.name)
    }
}
