#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportLedger

/// The delivery engine: reports oldest-first per lane with docs/design.md §5's guarantees, every lane
/// on a worker of its own (`LaneWorker`), so no lane ever waits for another.
///
/// - Only a destination's acceptance of every part moves a report toward sent/, and only after the
///   ledger has committed `delivered` for every destination it goes to.
/// - A transient failure stops that lane for the rest of the pass: newer reports of the lane wait,
///   so order is never broken. Other lanes go on, at their own pace.
/// - A report that can never be delivered as it is goes to failed/ with its reason; its lane goes on.
/// - A destination that refuses as a whole (401/403/404) stops the run: a configuration error.
///
/// This type reads pending/, hands each lane its reports, and keeps what lanes share: the ledger's
/// one writer (`LedgerWriter`, group commit), which reports every destination has accepted (they
/// move to sent/ in batches, one directory fsync per batch) and the summary. `run()` is one pass
/// that ends when every lane is done (`--once`, `--file`, the watchdog's drain); `feed()` with
/// `takeSummary()` and `shutDown()` is the daemon's engine, whose lanes outlive each scan.
///
/// The caller holds the delivery lock (except for a dry run, which changes nothing and runs its lanes
/// one after another on the calling thread, so its previews come in a stable order).
public final class DeliveryRun: @unchecked Sendable {
    /// What a run may do.
    public struct Options: Sendable {
        /// Reports to act on at most (deliver, archive or quarantine); nil for all.
        public var maxCount: Int?
        /// Render and report what would happen; move nothing, write nothing.
        public var dryRun: Bool
        /// Deliver only this report id (the `--file` direct path).
        public var onlyReport: String?
        /// How long a file dropped in by hand must be left alone before it is read (see `scanPending`).
        public var settle: Duration
        /// How many reports the lanes may hold at once, decoded; a larger backlog is read as they drain it.
        public var readAhead: Int
        /// Asked by every lane's waits: true ends the run early (a daemon's SIGTERM); reports in hand
        /// stay in pending/ for the next run.
        public var shouldStop: @Sendable () -> Bool

        public init(
            maxCount: Int? = nil, dryRun: Bool = false, onlyReport: String? = nil, settle: Duration = .zero,
            readAhead: Int = 4096,
            shouldStop: @escaping @Sendable () -> Bool = { false }
        ) {
            self.settle = settle
            self.readAhead = max(2, readAhead)
            self.maxCount = maxCount
            self.dryRun = dryRun
            self.onlyReport = onlyReport
            self.shouldStop = shouldStop
        }
    }

    let queue: QueueDirectory
    let configuration: Configuration
    let secrets: SecretResolver
    let options: Options
    private let logger: Logger
    private let ledger: Ledger?
    /// The ledger's single writer, shared by the lanes; nil without a ledger.
    let writer: LedgerWriter?
    /// Ends every lane's waits: the caller's stop, or a destination broken as a whole.
    let interruption: Interruption
    private let transports: [String: Transport]

    /// Guards everything below.
    private let state = NSCondition()
    private var summary = DeliverySummary()
    private var lanes: [String: LaneWorker] = [:]
    private var laneOrder: [String] = []
    /// Reports read and handed to lanes, not yet archived or quarantined.
    private var open: [String: Tracked] = [:]
    /// Reports this engine archived or quarantined, until a scan no longer lists them.
    private var finished: Set<String> = []
    /// Reports every destination has accepted, waiting to move to sent/ together (`archiveReady()`).
    private var readyToArchive: [(entry: QueueEntry, resent: Bool)] = []
    private var failure: Error?
    /// The number of the current `feed()`: a lane takes a higher one as a new pass.
    private var pass = 0
    private var unread = false
    /// Reports a lane put down in this run without any destination taking them: names only, for
    /// `waiting` (their decoded form is not kept; a later pass reads them again).
    private var leftBehind: Set<String> = []
    /// The enqueue times of what the summary lists as archived, to list it oldest first.
    private var archivedAt: [String: Timestamp] = [:]
    /// Serialises moves to sent/ (any lane may start one) and quarantines.
    private let moving = NSLock()

    private struct Tracked {
        let entry: QueueEntry
        let prepared: PreparedReport
        let destinations: [String]
        var delivered: Set<String>
        var resent: Bool
        /// The destinations that accepted it in this run (not before it).
        var acceptedNow: Set<String> = []
    }

    /// How many delivered reports move to sent/ under one pair of directory fsyncs.
    static let archiveBatchSize = 64

    /// - Parameter transports: one per destination, for its first lane; another lane of the same
    ///   destination (a relay's origin) gets a sibling (`TransportFactory.sibling`) sharing its pace.
    public init(
        queue: QueueDirectory, configuration: Configuration, ledger: Ledger?, transports: [String: Transport],
        secrets: SecretResolver, options: Options, logger: Logger
    ) {
        self.queue = queue
        self.configuration = configuration
        self.ledger = ledger
        self.writer = ledger.map(LedgerWriter.init)
        self.transports = transports
        self.secrets = secrets
        self.options = options
        self.logger = logger
        self.interruption = Interruption(also: options.shouldStop)
    }

    /// One pass: hands every due report to its lanes and returns when all of them are done.
    /// Throws only when the queue or the ledger itself fails.
    public func run() throws -> DeliverySummary {
        defer { shutDown() }
        try feed(waitingForRoom: !options.dryRun)
        if options.dryRun {
            for name in laneNames() { lane(named: name)?.drain() }
        } else {
            waitUntilIdle()
        }
        try finishPass()
        return takeSummary(final: true)
    }

    /// Scans pending/ and hands each lane the reports it has not been given yet, oldest first. The
    /// lanes start at once; `takeSummary()` tells what they did. It reads at most `readAhead` reports
    /// ahead of the lanes; what it left unread (`hasUnread`) the next call takes.
    public func feed() throws {
        try feed(waitingForRoom: false)
    }

    /// Whether the last `feed()` stopped at the read-ahead bound with reports left to read.
    public var hasUnread: Bool { withState { unread } }

    /// Whether the lanes have room for more: a daemon feeds again when they do and `hasUnread`.
    public var hasRoom: Bool { inHand() < options.readAhead / 2 }

    /// How many reports the lanes hold now, queued or in hand.
    public var reportsInHand: Int { inHand() }

    private func inHand() -> Int {
        withState { lanes.values.map { $0 } }.reduce(0) { $0 + $1.heldCount }
    }

    private func feed(waitingForRoom: Bool) throws {
        try rethrowFailure()
        pass += 1
        withState { unread = false }
        // Every row the lanes staged is durable before a history is read: a report a lane just put
        // down is seen with its backoff, one another lane just delivered is not sent there again.
        try writer?.commit()
        let limit = configuration.delivery.maxReportBytes
        // A name linked into pending/ while it is being read may or may not be listed, and a hashed
        // directory lists in no particular order: a scan during a burst can see a report and miss an
        // older one linked just before it. Everything in this first listing was linked before the
        // scan began, so the scan takes producer-named reports no newer than the newest of them; a
        // newer one waits for the next scan (`hasUnread`), which a daemon makes at once.
        let cutoff = try DirectoryListing.names(in: queue.pending).compactMap { ReportName.enqueueTime(of: $0.name) }
            .max()
        let scan: PendingScan
        if let writer, !options.dryRun {
            scan = try queue.scanPending(book: writer, maxReportBytes: limit, settle: options.settle)
        } else {
            scan = try queue.scanPending(
                book: ReadOnlyEnqueueTimeBook(ledger), maxReportBytes: limit, settle: options.settle)
        }
        if let settling = scan.settlingUntil { noteDue(settling) }
        var entries = scan.entries.filter { entry in
            guard ReportName.enqueueTime(of: entry.name) != nil else { return true }
            return cutoff.map { entry.enqueuedAt <= $0 } ?? false
        }
        if entries.count < scan.entries.count { withState { unread = true } }
        if let only = options.onlyReport { entries = scan.entries.filter { $0.name == only } }
        forget(missingFrom: Set(scan.entries.map(\.name)))
        withState { leftBehind.removeAll() }

        var acted = 0
        var handOut: [String: [LaneWorker.Item]] = [:]
        var handOutOrder: [String] = []
        for entry in entries {
            if let limit = options.maxCount, acted >= limit { break }
            if isStopping { break }
            if inHand() + handOut.values.reduce(0, { $0 + $1.count }) >= options.readAhead {
                flushHandOut(&handOut, order: &handOutOrder)
                guard waitingForRoom else {
                    withState { unread = true }
                    break
                }
                while inHand() >= options.readAhead / 2, !isStopping { Thread.sleep(forTimeInterval: 0.01) }
            }
            let (known, done) = withState { (open[entry.name], finished.contains(entry.name)) }
            if done { continue }
            var fresh: Tracked?
            if let known {
                // In hand already: only a lane that put it down (stopped) is given it again.
                let due = known.destinations.filter { !known.delivered.contains($0) }
                if due.allSatisfy({
                    lane(named: Lane.name(destination: $0, report: known.prepared.report))?.holds(entry.name) == true
                }) {
                    continue
                }
            } else {
                guard let read = try read(entry) else {
                    acted += 1
                    continue
                }
                fresh = read
            }
            let history = try writer.map { try $0.history(of: entry.name) } ?? ReportHistory(events: [])
            // Merged under the lock, never copied back: what a lane recorded meanwhile (a delivery,
            // a finished report) stands.
            let merged: Tracked? = withState {
                guard !finished.contains(entry.name), var current = open[entry.name] ?? fresh ?? known else {
                    return nil
                }
                current.delivered.formUnion(history.delivered)
                open[entry.name] = current
                return current
            }
            guard let tracked = merged else { continue }
            let due = tracked.destinations.filter { !tracked.delivered.contains($0) }
            if due.isEmpty {
                // Every destination accepted it already (a crash came before the move): archive, no resend.
                if fresh != nil, ledger != nil, !options.dryRun {
                    delivered(entry, to: nil, resent: false)
                } else if fresh != nil {
                    withState { open[entry.name] = nil }
                }
                acted += 1
                continue
            }
            var countsAsActing = false
            for destination in due {
                let laneName = Lane.name(destination: destination, report: tracked.prepared.report)
                guard try lane(laneName, destination: destination) != nil else { continue }
                if lane(named: laneName)?.holds(entry.name) == true { continue }
                if handOut[laneName] == nil { handOutOrder.append(laneName) }
                handOut[laneName, default: []].append(
                    LaneWorker.Item(entry: entry, prepared: tracked.prepared, history: history))
                if !(history.notBefore[destination].map { $0 > Timestamp.now() } ?? false) { countsAsActing = true }
            }
            if countsAsActing { acted += 1 }
            // Hand over in batches while reading on, so lanes start before the whole backlog is read.
            if handOut.values.contains(where: { $0.count >= 64 }) { flushHandOut(&handOut, order: &handOutOrder) }
        }
        flushHandOut(&handOut, order: &handOutOrder)
    }

    /// What the lanes did since the last call: delivered, quarantined, stopped lanes, notices.
    public func takeSummary() -> DeliverySummary {
        takeSummary(final: false)
    }

    /// Whether some lane has reports in hand.
    public var isBusy: Bool {
        !laneNames().allSatisfy { lane(named: $0)?.isIdle ?? true }
    }

    /// Interrupts every wait, lets each lane finish its step, and makes what was staged durable.
    /// Reports in hand stay in pending/ for the next run.
    public func shutDown() {
        interruption.request()
        let workers = withState { lanes.values.map { $0 } }
        for worker in workers { worker.close() }
        state.lock()
        while !workers.allSatisfy(\.isIdle) { _ = state.wait(until: Date(timeIntervalSinceNow: 0.05)) }
        state.unlock()
        try? finishPass()
    }

    /// How many ledger transactions the run has committed so far (group commit: fewer than rows).
    public var ledgerCommits: Int { writer?.commitCount ?? 0 }

    // MARK: Reading and handing out

    /// Reads and routes one pending entry; nil when it was quarantined or is gone.
    private func read(_ entry: QueueEntry) throws -> Tracked? {
        guard entry.kind == .regularFile else {
            try quarantine(
                entry,
                QuarantineRecord(
                    category: "unreadable",
                    reason: "\(entry.kind.rawValue), not a regular file; never opened or followed"))
            return nil
        }
        let prepared: PreparedReport
        do {
            let bytes = try DurableFile.readRegularFile(entry.path, limit: configuration.delivery.maxReportBytes)
            let report = try ReportCodec.decode(bytes, format: entry.format, path: "pending/\(entry.name)")
            prepared = PreparedReport(id: entry.name, report: report, enqueuedAt: entry.enqueuedAt)
        } catch let error as SystemError where error.errno == ENOENT {
            return nil  // moved away since the scan (an operator, a requeue): nothing to do
        } catch let error as SystemError {
            let reason: String
            switch error.errno {
            case EFBIG:
                reason =
                    "\(entry.size.map(String.init) ?? "more") bytes, over delivery.max_report_bytes = \(configuration.delivery.maxReportBytes)"
            case ELOOP: reason = "became a symbolic link; never followed"
            default: reason = error.description
            }
            try quarantine(entry, QuarantineRecord(category: "unreadable", reason: reason))
            return nil
        } catch let error as ReportFormatError {
            try quarantine(entry, QuarantineRecord(category: "unreadable", reason: error.description))
            return nil
        }
        let names = configuration.destinationNames(for: prepared.report)
        for name in names where transports[name] == nil {
            do {
                _ = try configuration.destination(named: name, key: "destination (in the report)")
            } catch {
                try quarantine(entry, QuarantineRecord(category: "unroutable", reason: error.description))
                return nil
            }
        }
        return Tracked(
            entry: entry, prepared: prepared, destinations: names.filter { transports[$0] != nil }, delivered: [],
            resent: false)
    }

    private func flushHandOut(_ handOut: inout [String: [LaneWorker.Item]], order: inout [String]) {
        for name in order where !isStopping {
            guard let items = handOut[name], let worker = lane(named: name) else { continue }
            worker.enqueue(items, pass: pass)
        }
        handOut.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }

    /// The lane's worker, started on first use with its own transport.
    private func lane(_ name: String, destination: String) throws -> LaneWorker? {
        if let worker = lane(named: name) { return worker }
        guard let base = transports[destination] else { return nil }
        let first = withState { !lanes.values.contains { $0.destination == destination } }
        let transport =
            first
            ? base
            : try TransportFactory.sibling(of: base, queue: queue, configuration: configuration, secrets: secrets)
        transport.interruption = interruption
        let worker = LaneWorker(name: name, destination: destination, transport: transport, run: self, logger: logger)
        withState {
            lanes[name] = worker
            laneOrder.append(name)
        }
        if !options.dryRun { worker.start() }
        return worker
    }

    private func lane(named name: String) -> LaneWorker? {
        withState { lanes[name] }
    }

    private func laneNames() -> [String] {
        withState { laneOrder }
    }

    /// Drops what a scan no longer lists and no lane holds (moved away by hand, or long archived).
    private func forget(missingFrom listed: Set<String>) {
        withState {
            finished = finished.filter(listed.contains)
            for name in open.keys where !listed.contains(name) && !lanes.values.contains(where: { $0.holds(name) }) {
                open[name] = nil
            }
        }
    }

    private func waitUntilIdle() {
        state.lock()
        defer { state.unlock() }
        while !lanes.values.allSatisfy(\.isIdle) { _ = state.wait(until: Date(timeIntervalSinceNow: 0.05)) }
    }

    /// What ends a pass: every delivered report moved to sent/, every row durable.
    private func finishPass() throws {
        try archiveReady()
        try writer?.commit()
        try rethrowFailure()
    }

    private func takeSummary(final: Bool) -> DeliverySummary {
        withState {
            var taken = summary
            summary = DeliverySummary()
            // Lanes finish in their own time; the summary lists reports oldest first, as one lane would.
            let time = archivedAt
            archivedAt.removeAll()
            func older(_ a: String, _ b: String) -> Bool {
                (time[a] ?? .init(rawValue: 0), a) < (time[b] ?? .init(rawValue: 0), b)
            }
            taken.delivered.sort(by: older)
            taken.recovered.sort(by: older)
            if final || !options.dryRun {
                taken.waiting = open.count + leftBehind.subtracting(open.keys).subtracting(finished).count
            }
            if options.dryRun { taken.waiting = 0 }
            return taken
        }
    }

    // MARK: What lanes report (any thread)

    /// Stages a row; it becomes durable with the next commit, which comes before any send or move.
    func record(_ draft: LedgerEvent.Draft) {
        guard !options.dryRun else { return }
        writer?.stage([draft])
    }

    /// Whether `destination` may still be sent `report`: it is open (not archived or quarantined)
    /// and that destination has not accepted it in this run. A lane asks right before it acts, so a
    /// copy handed over again by a scan that raced its delivery is dropped.
    func claim(_ report: String, for destination: String) -> Bool {
        withState {
            guard let tracked = open[report], !finished.contains(report) else { return false }
            return !tracked.delivered.contains(destination)
        }
    }

    /// A destination accepted every part of `entry` (nil: the ledger already says every one did).
    /// Once every destination has, the report joins the next batch to sent/.
    func delivered(_ entry: QueueEntry, to destination: String?, resent: Bool) {
        guard !options.dryRun, ledger != nil else { return }
        let batchFull: Bool = withState {
            guard var tracked = open[entry.name], !finished.contains(entry.name) else { return false }
            if let destination {
                tracked.delivered.insert(destination)
                tracked.acceptedNow.insert(destination)
            }
            tracked.resent = tracked.resent || resent
            open[entry.name] = tracked
            guard destination == nil || tracked.destinations.allSatisfy(tracked.delivered.contains) else {
                return false
            }
            finished.insert(entry.name)
            open[entry.name] = nil
            readyToArchive.append((tracked.entry, tracked.resent))
            return readyToArchive.count >= Self.archiveBatchSize
        }
        if batchFull {
            do { try archiveReady() } catch { fail(error) }
        }
    }

    /// A lane put a report down without acting on it: it waits in pending/ for a later pass. Once no
    /// lane holds it, and no destination took it in this run, only its name is kept.
    func leave(_ report: String, lane: LaneWorker) {
        let workers = withState { lanes.values.filter { $0 !== lane } }
        guard !workers.contains(where: { $0.holds(report) }) else { return }
        withState {
            guard let tracked = open[report], tracked.acceptedNow.isEmpty else { return }
            open[report] = nil
            leftBehind.insert(report)
        }
    }

    /// A lane has nothing left: move what is ready, and wake whoever waits for the run to be idle.
    func laneRanDry(_ lane: LaneWorker) {
        do { try archiveReady() } catch { fail(error) }
        state.lock()
        state.broadcast()
        state.unlock()
    }

    func laneStopped(_ lane: String, reason: String, due: Timestamp?) {
        withState {
            summary.stoppedLanes[lane] = reason
            if let due { summary.noteDue(due) }
        }
    }

    func noteDue(_ time: Timestamp) {
        withState { summary.noteDue(time) }
    }

    func notice(_ notices: [String]) {
        guard !notices.isEmpty else { return }
        withState { summary.notices += notices }
    }

    func preview(_ text: String) {
        withState { summary.previews.append(text) }
    }

    /// A destination refused as a whole: the run stops, every lane's wait ends.
    func configurationBroken(_ text: String) {
        withState { if summary.configurationError == nil { summary.configurationError = text } }
        interruption.request()
    }

    /// The queue or the ledger failed under a lane: the run stops and `run()`/`feed()` throw it.
    func fail(_ error: Error) {
        withState { if failure == nil { failure = error } }
        interruption.request()
    }

    private var isStopping: Bool {
        interruption.isRequested
    }

    private func rethrowFailure() throws {
        if let failure = withState({ failure }) { throw failure }
    }

    /// Moves a report to failed/ with its reason (after committing the rows before it).
    func quarantine(_ entry: QueueEntry, _ record: QuarantineRecord) throws {
        if options.dryRun {
            withState { summary.previews.append("\(entry.name) → failed/: \(record.category): \(record.reason)") }
            return
        }
        guard let writer else { return }
        moving.lock()
        defer { moving.unlock() }
        try writer.commit()  // rows before a file moves
        let first: Bool = withState {
            guard !finished.contains(entry.name) else { return false }
            finished.insert(entry.name)
            open[entry.name] = nil
            return true
        }
        guard first else { return }
        try writer.withConnection { try queue.quarantine(entry, failure: record, ledger: $0) }
        withState { summary.quarantined.append(.init(id: entry.name, reason: "\(record.category): \(record.reason)")) }
        logger.info("quarantined", metadata: ["report.id": "\(entry.name)", "reason": "\(record.reason)"])
    }

    /// Moves the delivered reports waiting in `readyToArchive` to sent/ (after committing their
    /// `delivered` rows) and stages one `archived` row each.
    private func archiveReady() throws {
        guard let writer else { return }
        moving.lock()
        defer { moving.unlock() }
        let batch: [(entry: QueueEntry, resent: Bool)] = withState {
            defer { readyToArchive.removeAll(keepingCapacity: true) }
            return readyToArchive
        }
        guard !batch.isEmpty else { return }
        try writer.commit()
        try queue.archive(batch.map(\.entry))
        for (entry, resent) in batch {
            record(.init(.archived, report: entry.name, detail: "moved to sent/"))
            logger.info("archived", metadata: ["report.id": "\(entry.name)", "resent": "\(resent)"])
        }
        withState {
            for (entry, resent) in batch {
                if resent { summary.delivered.append(entry.name) } else { summary.recovered.append(entry.name) }
                archivedAt[entry.name] = entry.enqueuedAt
            }
        }
    }

    private func withState<T>(_ body: () throws -> T) rethrows -> T {
        state.lock()
        defer { state.unlock() }
        return try body()
    }
}
