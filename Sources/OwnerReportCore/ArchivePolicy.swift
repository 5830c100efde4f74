/// How long the archive keeps what it holds (`[archive]` in the config).
public struct ArchivePolicy: Sendable, Equatable {
    /// Archived (delivered) reports older than this many days are deleted.
    public var retentionDays: Int = 90
    /// Reports in failed/ older than this many days are deleted; nil keeps them.
    public var failedRetentionDays: Int?

    public init() {}
}
