#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportLedger

/// One pass over pending/: delivers reports oldest-first per lane with docs/design.md §5's guarantees.
///
/// - Only a destination's acceptance of every part moves a report toward sent/, and only after the
///   ledger has committed `delivered` for every destination it goes to.
/// - A transient failure stops that lane for the rest of the run: newer reports of the lane wait,
///   so order is never broken. Other lanes go on.
/// - A report that can never be delivered as it is goes to failed/ with its reason; its lane goes on.
/// - A destination that refuses as a whole (401/403/404) stops the run: a configuration error.
///
/// Ledger rows are written behind, in as few commits as the guarantees allow (docs/design.md §5,
/// "Fewer fsyncs"): every row is committed before the next thing outside the ledger happens (a message
/// leaves, or a file moves), so the rows of one report's success and the next report's `attempt` share
/// one commit. Delivered reports move to sent/ in batches, one directory fsync per batch.
///
/// The caller holds the delivery lock (except for a dry run, which changes nothing).
public final class DeliveryRun {
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
        /// Asked between reports: true ends the run early (a daemon's SIGTERM), the current report done.
        public var shouldStop: @Sendable () -> Bool

        public init(
            maxCount: Int? = nil, dryRun: Bool = false, onlyReport: String? = nil, settle: Duration = .zero,
            shouldStop: @escaping @Sendable () -> Bool = { false }
        ) {
            self.settle = settle
            self.maxCount = maxCount
            self.dryRun = dryRun
            self.onlyReport = onlyReport
            self.shouldStop = shouldStop
        }
    }

    private let queue: QueueDirectory
    private let configuration: Configuration
    private let ledger: Ledger?
    private let transports: [String: Transport]
    private let secrets: SecretResolver
    private let options: Options
    private let logger: Logger
    private var summary = DeliverySummary()
    /// Rows recorded but not yet committed; `commit()` makes them durable in one transaction.
    private var staged: [LedgerEvent.Draft] = []
    /// Reports every destination has accepted, waiting to move to sent/ together (`archiveReady()`).
    private var readyToArchive: [(entry: QueueEntry, resent: Bool)] = []
    /// Reports held by a destination's quiet hours that go out together as one digest (`flushDigest`).
    /// Keyed by lane (`Lane.name`).
    private var digests: [String: (destination: String, items: [HeldReport])] = [:]

    private struct HeldReport {
        let entry: QueueEntry
        let prepared: PreparedReport
        let names: [String]
        let deliveredTo: Set<String>
    }

    /// How many delivered reports move to sent/ under one pair of directory fsyncs.
    static let archiveBatchSize = 64

    public init(
        queue: QueueDirectory, configuration: Configuration, ledger: Ledger?, transports: [String: Transport],
        secrets: SecretResolver, options: Options, logger: Logger
    ) {
        self.queue = queue
        self.configuration = configuration
        self.ledger = ledger
        self.transports = transports
        self.secrets = secrets
        self.options = options
        self.logger = logger
    }

    /// Runs the pass and says what it did. Throws only when the queue or the ledger itself fails.
    public func run() throws -> DeliverySummary {
        summary = DeliverySummary()
        let limit = configuration.delivery.maxReportBytes
        let scan: PendingScan
        if let ledger, !options.dryRun {
            scan = try queue.scanPending(book: ledger, maxReportBytes: limit, settle: options.settle)
        } else {
            scan = try queue.scanPending(book: ReadOnlyEnqueueTimeBook(ledger), maxReportBytes: limit, settle: options.settle)
        }
        if let settling = scan.settlingUntil { summary.noteDue(settling) }
        var entries = scan.entries
        if let only = options.onlyReport { entries = entries.filter { $0.name == only } }

        var acted = 0
        do {
            for entry in entries {
                if let limit = options.maxCount, acted >= limit { break }
                if summary.configurationError != nil || options.shouldStop() { break }
                if try handle(entry) { acted += 1 }
            }
            for name in digests.keys.sorted() { try flushDigest(name) }
            try archiveReady()
            try commit()
        } catch {
            // What was staged happened (a destination accepted, a lane deferred): keep it if the ledger can.
            try? commit()
            throw error
        }
        return summary
    }

    /// Handles one pending entry; returns whether it acted on it (counts toward `maxCount`).
    private func handle(_ entry: QueueEntry) throws -> Bool {
        guard entry.kind == .regularFile else {
            try quarantine(entry, QuarantineRecord(category: "unreadable", reason: "\(entry.kind.rawValue), not a regular file; never opened or followed"))
            return true
        }
        let prepared: PreparedReport
        do {
            let bytes = try DurableFile.readRegularFile(entry.path, limit: configuration.delivery.maxReportBytes)
            let report = try ReportCodec.decode(bytes, format: entry.format, path: "pending/\(entry.name)")
            prepared = PreparedReport(id: entry.name, report: report, enqueuedAt: entry.enqueuedAt)
        } catch let error as QueueError where error.errno == ENOENT {
            return false  // moved away since the scan (an operator, a requeue): nothing to do
        } catch let error as QueueError {
            let reason: String
            switch error.errno {
            case EFBIG: reason = "\(entry.size.map(String.init) ?? "more") bytes, over delivery.max_report_bytes = \(configuration.delivery.maxReportBytes)"
            case ELOOP: reason = "became a symbolic link; never followed"
            default: reason = error.description
            }
            try quarantine(entry, QuarantineRecord(category: "unreadable", reason: reason))
            return true
        } catch let error as ReportFormatError {
            try quarantine(entry, QuarantineRecord(category: "unreadable", reason: error.description))
            return true
        }

        let names = configuration.destinationNames(for: prepared.report)
        for name in names where transports[name] == nil {
            do {
                _ = try configuration.destination(named: name, key: "destination (in the report)")
            } catch {
                try quarantine(entry, QuarantineRecord(category: "unroutable", reason: error.description))
                return true
            }
        }
        let history = ReportHistory(events: try ledger?.events(for: entry.name) ?? [])
        var deliveredTo = history.delivered
        var acted = false
        for name in names where !history.delivered.contains(name) {
            guard let transport = transports[name] else { continue }
            let lane = Lane.name(destination: name, report: prepared.report)
            if let reason = summary.stoppedLanes[lane] {
                logger.debug("lane stopped; report waits", metadata: ["report.id": "\(entry.name)", "lane": "\(lane)", "reason": "\(reason)"])
                continue
            }
            // Quiet hours hold a non-critical report without stopping the lane: a critical one behind
            // it still goes at once, and the held ones go, in order, when the window ends.
            if let quiet = transport.destination.quietHours, prepared.report.status != .critical,
                quiet.contains(Timestamp.now(), in: configuration.timeZone)
            {
                summary.noteDue(quiet.nextEnd(after: Timestamp.now(), in: configuration.timeZone))
                logger.debug("quiet hours; report waits", metadata: ["report.id": "\(entry.name)", "lane": "\(name)", "window": "\(quiet)"])
                continue
            }
            if isDigested(prepared, held: entry, by: transport.destination) {
                digests[lane, default: (name, [])].items.append(HeldReport(entry: entry, prepared: prepared, names: names, deliveredTo: deliveredTo))
                continue
            }
            // The lane's order: a digest of what was held before this report goes first.
            try flushDigest(lane)
            if summary.stoppedLanes[lane] != nil { continue }
            if let notBefore = history.notBefore[name], notBefore > Timestamp.now() {
                summary.stoppedLanes[lane] = "backing off until \(notBefore.iso8601UTC)"
                summary.noteDue(notBefore)
                continue
            }
            let attempts = history.attempts[name, default: 0]
            // A requeued report gets a new budget: its age counts from the requeue.
            let age = Timestamp.now().rawValue - max(entry.enqueuedAt, history.requeuedAt ?? entry.enqueuedAt).rawValue
            if attempts >= configuration.delivery.maxAttempts || (attempts > 0 && age > Int64(configuration.delivery.maxAge.seconds * 1e9)) {
                let why = attempts >= configuration.delivery.maxAttempts
                    ? "gave up after \(attempts) attempts (delivery.max_attempts)"
                    : "gave up: older than delivery.max_age after \(attempts) attempts"
                try quarantine(entry, QuarantineRecord(category: "gave-up", reason: why, destination: name, attempts: attempts, deliveredTo: history.delivered.sorted()))
                return true
            }
            acted = true
            switch try deliver(prepared, via: transport, history: history) {
            case .accepted:
                deliveredTo.insert(name)
            case .transient(let status, let retryAfter, let detail):
                try stopLane(lane, of: name, deferring: [entry.name], afterAttempt: attempts + 1, status: status, retryAfter: retryAfter, detail: detail)
            case .rejected(let status, let detail):
                try quarantine(entry, QuarantineRecord(category: "rejected", reason: secrets.redact(detail), destination: name, status: status, responseExcerpt: secrets.redact(detail), attempts: attempts + 1, deliveredTo: history.delivered.sorted()))
                return true
            case .destinationBroken(let status, let detail):
                let text = "destination '\(name)' refused as a whole (check its URL or token): \(secrets.redact(detail))"
                try record(.init(.deferred, report: entry.name, destination: name, status: status, detail: text))
                summary.configurationError = text
                return true
            }
        }
        if ledger != nil, !options.dryRun, names.allSatisfy(deliveredTo.contains) {
            readyToArchive.append((entry, acted))
            if readyToArchive.count >= Self.archiveBatchSize { try archiveReady() }
            return true
        }
        if !options.dryRun { summary.waiting += 1 }
        return acted
    }

    /// Whether a report was held by the destination's last quiet window and goes in its digest.
    private func isDigested(_ prepared: PreparedReport, held entry: QueueEntry, by destination: Destination) -> Bool {
        guard destination.quietDigest, let quiet = destination.quietHours, prepared.report.status != .critical,
            let end = quiet.lastEnd(atOrBefore: Timestamp.now(), in: configuration.timeZone)
        else { return false }
        let start = end.adding(nanoseconds: -Int64(quiet.length.seconds * 1e9))
        return entry.enqueuedAt >= start && entry.enqueuedAt < end
    }

    /// Sends the reports held for `lane` as one message listing them and records each as delivered.
    ///
    /// The digest is delivered like any report (`deliver`, under an id made from its first report, so
    /// that a retry resumes at the first part not yet accepted); each held report also gets its own
    /// `attempt` row before it leaves and its own `delivered` row after. A failure defers them all and
    /// stops the lane, as any failure does.
    private func flushDigest(_ lane: String) throws {
        guard let (name, items) = digests.removeValue(forKey: lane), !items.isEmpty, let transport = transports[name] else { return }
        let window = transport.destination.quietHours.map { "\($0)" } ?? "quiet hours"
        let zone = configuration.timeZone
        let lines = items.map { "- \($0.prepared.report.title) (\($0.prepared.report.kind.rawValue), \($0.prepared.enqueuedAt.shortLocal(in: zone)))" }
        let digest = Report(
            kind: .note, title: "\(items.count) report(s) held during quiet hours \(window)",
            fields: ["status": .text(ReportStatus.normal.rawValue)], body: lines.joined(separator: "\n"))
        let prepared = PreparedReport(id: "digest-\(items[0].entry.name)", report: digest, enqueuedAt: items[0].entry.enqueuedAt)
        let reports = items.map(\.entry.name)
        for report in reports { try record(.init(.attempt, report: report, destination: name, detail: "in a quiet-hours digest")) }
        let history = ReportHistory(events: try ledger?.events(for: prepared.id) ?? [])
        switch try deliver(prepared, via: transport, history: history) {
        case .accepted:
            guard !options.dryRun else { return }
            for item in items {
                try record(.init(.delivered, report: item.entry.name, destination: name, detail: "in a quiet-hours digest of \(items.count)"))
                if ledger != nil, item.names.allSatisfy({ item.deliveredTo.contains($0) || $0 == name }) {
                    readyToArchive.append((item.entry, true))
                    summary.waiting = max(0, summary.waiting - 1)  // handle() counted it as waiting
                }
            }
            logger.info("delivered a quiet-hours digest", metadata: ["lane": "\(name)", "reports": "\(items.count)"])
        case .transient(let status, let retryAfter, let detail):
            try stopLane(lane, of: name, deferring: reports, afterAttempt: history.attempts[name, default: 0] + 1, status: status, retryAfter: retryAfter, detail: detail)
        case .rejected(let status, let detail):
            // The digest itself is refused (a 4xx about the message): its reports wait, the reason is shown.
            try stopLane(
                lane, of: name, deferring: reports, afterAttempt: history.attempts[name, default: 0] + 1, status: status, retryAfter: nil,
                detail: "the quiet-hours digest was refused: \(detail)")
        case .destinationBroken(let status, let detail):
            let text = "destination '\(name)' refused as a whole (check its URL or token): \(secrets.redact(detail))"
            for report in reports { try record(.init(.deferred, report: report, destination: name, status: status, detail: text)) }
            summary.configurationError = text
        }
    }

    /// A transient failure: each report of `reports` waits its backoff (never less than the
    /// destination's Retry-After), and the lane stops for the rest of the run, so order holds.
    private func stopLane(
        _ lane: String, of name: String, deferring reports: [String], afterAttempt attempt: Int, status: Int?, retryAfter: Duration?, detail: String
    ) throws {
        let delay = Backoff(policy: configuration.delivery).delay(afterAttempt: attempt, retryAfter: retryAfter)
        let notBefore = Timestamp.now().adding(nanoseconds: Int64(delay.seconds * 1e9))
        for report in reports {
            try record(.init(.deferred, report: report, destination: name, status: status, detail: secrets.redact(detail), notBefore: notBefore))
        }
        summary.stoppedLanes[lane] = secrets.redact(detail)
        summary.noteDue(notBefore)
    }

    /// Sends every part a destination has not accepted yet; the ledger records each step before the next.
    private func deliver(_ prepared: PreparedReport, via transport: Transport, history: ReportHistory) throws -> SendOutcome {
        let lane = transport.destination.name
        let messages: [OutgoingMessage]
        do {
            messages = try transport.messages(for: prepared)
        } catch {
            return .rejected(status: nil, detail: "cannot render for \(transport.destination.channel.rawValue): \(error)")
        }
        let done = history.deliveredParts[lane] ?? []
        let remaining = messages.filter { !done.contains($0.part) }
        if options.dryRun {
            for message in remaining {
                summary.previews.append("\(prepared.id) → \(lane) (\(transport.destination.channel.rawValue)) part \(message.part)/\(message.parts):\n\(transport.preview(message, of: prepared))")
            }
            return .accepted(status: nil, messageID: nil)
        }
        try record(.init(.attempt, report: prepared.id, destination: lane, part: remaining.first?.part, parts: messages.count))
        var waits = 0
        for message in remaining {
            try commit()  // the attempt, and whatever came before, is durable before the message leaves
            var outcome = transport.send(message, of: prepared)
            // A short rate-limit pause is waited out here, so that a multi-part report is not put off
            // for a whole backoff; a long one ends the lane's turn like any transient failure.
            while let pause = Self.rateLimitPause(outcome), waits < Self.rateLimitWaitsPerReport {
                waits += 1
                let until = Timestamp.now().adding(nanoseconds: Int64(pause.seconds * 1e9))
                try record(.init(.deferred, report: prepared.id, destination: lane, status: 429, part: message.part, parts: message.parts, detail: "rate limited; waiting \(pause) in this run", notBefore: until))
                logger.info("rate limited; waiting", metadata: ["report.id": "\(prepared.id)", "lane": "\(lane)", "seconds": "\(pause.seconds)"])
                Thread.sleep(forTimeInterval: pause.seconds)
                try commit()
                outcome = transport.send(message, of: prepared)
            }
            let notices = transport.takeNotices().map(secrets.redact)
            summary.notices += notices
            guard case .accepted(let status, let messageID) = outcome else { return outcome }
            let detail = ([messageID].compactMap { $0 } + notices).map(secrets.redact).joined(separator: "; ")
            try record(.init(.partDelivered, report: prepared.id, destination: lane, status: status, part: message.part, parts: message.parts, detail: detail.isEmpty ? nil : detail))
        }
        try record(.init(.delivered, report: prepared.id, destination: lane, parts: messages.count))
        logger.info("delivered", metadata: ["report.id": "\(prepared.id)", "lane": "\(lane)", "parts": "\(messages.count)"])
        return .accepted(status: nil, messageID: nil)
    }

    /// The longest rate-limit pause waited out inside a run, and how many such waits one report gets.
    static let longestRateLimitWait: Duration = .seconds(10)
    static let rateLimitWaitsPerReport = 3

    /// The pause a 429 asks for, when it is short enough to wait out in this run.
    static func rateLimitPause(_ outcome: SendOutcome) -> Duration? {
        guard case .transient(429, let retryAfter?, _) = outcome, retryAfter <= longestRateLimitWait else { return nil }
        return max(retryAfter, .milliseconds(1))
    }

    private func quarantine(_ entry: QueueEntry, _ record: QuarantineRecord) throws {
        if options.dryRun {
            summary.previews.append("\(entry.name) → failed/: \(record.category): \(record.reason)")
            return
        }
        guard let ledger else { return }
        try commit()  // rows before a file moves
        try queue.quarantine(entry, failure: record, ledger: ledger)
        summary.quarantined.append(.init(id: entry.name, reason: "\(record.category): \(record.reason)"))
        logger.info("quarantined", metadata: ["report.id": "\(entry.name)", "reason": "\(record.reason)"])
    }

    /// Stages a row; it becomes durable with the next `commit()`, which comes before any send or move.
    private func record(_ draft: LedgerEvent.Draft) throws {
        guard !options.dryRun, ledger != nil else { return }
        staged.append(draft)
    }

    /// Commits the staged rows in one transaction (one fsync of the write-ahead log).
    private func commit() throws {
        guard let ledger, !staged.isEmpty else { return }
        try ledger.append(staged)
        staged.removeAll(keepingCapacity: true)
    }

    /// Moves the delivered reports waiting in `readyToArchive` to sent/ (after committing their
    /// `delivered` rows) and stages one `archived` row each.
    private func archiveReady() throws {
        guard !readyToArchive.isEmpty else { return }
        try commit()
        let batch = readyToArchive
        readyToArchive.removeAll(keepingCapacity: true)
        try queue.archive(batch.map(\.entry))
        for (entry, resent) in batch {
            try record(.init(.archived, report: entry.name, detail: "moved to sent/"))
            if resent { summary.delivered.append(entry.name) } else { summary.recovered.append(entry.name) }
            logger.info("archived", metadata: ["report.id": "\(entry.name)", "resent": "\(resent)"])
        }
    }
}
