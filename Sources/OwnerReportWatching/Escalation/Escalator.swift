import Foundation
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

/// Runs the due steps of `[escalation]` for every open incident nobody has acknowledged (§15).
///
/// Each step is an `escalated` row and a report keyed by the incident, the step and the destination,
/// put in pending/ for the driver to deliver in order like any other. The row and the report's
/// `enqueued` row are committed together before the file appears; a crash after that commit and
/// before the link is repaired on the next pass, whose recovery publishes the bytes left in tmp/
/// (`QueueDirectory.recoverStaged`). So a step is never run twice and never skipped; the watchdog's
/// pass runs this every minute, under a lock of its own.
public struct Escalator {
    public let queue: QueueDirectory
    public let configuration: Configuration
    public let builder: ReportBuilder
    public let ledger: Ledger

    public init(queue: QueueDirectory, configuration: Configuration, builder: ReportBuilder, ledger: Ledger) {
        self.queue = queue
        self.configuration = configuration
        self.builder = builder
        self.ledger = ledger
    }

    /// One watchdog pass's escalation over `queue`: nothing when `[escalation]` is not configured or
    /// another pass holds `state/escalation.lock`; a dry run reads the ledger only and changes nothing.
    public static func pass(queue: QueueDirectory, configuration: Configuration, dryRun: Bool) throws -> (
        taken: [Step], repaired: [String]
    ) {
        guard configuration.escalation.after != nil else { return ([], []) }
        let builder = try ReportBuilder(configuration: configuration)
        if dryRun {
            guard let ledger = try Ledger.open(queue, .reading) else { return ([], []) }
            return try Escalator(queue: queue, configuration: configuration, builder: builder, ledger: ledger).run(
                dryRun: true)
        }
        try queue.prepare()
        guard let lock = try FileLock.acquire(at: "\(queue.state)/escalation.lock", wait: false) else {
            return ([], [])
        }
        return try withExtendedLifetime(lock) {
            try Escalator(
                queue: queue, configuration: configuration, builder: builder, ledger: try Ledger(queue: queue)
            ).run()
        }
    }

    /// One step: which incident, which step, to which destination, and the report that carries it.
    public struct Step: Sendable, Equatable {
        public var incident: String
        public var number: Int
        public var destination: String
        public var report: String
    }

    private struct Stored: Codable {
        var incident: String
        var step: Int
        var destination: String
    }

    /// The steps due at `now`, in order; with `dryRun`, only says what it would do.
    @discardableResult
    public func run(now: Timestamp = .now(), dryRun: Bool = false) throws -> (taken: [Step], repaired: [String]) {
        let policy = configuration.escalation
        guard policy.after != nil else { return ([], []) }
        let book = IncidentBook(ledger: ledger)
        var done: [String: Int] = [:]
        var steps: Set<String> = []
        for event in try ledger.query("WHERE event = 'escalated' ORDER BY seq", []) {
            guard let stored = FactsJSON.decode(Stored.self, from: event.facts), let report = event.report else {
                continue
            }
            done[stored.incident] = max(done[stored.incident] ?? 0, stored.step)
            steps.insert(report)
        }
        let repaired =
            dryRun
            ? [] : try queue.recoverStaged(ledger: ledger, by: "the watchdog's escalation", only: steps).republished
        var taken: [Step] = []
        for incident in try book.all().values.sorted(by: { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }) {
            guard incident.isOpen, policy.severities.contains(incident.severity.lowercased()) else { continue }
            if try book.acknowledgement(of: incident.id) != nil { continue }
            var number = (done[incident.id] ?? 0) + 1
            while number <= policy.steps, let due = policy.due(step: number, openedAt: incident.openedAt), due <= now {
                for destination in try destinations(of: incident, step: number) {
                    let report = Self.reportName(
                        incident: incident.id, step: number, destination: destination, due: due)
                    let step = Step(incident: incident.id, number: number, destination: destination, report: report)
                    if !dryRun { try publish(step, incident: incident) }
                    taken.append(step)
                }
                number += 1
            }
        }
        return (taken, repaired)
    }

    /// Step 1 goes where the incident's opening report was delivered (its route, if it was not yet);
    /// step k to the chain's (k-1)th destination.
    func destinations(of incident: Incident, step: Int) throws -> [String] {
        if step == 1 {
            let opening = try IncidentBook(ledger: ledger).reports(of: incident.id).first
            let delivered =
                try opening.map {
                    try ledger.events(for: $0).filter { $0.kind == .delivered }.compactMap(\.destination)
                } ?? []
            return delivered.isEmpty
                ? configuration.destinationNames(for: builder.incidentReport(incident)) : Array(Set(delivered)).sorted()
        }
        let chain = configuration.escalation.chain
        return step - 2 < chain.count ? [chain[step - 2]] : []
    }

    /// `<due>-incident-<id>-escalation-<k>-<8 hex of the incident, step and destination>.md`: the same
    /// every time, so publishing it again after a crash can never make a second copy.
    static func reportName(incident: String, step: Int, destination: String, due: Timestamp) -> String {
        let tag = DigitText.hex(
            SHA256.hash(Array("escalation:\(incident):\(step):\(destination)".utf8)).prefix(4))
        return ReportName.make(
            at: due, kind: .incident, title: "\(incident) escalation \(step)", format: .markdown, tag: tag)
    }

    /// Enqueues a step's report with its `escalated` row, in one transaction, keyed by the step.
    private func publish(_ step: Step, incident: Incident) throws {
        let report = builder.escalationReport(
            incident, step: step.number, of: configuration.escalation.steps, destination: step.destination)
        let facts = FactsJSON.encode(Stored(incident: incident.id, step: step.number, destination: step.destination))
        try queue.prepare()
        _ = try queue.enqueue(
            [
                ReportToEnqueue(
                    encoding: report, origin: "escalation",
                    key: .cause("escalation:\(incident.id):\(step.number):\(step.destination)"),
                    name: step.report)
            ],
            recording: [
                .init(
                    .escalated, report: step.report, destination: step.destination,
                    detail: "\(incident.id) escalation \(step.number) to \(step.destination)", facts: facts)
            ], ledger: ledger)
    }
}
