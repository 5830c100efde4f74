import Foundation
import Logging
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportLedger

/// `owner-report-watchdog`: one bounded pass, made to run every minute (docs/design.md §2).
///
/// It reads the chain's health; when no live daemon holds the queue it drains up to `maxCount`
/// reports with the driver's own `DeliveryRun`; it raises de-duplicated alerts on the fallback
/// destination (see `AlertBook`), records each in the ledger, and writes `state/metrics.prom`.
/// A dry run does all the reading and says what it would do, and writes nothing.
public final class Watchdog {
    public struct Options: Sendable {
        public var dryRun: Bool
        public var maxCount: Int

        public init(dryRun: Bool, maxCount: Int) {
            self.dryRun = dryRun
            self.maxCount = maxCount
        }
    }

    /// What one pass found and did.
    public struct Outcome: Sendable {
        public var health: QueueHealth
        /// The drain's summary, or nil when none ran.
        public var drain: DeliverySummary?
        /// Why no drain ran, when none did.
        public var drainSkipped: String?
        public var alerts: [SentAlert] = []
        /// What a crashed writer left in tmp/ and this pass finished (`QueueDirectory.recoverStaged`).
        public var recovered = StagingRecovery()

        /// 75 when an alert could not be sent or the drain stopped on a transient failure; 78 for
        /// a configuration error; else 0.
        public var exitStatus: ExitStatus {
            if let drain, drain.exitStatus != .success { return drain.exitStatus }
            return alerts.contains { !$0.delivered } ? .temporaryFailure : .success
        }
    }

    /// An alert and whether the fallback destination took it.
    public struct SentAlert: Sendable {
        public var message: AlertMessage
        public var destination: String
        public var delivered: Bool
        public var error: String?
    }

    private let queue: QueueDirectory
    private let configuration: Configuration
    private let secrets: SecretResolver
    private let options: Options
    private let logger: Logger

    public init(
        queue: QueueDirectory, configuration: Configuration, secrets: SecretResolver, options: Options, logger: Logger
    ) {
        self.queue = queue
        self.configuration = configuration
        self.secrets = secrets
        self.options = options
        self.logger = logger
    }

    private var policy: WatchdogPolicy { configuration.watchdog }
    private var alertBookPath: String { "\(queue.state)/alerts.json" }

    public func run() throws -> Outcome {
        if !options.dryRun { try queue.prepare() }
        // Opening the ledger for writing is the test of whether it is writable, and its error the reason.
        let ledger: Ledger?
        var ledgerProblem: String?
        if options.dryRun {
            ledger = try Ledger.open(queue, .reading)
        } else {
            do {
                ledger = try Ledger(queue: queue)
            } catch {
                ledger = nil
                ledgerProblem = "\(error)"
            }
        }
        var before = QueueHealth.read(queue, ledger: ledger, waitingSince: quietHoursJudge())
        if !options.dryRun { before.ledgerWritable = ledgerProblem == nil }
        var outcome = Outcome(health: before)
        if let ledger, !options.dryRun {
            outcome.recovered = try queue.recoverStaged(ledger: ledger, by: "the watchdog")
        }
        (outcome.drain, outcome.drainSkipped) = try drain(before, ledger: ledger)
        var health = before
        if !options.dryRun {
            health = QueueHealth.read(queue, ledger: ledger, waitingSince: quietHoursJudge())
            health.ledgerWritable = ledgerProblem == nil
        }
        outcome.health = health

        var conditions: [String: String] = [:]
        if let age = health.oldestPendingAge, age > policy.maxPendingAge {
            conditions["backlog"] =
                "\(health.pending) report(s) pending; the oldest has waited \(Int(age.seconds)) s (watchdog.max_pending_age is \(Int(policy.maxPendingAge.seconds)) s)"
        }
        if let age = health.heartbeatAge, !health.lockHeld, age > policy.heartbeatMaxAge {
            conditions["daemon"] =
                "the --follow daemon's last heartbeat was \(Int(age.seconds)) s ago and no daemon holds the queue"
        }
        if let error = outcome.drain?.configurationError { conditions["configuration"] = error }
        if !health.ledgerWritable { conditions["ledger"] = ledgerProblem ?? "\(queue.ledgerPath) is not writable" }

        var book = AlertBook.read(from: alertBookPath)
        var messages = book.due(conditions, now: health.now, reminder: policy.reminderInterval)
        let newFailures = health.failed.filter { !book.knownFailed.contains($0) }
        if !newFailures.isEmpty {
            messages.append(
                AlertMessage(
                    condition: "failed", kind: .raised,
                    detail: "\(newFailures.count) new report(s) in failed/: \(newFailures.joined(separator: ", "))"))
        }
        outcome.alerts = send(messages, health: health, ledger: ledger)
        if !options.dryRun {
            let sent = outcome.alerts.filter(\.delivered).map(\.message)
            book.update(conditions, sent: sent, now: health.now)
            if newFailures.isEmpty || sent.contains(where: { $0.condition == "failed" }) {
                book.knownFailed = Set(health.failed)
            }
            try DurableFile.replace(alertBookPath, with: try book.json(), via: queue.tmp)
            let expectations = try ExpectationWatch.states(configuration: configuration, ledger: ledger, at: health.now)
            let metrics = try MetricsFile.render(
                health, ledger: ledger, policy: policy, standingAlerts: conditions.count, expectations: expectations)
            // World-readable (metrics carry no secret) so node_exporter, running as another user, reads
            // it; staged beside it, since the textfile directory may be on another file system.
            let path = policy.metricsPath ?? "\(queue.state)/metrics.prom"
            try DurableFile.replace(
                path, with: Array(metrics.utf8), via: DurableFile.directoryName(of: path), mode: 0o644)
        }
        return outcome
    }

    /// With quiet hours on some destination: from when a pending report counts as waiting. Nil while
    /// a quiet window holds it (a non-critical report to a destination in its window), else the later
    /// of its enqueue time and the last end of its destinations' windows.
    private func quietHoursJudge() -> ((String, Timestamp) -> Timestamp?)? {
        guard configuration.destinations.values.contains(where: { $0.quietHours != nil }) else { return nil }
        let (configuration, queue, now) = (self.configuration, self.queue, Timestamp.now())
        let zone = configuration.timeZone
        return { name, enqueued in
            guard
                let bytes = try? DurableFile.readRegularFile(
                    "\(queue.pending)/\(name)", limit: configuration.delivery.maxReportBytes),
                let report = try? ReportCodec.decode(bytes, format: ReportFormat(fileName: name), path: name),
                report.status != .critical
            else { return enqueued }
            let windows = configuration.destinationNames(for: report).compactMap {
                configuration.destinations[$0]?.quietHours
            }
            if windows.contains(where: { $0.contains(now, in: zone) }) { return nil }
            return windows.compactMap { $0.lastEnd(atOrBefore: now, in: zone) }.reduce(enqueued) { max($0, $1) }
        }
    }

    /// The bounded drain, when no live daemon holds the queue.
    private func drain(_ health: QueueHealth, ledger: Ledger?) throws -> (DeliverySummary?, String?) {
        if health.daemonAlive(policy) { return (nil, "a --follow daemon holds the queue") }
        if health.pending == 0 { return (nil, "nothing pending") }
        let transports: [String: Transport]
        do {
            transports = try TransportFactory.makeAll(for: configuration, queue: queue, secrets: secrets)
        } catch let error as ConfigurationError {
            var summary = DeliverySummary()
            summary.configurationError = error.description
            return (summary, nil)
        }
        let pass = try DeliveryPass.run(
            queue: queue, configuration: configuration, ledger: ledger, transports: transports, secrets: secrets,
            options: DeliveryRun.Options(maxCount: options.maxCount, dryRun: options.dryRun, settle: .seconds(1)),
            logger: logger)
        guard case .ran(let summary) = pass else { return (nil, "another driver is delivering") }
        return (summary, nil)
    }

    /// Sends each alert to the fallback destination (the default one when none is set) and records it.
    private func send(_ messages: [AlertMessage], health: QueueHealth, ledger: Ledger?) -> [SentAlert] {
        guard !messages.isEmpty else { return [] }
        let name = configuration.fallbackDestination ?? configuration.defaultDestination
        var transport: Transport?
        var setupError: String?
        if !options.dryRun {
            do {
                let destination = try configuration.destination(named: name, key: "fallback_destination")
                transport = try TransportFactory.make(
                    destination, queue: queue, policy: configuration.delivery, secrets: secrets,
                    timeZone: configuration.timeZone, host: configuration.fleet.host)
            } catch {
                setupError = "\(error)"
            }
        }
        return messages.map { message in
            var result = SentAlert(message: message, destination: name, delivered: false, error: setupError)
            if options.dryRun { return result }
            if let transport {
                let outcome = deliver(alertReport(message, health: health), via: transport)
                result.delivered = outcome == nil
                result.error = outcome
            }
            let status = result.delivered ? "delivered" : "not delivered: \(result.error ?? "?")"
            _ = try? ledger?.append(
                .init(
                    .alert, destination: name,
                    detail: secrets.redact(
                        "\(message.condition) \(message.kind.rawValue): \(message.detail) (\(status))")))
            logger.info(
                "alert",
                metadata: [
                    "condition": "\(message.condition)", "kind": "\(message.kind.rawValue)",
                    "delivered": "\(result.delivered)",
                ])
            return result
        }
    }

    /// Sends every part; nil when all were accepted, else why not.
    private func deliver(_ report: PreparedReport, via transport: Transport) -> String? {
        do {
            for part in try transport.messages(for: report) {
                let outcome = transport.send(part, of: report)
                guard case .accepted = outcome else { return secrets.redact("\(outcome)") }
            }
            return nil
        } catch {
            return secrets.redact("\(error)")
        }
    }

    private func alertReport(_ message: AlertMessage, health: QueueHealth) -> PreparedReport {
        let title: String
        let status: ReportStatus
        switch message.kind {
        case .raised: (title, status) = ("owner-report: \(message.condition) — \(message.detail)", .critical)
        case .reminder: (title, status) = ("owner-report: still \(message.condition) — \(message.detail)", .critical)
        case .recovered: (title, status) = ("owner-report: \(message.condition) recovered", .done)
        }
        let table = health.rows(policy).map { "- \($0.0): \($0.1)" }.joined(separator: "\n")
        let report = Report(
            kind: .incident, title: title,
            fields: ["status": .text(status.rawValue), "source": .text("owner-report-watchdog")],
            body: "\(message.detail)\n\nQueue \(queue.root):\n\(table)")
        return PreparedReport(
            id: "watchdog-\(message.condition)-\(message.kind.rawValue)-\(health.now.compactUTC)", report: report,
            enqueuedAt: health.now)
    }
}
