#if canImport(Glibc)
    import Glibc
#endif

/// Where a `file` destination puts what it delivers: the transport writes there, and `archiver
/// verify` looks there for every report the ledger says it delivered (docs/design.md §6).
public struct FileOutbox: Sendable {
    /// The destination's path, made absolute against the queue directory.
    public let target: String

    public init(_ destination: Destination, queue: QueueDirectory) {
        let path = destination.path ?? "outbox"
        target = path.hasPrefix("/") ? path : "\(queue.root)/\(path)"
    }

    /// A directory (one file a report) when it is one, or when it does not exist yet and its name has
    /// no extension; otherwise one file every report is appended to.
    public var isDirectory: Bool {
        var info = stat()
        if stat(target, &info) == 0 { return info.st_mode & S_IFMT == S_IFDIR }
        return !(target.split(separator: "/").last ?? "").contains(".")
    }

    /// The file a report is written to in a directory outbox: its name, `.txt` for `.md` or `.json`.
    public func path(for reportID: String) -> String {
        let stem =
            reportID.hasSuffix(".json")
            ? String(reportID.dropLast(5)) : reportID.hasSuffix(".md") ? String(reportID.dropLast(3)) : reportID
        return "\(target)/\(stem).txt"
    }
}
