/// What a scan of pending/ found, oldest first.
public struct PendingScan: Sendable {
    /// Every candidate entry, of any kind, oldest first.
    public let entries: [QueueEntry]
    /// Files dropped in by hand and modified too recently to be sure their writer is done: left for
    /// a later scan, which should come no later than this.
    public var settlingUntil: Timestamp? = nil
    /// The regular files: the reports to deliver, oldest first.
    public var reports: [QueueEntry] { entries.filter { $0.kind == .regularFile } }
    /// Entries that are not regular files; they are never opened and belong in failed/.
    public var rejects: [QueueEntry] { entries.filter { $0.kind != .regularFile } }
}
