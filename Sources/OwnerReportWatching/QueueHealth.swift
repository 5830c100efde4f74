#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportLedger

/// The chain's health as the watchdog sees it, read without changing anything.
public struct QueueHealth: Sendable {
    public var pending = 0
    public var oldestPendingAge: Duration?
    /// Reports in failed/ (their `.error.json` sidecars not counted), by name.
    public var failed: [String] = []
    /// When the daemon last wrote `state/heartbeat`; nil when no daemon ever ran here.
    public var heartbeat: Timestamp?
    /// Whether a process holds the delivery lock now (a daemon, or a `--once` run).
    public var lockHeld = false
    /// Read from the file modes here; the watchdog replaces it with whether the ledger opened for writing.
    public var ledgerWritable = false
    public var lastDelivery: Timestamp?
    public var now = Timestamp.now()

    public var heartbeatAge: Duration? {
        heartbeat.map { .nanoseconds(now.rawValue - $0.rawValue) }
    }

    /// A daemon is alive when it holds the lock and its heartbeat is recent.
    public func daemonAlive(_ policy: WatchdogPolicy) -> Bool {
        lockHeld && (heartbeatAge.map { $0 <= policy.heartbeatMaxAge } ?? false)
    }

    /// Reads pending/, failed/, the heartbeat, the lock and the ledger.
    ///
    /// `waitingSince`, when given, says from when a pending report counts as waiting (its enqueue
    /// time, or the end of its destinations' quiet hours), or nil while quiet hours hold it on purpose:
    /// such a report is pending but not a backlog.
    public static func read(
        _ queue: QueueDirectory, ledger: Ledger?, waitingSince: ((String, Timestamp) -> Timestamp?)? = nil
    ) -> QueueHealth {
        var health = QueueHealth()
        let names = (try? DirectoryListing.names(in: queue.pending).map(\.name)) ?? []
        for name in names where QueueDirectory.isCandidate(name) {
            health.pending += 1
            var age = ReportName.enqueueTime(of: name) ?? modificationTime("\(queue.pending)/\(name)")
            if let waitingSince, let enqueued = age { age = waitingSince(name, enqueued) }
            if let age {
                let duration = Duration.nanoseconds(health.now.rawValue - age.rawValue)
                health.oldestPendingAge = max(health.oldestPendingAge ?? .zero, duration)
            }
        }
        health.failed = queue.failedReportNames()
        health.heartbeat = modificationTime("\(queue.state)/heartbeat")
        health.lockHeld = FileLock.isHeld(at: queue.lockPath)
        health.ledgerWritable =
            access(queue.ledgerPath, W_OK) == 0 || access(queue.ledgerPath, F_OK) != 0 && access(queue.root, W_OK) == 0
        if let ledger, let last = try? ledger.query("WHERE event = 'delivered' ORDER BY seq DESC LIMIT 1", []).first {
            health.lastDelivery = Timestamp(iso8601UTC: last.time)
        }
        return health
    }

    private static func modificationTime(_ path: String) -> Timestamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
    }

    /// The health as `name value` rows, for people.
    public func rows(_ policy: WatchdogPolicy) -> [(String, String)] {
        func text(_ duration: Duration?) -> String { duration.map { "\(Int($0.seconds))s" } ?? "-" }
        return [
            ("pending", "\(pending)"), ("oldest pending age", text(oldestPendingAge)), ("failed", "\(failed.count)"),
            ("daemon", daemonAlive(policy) ? "alive" : heartbeat == nil ? "none (cron mode)" : "not running"),
            ("heartbeat age", text(heartbeatAge)), ("ledger writable", ledgerWritable ? "yes" : "NO"),
            ("last delivery", lastDelivery?.iso8601UTC ?? "-"),
        ]
    }
}
