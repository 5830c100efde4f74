#if canImport(Glibc)
    import Glibc
#endif

/// Fault injection for the crash tests: with `OWNER_REPORT_FAULT_CRASH_AT=<point>` set, a process dies
/// by SIGKILL (no cleanup, nothing flushed) the first time it reaches that point, so a test can stop a
/// writer between any two of its durable steps and see what recovery makes of it (docs/design.md §3).
/// Unset, as in production, a point costs one `getenv`.
public enum CrashPoint {
    /// Between a report's bytes (and their name in tmp/) being durable and its `enqueued` row's commit.
    public static let staged = "enqueue.staged"
    /// Between the commit and the first link into pending/.
    public static let committed = "enqueue.committed"
    /// Between a link into pending/ (its directory fsynced) and the removal of the staging name.
    public static let linked = "publish.linked"
    /// After the first of several reports of one change is linked, before the next.
    public static let partlyLinked = "enqueue.partly-linked"

    public static let all = [staged, committed, linked, partlyLinked]

    public static func reach(_ point: String) {
        guard let wanted = getenv("OWNER_REPORT_FAULT_CRASH_AT"), String(cString: wanted) == point else { return }
        kill(getpid(), SIGKILL)
    }
}
