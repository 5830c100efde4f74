#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportLedger

/// `owner-report-driver --follow`: holds the delivery lock and delivers whenever pending/ changes.
///
/// inotify events are only hints (docs/design.md §8): the follower scans once after the watch is set, so
/// nothing that arrived before it is missed; scans again on every batch of events, on a queue
/// overflow, when a backoff or a settling file comes due, and every `rescan_interval` regardless.
/// Between those it blocks in the kernel and uses no CPU. SIGTERM or SIGINT ends it at once: every lane's wait is
/// interrupted, and what a lane had in hand stays in pending/. Each wake-up refreshes `state/heartbeat` for the watchdog; a clean stop removes it.
public final class Follower {
    private let queue: QueueDirectory
    private let configuration: Configuration
    private let transports: [String: Transport]
    private let secrets: SecretResolver
    private let logger: Logger
    /// Called with each run's summary that did something (the driver prints it).
    private let report: (DeliverySummary) -> Void
    /// What runs only while this daemon holds the lock (the submit socket's server).
    private let companions: [LockedCompanion]

    /// The longest single wait: a signal that lands just before the wait begins is seen by then.
    static let longestWait = 30
    /// How long a file copied in by hand must be unmodified before it is read.
    static let settle: Duration = .seconds(1)

    public init(
        queue: QueueDirectory, configuration: Configuration, transports: [String: Transport], secrets: SecretResolver,
        logger: Logger, companions: [LockedCompanion] = [], report: @escaping (DeliverySummary) -> Void
    ) {
        self.companions = companions
        self.queue = queue
        self.configuration = configuration
        self.transports = transports
        self.secrets = secrets
        self.logger = logger
        self.report = report
    }

    private var stopping: Bool { StopSignal.received != nil }

    /// Runs until a stop signal (exit 0) or a configuration error (exit 78).
    public func run() throws -> ExitStatus {
        try queue.prepare()
        var lock: FileLock?
        while lock == nil {
            if stopping {
                removeHeartbeat()
                return .success
            }
            lock = try FileLock.acquire(at: queue.lockPath, wait: false)
            if lock == nil {
                try writeHeartbeat("waiting for the lock")
                sleep(1)
            }
        }
        return try withExtendedLifetime(lock) {
            defer { for companion in companions { companion.stop() } }
            for companion in companions { try companion.start() }
            return try follow()
        }
    }

    private func follow() throws -> ExitStatus {
        let ledger = try Ledger(queue: queue)
        // Recovery's own connection: the engine's lanes write through `ledger` from their threads,
        // under its writer's lock, which this loop does not take.
        let recoveryLedger = try Ledger(queue: queue)
        let watcher = try PendingWatcher(directory: queue.pending)
        logger.info("following", metadata: ["queue": "\(queue.root)"])
        // One engine for the daemon's life: its lanes outlive each scan, so a lane busy with a slow
        // destination keeps its place while every other lane takes what arrives.
        let engine = DeliveryRun(
            queue: queue, configuration: configuration, ledger: ledger, transports: transports, secrets: secrets,
            options: DeliveryRun.Options(settle: Self.settle) { StopSignal.received != nil }, logger: logger)
        defer { engine.shutDown() }
        var scanDue = true
        var lastScan = ContinuousClock.now
        var nextDue: Timestamp?
        while !stopping {
            if scanDue || ContinuousClock.now - lastScan >= configuration.delivery.rescanInterval
                || nextDue.map({ $0 <= Timestamp.now() }) == true
            {
                try writeHeartbeat("delivering")
                scanDue = false
                lastScan = ContinuousClock.now
                nextDue = nil
                // A recovery that fails (a ledger busy past its timeout) is tried again at the next scan;
                // it must not stop the deliveries.
                do {
                    if let line = try queue.recoverStaged(ledger: recoveryLedger, by: "the driver").summary {
                        logger.notice("\(line)", metadata: ["queue": "\(queue.root)"])
                    }
                } catch {
                    logger.warning(
                        "recovering tmp/ failed; trying again at the next scan", metadata: ["error": "\(error)"])
                }
                try engine.feed()
            }
            // Busy is read before the summary is taken: a lane that finishes in between has its due
            // time in this summary, or the daemon wakes within a second for the next one.
            let busy = engine.isBusy
            let summary = engine.takeSummary()
            if !summary.isEmpty { report(summary) }
            if summary.configurationError != nil { return .configuration }
            if let due = summary.nextDue { nextDue = min(nextDue ?? due, due) }
            // A backlog larger than the lanes' read-ahead is read on as they drain it.
            if engine.hasUnread, engine.hasRoom {
                scanDue = true
                continue
            }
            try writeHeartbeat(busy ? "delivering" : "idle", atMostEvery: .seconds(1))
            // While lanes work, wake every second to print what they did and take their due times.
            let wait = busy ? 1 : waitSeconds(lastScan: lastScan, nextDue: nextDue)
            switch watcher.next(timeout: wait) {
            case .arrived(let name):
                // A name already gone was delivered by an earlier scan of the same burst.
                scanDue = QueueDirectory.isCandidate(name) && access("\(queue.pending)/\(name)", F_OK) == 0
            case .overflow:
                logger.info("inotify queue overflowed; scanning everything")
                scanDue = true
            case .watchLost:
                logger.info("pending/ was removed or moved; watching it again")
                try rewatch(watcher)
                scanDue = true
            case nil:
                break
            }
        }
        logger.info("stopping on a signal", metadata: ["signal": "\(StopSignal.received ?? 0)"])
        engine.shutDown()
        let last = engine.takeSummary()
        if !last.isEmpty { report(last) }
        removeHeartbeat()
        return .success
    }

    /// Whole seconds until the next rescan or due time, from 1 (libinotifytools reads 0 as "forever")
    /// to `longestWait`.
    private func waitSeconds(lastScan: ContinuousClock.Instant, nextDue: Timestamp?) -> Int {
        var wait = configuration.delivery.rescanInterval - (ContinuousClock.now - lastScan)
        if let nextDue {
            wait = min(wait, .nanoseconds(nextDue.rawValue - Timestamp.now().rawValue))
        }
        return min(Self.longestWait, max(1, Int(wait.seconds.rounded(.up))))
    }

    /// Sets the watch again once pending/ exists; recreates it when it stays away for 5 s.
    private func rewatch(_ watcher: PendingWatcher) throws {
        for attempt in 0... {
            if stopping { return }
            do {
                try watcher.watch()
                return
            } catch {
                if attempt == 5 { try queue.prepare() } else { sleep(1) }
            }
        }
    }

    private var lastHeartbeat: (activity: String, at: ContinuousClock.Instant)?

    /// A daemon stopped on purpose leaves no heartbeat, so the watchdog takes the queue for a cron
    /// set-up; only a daemon that died (or exited on an error) leaves one to go stale and be alerted.
    private func removeHeartbeat() {
        unlink("\(queue.state)/heartbeat")
    }

    /// `state/heartbeat`: the pid, the time and what the follower is doing, replaced atomically;
    /// the same activity is written again only after `interval`.
    private func writeHeartbeat(_ activity: String, atMostEvery interval: Duration = .zero) throws {
        if let last = lastHeartbeat, last.activity == activity, ContinuousClock.now - last.at < interval { return }
        lastHeartbeat = (activity, ContinuousClock.now)
        let text = "pid=\(getpid())\ntime=\(Timestamp.now().iso8601UTC)\nactivity=\(activity)\n"
        try DurableFile.replace("\(queue.state)/heartbeat", with: Array(text.utf8), via: queue.tmp)
    }
}
