#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// The queue's directory tree (docs/design.md §3): tmp/, pending/, sent/, failed/, state/, the ledger and the lock.
public struct QueueDirectory: Sendable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var tmp: String { "\(root)/tmp" }
    public var pending: String { "\(root)/pending" }
    public var sent: String { "\(root)/sent" }
    public var failed: String { "\(root)/failed" }
    public var state: String { "\(root)/state" }
    public var ledgerPath: String { "\(root)/ledger.sqlite3" }
    public var lockPath: String { "\(root)/.lock" }
    /// The Unix socket through which users who do not own the queue submit reports.
    public var submitSocket: String { "\(root)/submit.sock" }

    /// Creates the tree with mode 0700 where it is missing; existing directories are left as they are.
    public func prepare() throws(SystemError) {
        try DurableFile.makeDirectory(root)
        for directory in [tmp, pending, sent, failed, state] { try DurableFile.makeDirectory(directory) }
    }

    /// Whether the queue lives on NFS, where flock(2) and SQLite's WAL are not safe.
    public var isOnNetworkFileSystem: Bool {
        // The longest mount point above the queue decides; /proc/self/mounts escapes spaces as \040.
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        let target = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        var best: (point: String, type: String) = ("", "")
        for line in mounts.split(separator: "\n") {
            let columns = line.split(separator: " ")
            guard columns.count >= 3 else { continue }
            let point = columns[1].replacingOccurrences(of: "\\040", with: " ")
            let covers = target == point || target.hasPrefix(point == "/" ? "/" : point + "/")
            if covers, point.count >= best.point.count { best = (point, String(columns[2])) }
        }
        return best.type.hasPrefix("nfs") || best.type == "cifs" || best.type == "smb3"
    }

    /// The candidate reports in pending/, oldest first.
    ///
    /// Hidden and editor files (`.*`, `*~`, `*.tmp`, `*.swp`) and names other than `*.md`/`*.json` are
    /// not candidates. Entries that are not regular files are listed with their kind, never opened.
    ///
    /// With a `settle` time, a file dropped in by hand (not named by the producer, not yet recorded)
    /// that was modified less than `settle` ago is left for a later scan: a `cp` may still be writing it.
    public func scanPending(
        book: some EnqueueTimeBook, maxReportBytes: Int, settle: Duration = .zero, now: Timestamp = .now()
    ) throws -> PendingScan {
        let names = try DirectoryListing.names(in: pending)
        var entries: [QueueEntry] = []
        entries.reserveCapacity(names.count)
        var settlingUntil: Timestamp?
        for listed in names where Self.isCandidate(listed.name) {
            let name = listed.name
            // A producer-made name of a regular file needs no stat: the name gives its time, the
            // listing its type. Any other entry is looked at (it may be gone: someone moved it).
            if let stamped = ReportName.enqueueTime(of: name), let kind = listed.kind {
                entries.append(QueueEntry(name: name, directory: pending, kind: kind, enqueuedAt: stamped))
                continue
            }
            let path = "\(pending)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let kind = Self.kind(of: info.st_mode)
            let enqueuedAt: Timestamp
            if let stamped = ReportName.enqueueTime(of: name) {
                enqueuedAt = stamped
            } else if let recorded = try book.enqueueTime(of: name) {
                enqueuedAt = recorded
            } else {
                enqueuedAt = Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
                let settled = enqueuedAt.adding(nanoseconds: Int64(settle.seconds * 1e9))
                if kind == .regularFile, now < settled {
                    settlingUntil = min(settlingUntil ?? settled, settled)
                    continue
                }
                let hash =
                    kind == .regularFile
                    ? (try? DurableFile.readRegularFile(path, limit: maxReportBytes)).map(Self.sha256) : nil
                try book.recordFirstSeen(name, enqueuedAt: enqueuedAt, sha256: hash)
            }
            entries.append(QueueEntry(name: name, directory: pending, kind: kind, enqueuedAt: enqueuedAt))
        }
        return PendingScan(entries: Self.oldestFirst(entries), settlingUntil: settlingUntil)
    }

    /// The entries in `QueueEntry.precedes` order. Sorting positions by time (names only break ties)
    /// and moving each entry once is several times cheaper on a large backlog than sorting the
    /// entries themselves, whose every move retains and releases their strings.
    static func oldestFirst(_ entries: [QueueEntry]) -> [QueueEntry] {
        let times = entries.map(\.enqueuedAt.rawValue)
        let order = entries.indices.sorted { left, right in
            times[left] != times[right] ? times[left] < times[right] : entries[left].name < entries[right].name
        }
        return order.map { entries[$0] }
    }

    /// Whether a name in pending/ is a report candidate at all.
    public static func isCandidate(_ name: String) -> Bool {
        guard !name.hasPrefix("."), !name.hasSuffix("~"), !name.hasSuffix(".tmp"), !name.hasSuffix(".swp") else {
            return false
        }
        return ReportFormat(fileName: name) != nil
    }

    /// The lower-case hex SHA-256 of `bytes`, as the ledger records content.
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        DigitText.hex(SHA256.hash(bytes))
    }

    private static func kind(of mode: mode_t) -> QueueEntry.Kind {
        switch mode & S_IFMT {
        case S_IFREG: .regularFile
        case S_IFLNK: .symbolicLink
        case S_IFIFO: .fifo
        case S_IFDIR: .directory
        default: .other
        }
    }
}

extension QueueDirectory {
    /// The entries of failed/ that are reports, by name: not hidden, and not the `NAME.error.json`
    /// sidecar of another entry (a report that is itself named `x.error.json` still counts).
    public func failedReportNames() -> [String] {
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? [])
        return names.filter { name in
            guard !name.hasPrefix(".") else { return false }
            guard name.hasSuffix(Self.sidecarSuffix) else { return true }
            return !names.contains(String(name.dropLast(Self.sidecarSuffix.count)))
        }.sorted()
    }

    /// What the driver appends to a failed report's name for the file that says why.
    public static let sidecarSuffix = ".error.json"
}

extension QueueDirectory {
    /// The report candidates' names in pending/, unordered and unread: for counting.
    public func scanPendingNames() throws(SystemError) -> [String] {
        try DirectoryListing.names(in: pending).map(\.name).filter(Self.isCandidate)
    }
}
