import Foundation
import Logging
import OwnerReportCore
import OwnerReportLedger

/// One lane's worker (docs/design.md §5): it delivers its own reports oldest-first, on a thread of
/// its own, with its own transport (its own connection), backoff, pace and rate-limit waits, so a
/// slow, hanging or rate-limited lane delays no other.
///
/// A lane takes what the run hands it (`enqueue`) in order. A transient failure stops the lane until
/// the run hands it its reports again (the next pass), so its order holds; a report that can never be
/// delivered goes to failed/ and the lane goes on. Every row is staged with the run's shared
/// `LedgerWriter` and committed before the next message leaves.
///
/// Locks: the run may ask a lane (its `condition`) while holding the run's own lock; a lane never
/// calls into the run while it holds its `condition`.
final class LaneWorker: @unchecked Sendable {
    /// A report the run gave this lane: what it is and what the ledger said of it then.
    struct Item {
        let entry: QueueEntry
        let prepared: PreparedReport
        /// The ledger's rows for the report when the run handed it over. Only this lane writes the
        /// rows of its destination, so they stay true until this lane acts on the report.
        let history: ReportHistory
        var name: String { entry.name }
    }

    let name: String
    let destination: String
    private let transport: Transport
    private let run: DeliveryRun
    private let logger: Logger

    private let condition = NSCondition()
    private var items: [Item] = []
    /// Names handed over and not yet acted on, so a rescan does not hand a report over twice.
    private var holding: Set<String> = []
    private var working = false
    private var closed = false
    /// The thread has ended (closed, or the run interrupted): the lane takes nothing more, and a run
    /// that waits for it to be idle does not wait for reports nobody will deliver.
    private var ended = false
    /// Why the lane stopped, and until when: a later pass (`enqueue` with a higher number) starts it
    /// again only once that time has come, so a daemon's next scan never cuts a backoff short.
    private var stopped: String?
    private var stoppedUntil: Timestamp?
    /// The pass whose reports the lane holds (`DeliveryRun.feed` numbers them).
    private var pass = 0
    /// Reports a quiet window held, to go out as one digest before the lane's next report.
    private var held: [Item] = []
    /// Set when a catch-up digest was refused as a whole: this lane sends one message per report.
    private var catchUpRefused = false
    private var thread: Thread?

    init(name: String, destination: String, transport: Transport, run: DeliveryRun, logger: Logger) {
        self.name = name
        self.destination = destination
        self.transport = transport
        self.run = run
        var logger = logger
        logger[metadataKey: "lane"] = "\(name)"
        self.logger = logger
    }

    /// Hands the lane reports of pass `pass` to deliver after those it has; returns the ones it took
    /// (not already held).
    @discardableResult
    func enqueue(_ new: [Item], pass: Int) -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        guard !ended else { return [] }
        let taken = new.filter { holding.insert($0.name).inserted }
        guard !taken.isEmpty else { return [] }
        if pass > self.pass {
            self.pass = pass
            if stoppedUntil.map({ $0 <= Timestamp.now() }) ?? true { (stopped, stoppedUntil) = (nil, nil) }
        }
        items += taken
        condition.broadcast()
        return taken
    }

    /// How many reports the lane holds, queued or in hand.
    var heldCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return holding.count
    }

    /// Whether the lane holds `report` (queued or in hand).
    func holds(_ report: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return holding.contains(report)
    }

    /// Whether the lane has nothing queued and nothing in hand.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended || (items.isEmpty && !working)
    }

    /// Starts the lane's thread, which works until `close()`.
    func start() {
        let thread = Thread { [self] in self.work(untilClosed: true) }
        thread.name = "lane \(name)"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Works through what is queued on the calling thread and returns (a dry run's single thread).
    func drain() {
        work(untilClosed: false)
    }

    /// Asks the thread to end once its current step is done (waits were interrupted by the run).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func work(untilClosed: Bool) {
        while let item = next(waiting: untilClosed) {
            do {
                try step(item)
            } catch {
                run.fail(error)
            }
            release([item.name])
            if queueIsEmpty { finishTurn() }
        }
        // Closed or interrupted: what is left waits in pending/ for the next run.
        condition.lock()
        let left = items + held
        items.removeAll()
        held.removeAll()
        holding.removeAll()
        working = false
        ended = untilClosed
        condition.unlock()
        for item in left { run.leave(item.name, lane: self) }
        run.laneRanDry(self)
    }

    /// The next report to act on, waiting for one when `waiting`; nil once the lane is closed, the
    /// run interrupted, or (not waiting) nothing is left.
    private func next(waiting: Bool) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, waiting, !closed, !run.interruption.isRequested { condition.wait() }
        guard !items.isEmpty, !closed, !run.interruption.isRequested else { return nil }
        working = true
        return items.removeFirst()
    }

    private var queueIsEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return items.isEmpty
    }

    /// Reports the lane has acted on: a later pass may hand them over again.
    private func release(_ names: [String]) {
        condition.lock()
        for name in names { holding.remove(name) }
        condition.unlock()
    }

    /// The lane ran dry: a held digest goes out, and the run may archive and may be idle now.
    private func finishTurn() {
        do {
            if !run.interruption.isRequested { try flushHeld() }
        } catch {
            run.fail(error)
        }
        condition.lock()
        if items.isEmpty { working = false }
        condition.unlock()
        run.laneRanDry(self)
    }

    /// The next report of the lane: every rule of docs/design.md §5, in order.
    private func step(_ item: Item) throws {
        guard run.claim(item.name, for: destination) else { return }  // quarantined, or delivered, meanwhile
        if let reason = stoppedReason {
            logger.debug("lane stopped; report waits", metadata: ["report.id": "\(item.name)", "reason": "\(reason)"])
            if let until = stoppedUntilTime { run.laneStopped(name, reason: run.secrets.redact(reason), due: until) }
            run.leave(item.name, lane: self)
            return
        }
        let report = item.prepared.report
        // Quiet hours hold a non-critical report without stopping the lane: a critical one behind it
        // still goes at once, and the held ones go, in order, when the window ends.
        if let quiet = transport.destination.quietHours, report.status != .critical,
            quiet.contains(Timestamp.now(), in: run.configuration.timeZone)
        {
            run.noteDue(quiet.nextEnd(after: Timestamp.now(), in: run.configuration.timeZone))
            logger.debug("quiet hours; report waits", metadata: ["report.id": "\(item.name)", "window": "\(quiet)"])
            run.leave(item.name, lane: self)
            return
        }
        if isDigested(item) {
            held.append(item)
            return
        }
        // The lane's order: a digest of what was held before this report goes first.
        try flushHeld()
        if stoppedReason != nil {
            run.leave(item.name, lane: self)
            return
        }
        let history = item.history
        if let notBefore = history.notBefore[destination], notBefore > Timestamp.now() {
            stop("backing off until \(notBefore.iso8601UTC)", due: notBefore)
            run.leave(item.name, lane: self)
            return
        }
        if let why = giveUpReason(item) {
            try run.quarantine(
                item.entry,
                QuarantineRecord(
                    category: "gave-up", reason: why, destination: destination,
                    attempts: history.attempts[destination, default: 0],
                    deliveredTo: history.delivered.sorted()))
            return
        }
        if let batch = catchUpBatch(startingWith: item) {
            try deliverCatchUp(batch)
            return
        }
        try sendAlone(item)
    }

    /// Why the report is given up on this lane (attempts spent, or too old once a try failed), or nil.
    private func giveUpReason(_ item: Item) -> String? {
        let policy = run.configuration.delivery
        let attempts = item.history.attempts[destination, default: 0]
        // A requeued report gets a new budget: its age counts from the requeue.
        let start = max(item.entry.enqueuedAt, item.history.requeuedAt ?? item.entry.enqueuedAt)
        let age = Timestamp.now().rawValue - start.rawValue
        if attempts >= policy.maxAttempts { return "gave up after \(attempts) attempts (delivery.max_attempts)" }
        if attempts > 0, age > Int64(policy.maxAge.seconds * 1e9) {
            return "gave up: older than delivery.max_age after \(attempts) attempts"
        }
        return nil
    }

    /// Sends one report in messages of its own and settles what the destination answered.
    private func sendAlone(_ item: Item) throws {
        let attempts = item.history.attempts[destination, default: 0]
        let messages: [OutgoingMessage]
        do {
            messages = try transport.messages(for: item.prepared)
        } catch {
            try settle(
                item,
                .rejected(status: nil, detail: "cannot render for \(transport.destination.channel.rawValue): \(error)"),
                attempts: attempts)
            return
        }
        let outcome = try send(messages, of: item.prepared, history: item.history) { _ in }
        if case .accepted = outcome {
            guard !run.options.dryRun else { return }
            run.record(.init(.delivered, report: item.name, destination: destination, parts: messages.count))
            logger.info("delivered", metadata: ["report.id": "\(item.name)", "parts": "\(messages.count)"])
            run.delivered(item.entry, to: destination, resent: true)
            return
        }
        try settle(item, outcome, attempts: attempts)
    }

    /// What a failed send means for the report and the lane.
    private func settle(_ item: Item, _ outcome: SendOutcome, attempts: Int) throws {
        let secrets = run.secrets
        switch outcome {
        case .accepted:
            return
        case .transient(let status, let retryAfter, let detail):
            if run.interruption.isRequested {
                run.leave(item.name, lane: self)  // a stop cut the wait or transfer short: no backoff
                return
            }
            stop(
                deferring: [item.name], afterAttempt: attempts + 1, status: status, retryAfter: retryAfter,
                detail: detail)
            run.leave(item.name, lane: self)
        case .rejected(let status, let detail):
            try run.quarantine(
                item.entry,
                QuarantineRecord(
                    category: "rejected", reason: secrets.redact(detail), destination: destination, status: status,
                    responseExcerpt: secrets.redact(detail),
                    attempts: attempts + 1, deliveredTo: item.history.delivered.sorted()))
        case .destinationBroken(let status, let detail):
            refusedAsAWhole([item.name], status: status, detail: detail)
        }
    }

    /// The destination refused as a whole (a bad token or URL): each report waits with the reason,
    /// and the whole run stops as a configuration error.
    private func refusedAsAWhole(_ reports: [String], status: Int?, detail: String) {
        let text =
            "destination '\(destination)' refused as a whole (check its URL or token): \(run.secrets.redact(detail))"
        for report in reports {
            run.record(.init(.deferred, report: report, destination: destination, status: status, detail: text))
            run.leave(report, lane: self)
        }
        run.configurationBroken(text)
    }

    private var stoppedUntilTime: Timestamp? {
        condition.lock()
        defer { condition.unlock() }
        return stoppedUntil
    }

    private var stoppedReason: String? {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Stops the lane for this pass: what is queued waits for the next.
    private func stop(_ reason: String, due: Timestamp?) {
        // What made the lane stop (its deferred rows) is durable before its reports are put down, so a
        // scan that reads their history next sees the backoff.
        do { try run.writer?.commit() } catch { run.fail(error) }
        condition.lock()
        stopped = reason
        stoppedUntil = due
        condition.unlock()
        run.laneStopped(name, reason: run.secrets.redact(reason), due: due)
    }

    /// A transient failure: each report waits its backoff (never less than the destination's
    /// Retry-After), and the lane stops for this pass, so order holds.
    private func stop(
        deferring reports: [String], afterAttempt attempt: Int, status: Int?, retryAfter: Duration?, detail: String
    ) {
        let delay = Backoff(policy: run.configuration.delivery).delay(afterAttempt: attempt, retryAfter: retryAfter)
        let notBefore = Timestamp.now().adding(nanoseconds: Int64(delay.seconds * 1e9))
        for report in reports {
            run.record(
                .init(
                    .deferred, report: report, destination: destination, status: status,
                    detail: run.secrets.redact(detail), notBefore: notBefore))
        }
        stop(detail, due: notBefore)
    }

    // MARK: Sending

    /// Sends every message the destination has not accepted yet, each after the rows before it are
    /// durable; `accepted(k)` runs after message k's `part_delivered` row is staged.
    private func send(
        _ messages: [OutgoingMessage], of prepared: PreparedReport, history: ReportHistory, detail: String? = nil,
        accepted: (Int) -> Void
    ) throws -> SendOutcome {
        let done = history.deliveredParts[destination] ?? []
        let remaining = messages.enumerated().filter { !done.contains($0.element.part) }
        if run.options.dryRun {
            for (_, message) in remaining {
                run.preview(
                    "\(prepared.id) → \(destination) (\(transport.destination.channel.rawValue)) part \(message.part)/\(message.parts):\n\(transport.preview(message, of: prepared))"
                )
            }
            for (index, _) in remaining { accepted(index) }
            return .accepted(status: nil, messageID: nil)
        }
        run.record(
            .init(
                .attempt, report: prepared.id, destination: destination, part: remaining.first?.element.part,
                parts: messages.count, detail: detail))
        var waits = 0
        for (index, message) in remaining {
            try run.writer?.commit()  // the attempt, and whatever came before, is durable before the message leaves
            var outcome = transport.send(message, of: prepared)
            // A rate limit's pause is this lane's own wait: it is waited out here (interruptibly), so a
            // backlog is not put off for a whole backoff; a longer one ends the lane's pass.
            while let pause = Self.rateLimitPause(outcome),
                waits < Self.rateLimitWaitsPerMessage * max(1, remaining.count)
            {
                waits += 1
                let until = Timestamp.now().adding(nanoseconds: Int64(pause.seconds * 1e9))
                run.record(
                    .init(
                        .deferred, report: prepared.id, destination: destination, status: 429, part: message.part,
                        parts: message.parts,
                        detail: "rate limited; waiting \(pause) in this run", notBefore: until))
                logger.info(
                    "rate limited; waiting", metadata: ["report.id": "\(prepared.id)", "seconds": "\(pause.seconds)"])
                try run.writer?.commit()
                guard run.interruption.sleep(for: pause) else { break }
                outcome = transport.send(message, of: prepared)
            }
            let notices = transport.takeNotices().map(run.secrets.redact)
            run.notice(notices)
            guard case .accepted(let status, let messageID) = outcome else { return outcome }
            let detail = ([messageID].compactMap { $0 } + notices).map(run.secrets.redact).joined(separator: "; ")
            run.record(
                .init(
                    .partDelivered, report: prepared.id, destination: destination, status: status, part: message.part,
                    parts: message.parts, detail: detail.isEmpty ? nil : detail))
            accepted(index)
        }
        return .accepted(status: nil, messageID: nil)
    }

    /// The longest rate-limit pause a lane waits out in a pass, and how many such waits one message
    /// gets. The wait is the lane's alone, so it may be as long as Discord's longest bucket reset.
    static let longestRateLimitWait: Duration = .seconds(60)
    static let rateLimitWaitsPerMessage = 3

    /// The pause a 429 asks for, when it is short enough to wait out in this pass.
    static func rateLimitPause(_ outcome: SendOutcome) -> Duration? {
        guard case .transient(429, let retryAfter?, _) = outcome, retryAfter <= longestRateLimitWait else { return nil }
        return max(retryAfter, .milliseconds(1))
    }

    // MARK: Digests

    /// Whether a report was held by the destination's last quiet window and goes in its digest.
    private func isDigested(_ item: Item) -> Bool {
        let destination = transport.destination
        let zone = run.configuration.timeZone
        guard destination.quietDigest, let quiet = destination.quietHours, item.prepared.report.status != .critical,
            let end = quiet.lastEnd(atOrBefore: Timestamp.now(), in: zone)
        else { return false }
        let start = end.adding(nanoseconds: -Int64(quiet.length.seconds * 1e9))
        return item.entry.enqueuedAt >= start && item.entry.enqueuedAt < end
    }

    /// Sends the reports held by quiet hours as one message listing them, under an id made from its
    /// first report (so that a retry resumes at the first part not yet accepted); each held report
    /// gets its own `attempt` row before and `delivered` row after.
    private func flushHeld() throws {
        guard !held.isEmpty else { return }
        let items = held
        held.removeAll()
        if let reason = stoppedReason {
            logger.debug("lane stopped; the quiet-hours digest waits", metadata: ["reason": "\(reason)"])
            for item in items { run.leave(item.name, lane: self) }
            return
        }
        let window = transport.destination.quietHours.map { "\($0)" } ?? "quiet hours"
        let zone = run.configuration.timeZone
        let lines = items.map {
            "- \($0.prepared.report.title) (\($0.prepared.report.kind.rawValue), \($0.prepared.enqueuedAt.shortLocal(in: zone)))"
        }
        let digest = Report(
            kind: .note, title: "\(items.count) report(s) held during quiet hours \(window)",
            fields: ["status": .text(ReportStatus.normal.rawValue)], body: lines.joined(separator: "\n"))
        let prepared = PreparedReport(
            id: "digest-\(items[0].name)", report: digest, enqueuedAt: items[0].entry.enqueuedAt)
        let messages: [OutgoingMessage]
        do {
            messages = try transport.messages(for: prepared)
        } catch {
            for item in items { run.leave(item.name, lane: self) }
            stop("the quiet-hours digest cannot be rendered: \(error)", due: nil)
            return
        }
        try deliverDigest(
            items, as: prepared, messages: messages,
            covering: Array(repeating: 0..<0, count: messages.count - 1) + [0..<items.count],
            detail: "in a quiet-hours digest"
        ) { _ in "in a quiet-hours digest of \(items.count)" }
        if stoppedReason == nil {
            logger.info("delivered a quiet-hours digest", metadata: ["reports": "\(items.count)"])
        }
    }

    /// The reports that go out packed in catch-up messages, starting with `first`: consecutive due
    /// reports of this lane, none critical, when there are more of them than the destination's pace
    /// lets out at once. Nil when `first` goes in a message of its own. The others are taken off the
    /// queue; `deliverCatchUp` puts back what it does not send.
    private func catchUpBatch(startingWith first: Item) -> [Item]? {
        guard transport is BacklogPacking, !catchUpRefused,
            transport.destination.catchUp ?? run.configuration.delivery.catchUp, packable(first)
        else { return nil }
        // `packable` asks the run (its lock), so it is not asked under this lane's lock (the run takes
        // the run's lock, then a lane's: never the other way). Only this thread takes from the front
        // of the queue, so the prefix looked at is still the front when it is taken.
        condition.lock()
        let ahead = Array(items.prefix(Self.longestCatchUp - 1))
        condition.unlock()
        let following = ahead.prefix { packable($0) }
        guard following.count + 1 >= Self.catchUpThreshold else { return nil }
        condition.lock()
        items.removeFirst(following.count)
        condition.unlock()
        return [first] + following
    }

    /// A report may share a catch-up message: not critical, no acknowledgement button, nothing
    /// delivered of it on this lane yet, not backing off, not given up, and still this lane's to send
    /// (the checks `step` makes of the first, made of every one packed behind it).
    private func packable(_ item: Item) -> Bool {
        guard giveUpReason(item) == nil, run.claim(item.name, for: destination) else { return false }
        let report = item.prepared.report
        let history = item.history
        guard report.status != .critical, !(report.kind == .incident && report.status != .done), !isDigested(item)
        else { return false }
        if history.deliveredParts[destination]?.isEmpty == false || history.delivered.contains(destination) {
            return false
        }
        if let notBefore = history.notBefore[destination], notBefore > Timestamp.now() { return false }
        return history.attempts[destination, default: 0] < run.configuration.delivery.maxAttempts - 1
    }

    /// How many due reports in a row make a backlog worth packing, and the most one digest packs.
    static let catchUpThreshold = 3
    static let longestCatchUp = 2000

    /// Sends a backlog packed into as few messages as the channel's limit allows, oldest first; what
    /// no shared message can hold (a long report) goes back to the queue, to be sent on its own.
    private func deliverCatchUp(_ batch: [Item]) throws {
        guard let packer = transport as? BacklogPacking else { return }
        let packed = packer.catchUpMessages(for: batch.map(\.prepared))
        let covered = packed.covering.last?.upperBound ?? 0
        var back = Array(batch[covered...].dropFirst(covered == 0 ? 1 : 0))
        if covered == 0 {
            // Not even the first fits with another: it goes alone, the rest stay queued behind it.
            try sendAlone(batch[0])
        } else {
            let prepared = PreparedReport(
                id: "catchup-\(batch[0].name)", report: packed.digest, enqueuedAt: batch[0].entry.enqueuedAt)
            back =
                try deliverDigest(
                    Array(batch[..<covered]), as: prepared, messages: packed.messages, covering: packed.covering,
                    detail: "in a catch-up digest"
                ) { "in catch-up message \($0 + 1) of \(packed.messages.count)" } + back
            if stoppedReason == nil {
                logger.info(
                    "delivered a catch-up digest",
                    metadata: ["reports": "\(covered)", "messages": "\(packed.messages.count)"])
            }
        }
        release(batch.dropFirst().map(\.name))
        guard !back.isEmpty else { return }
        condition.lock()
        for item in back { holding.insert(item.name) }
        items.insert(contentsOf: back, at: 0)
        condition.unlock()
    }

    /// Delivers a digest's messages; message k, once accepted, delivers the reports `covering[k]`.
    /// Each report gets its own `attempt` row first and its own `delivered` row, so the ledger, the
    /// daily figures, `status` and `verify` count reports, not messages. Returns the reports to send
    /// one by one instead (a catch-up message refused as a message).
    @discardableResult
    private func deliverDigest(
        _ items: [Item], as prepared: PreparedReport, messages: [OutgoingMessage], covering: [Range<Int>],
        detail: String, delivered: (Int) -> String
    ) throws -> [Item] {
        for item in items { run.record(.init(.attempt, report: item.name, destination: destination, detail: detail)) }
        let history = try run.writer?.history(of: prepared.id) ?? ReportHistory(events: [])
        var sent = 0
        let outcome = try send(messages, of: prepared, history: history, detail: detail) { index in
            guard !run.options.dryRun else { return }
            if index == messages.count - 1 {
                run.record(.init(.delivered, report: prepared.id, destination: destination, parts: messages.count))
            }
            for offset in covering[index] {
                run.record(
                    .init(.delivered, report: items[offset].name, destination: destination, detail: delivered(index)))
                run.delivered(items[offset].entry, to: destination, resent: true)
                sent = offset + 1
            }
        }
        let left = Array(items[sent...])
        let attempt = (left.map { $0.history.attempts[destination, default: 0] }.max() ?? 0) + 1
        switch outcome {
        case .accepted:
            return []
        case .transient(let status, let retryAfter, let detail):
            if !run.interruption.isRequested {
                stop(
                    deferring: left.map(\.name), afterAttempt: attempt, status: status, retryAfter: retryAfter,
                    detail: detail)
            }
        case .rejected(let status, let detail) where prepared.id.hasPrefix("catchup-"):
            // A packed message refused as a message: these reports go one by one from now on.
            catchUpRefused = true
            logger.info(
                "a catch-up digest was refused; sending one message per report",
                metadata: ["status": "\(status ?? 0)", "detail": "\(run.secrets.redact(detail))"])
            return left
        case .rejected(let status, let detail):
            // The quiet digest itself is refused (a 4xx about the message): its reports wait, the reason is shown.
            stop(
                deferring: left.map(\.name), afterAttempt: attempt, status: status, retryAfter: nil,
                detail: "the quiet-hours digest was refused: \(detail)")
        case .destinationBroken(let status, let detail):
            refusedAsAWhole(left.map(\.name), status: status, detail: detail)
            return []
        }
        for item in left { run.leave(item.name, lane: self) }
        return []
    }
}
