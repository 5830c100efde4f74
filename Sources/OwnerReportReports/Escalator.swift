import Crypto
import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Runs the due steps of `[escalation]` for every open incident nobody has acknowledged (§15).
///
/// Each step is an `escalated` row and a report with a name fixed by the incident and the step, put
/// in pending/ for the driver to deliver in order like any other. The row and the report's
/// `enqueued` row are committed together before the file appears; a crash after that commit and
/// before the link is repaired on the next pass, which publishes the same bytes under the same name
/// (a link never overwrites). So a step is never run twice and never skipped; the watchdog's pass
/// runs this every minute, under a lock of its own.
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
    public static func pass(queue: QueueDirectory, configuration: Configuration, dryRun: Bool) throws -> (taken: [Step], repaired: [String]) {
        guard configuration.escalation.after != nil else { return ([], []) }
        let builder = try ReportBuilder(configuration: configuration)
        if dryRun {
            guard let ledger = try Ledger(readingAt: queue.ledgerPath) else { return ([], []) }
            return try Escalator(queue: queue, configuration: configuration, builder: builder, ledger: ledger).run(dryRun: true)
        }
        try queue.prepare()
        guard let lock = try DeliveryLock.acquire(at: "\(queue.state)/escalation.lock", wait: false) else { return ([], []) }
        return try withExtendedLifetime(lock) {
            try Escalator(queue: queue, configuration: configuration, builder: builder, ledger: try Ledger(queue: queue)).run()
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
        var repaired: [String] = []
        for event in try ledger.query("WHERE event = 'escalated' ORDER BY seq", []) {
            guard let stored = FactsJSON.decode(Stored.self, from: event.facts), let report = event.report else { continue }
            done[stored.incident] = max(done[stored.incident] ?? 0, stored.step)
            if !dryRun, try needsRepublishing(report), let incident = try book.incident(id: stored.incident) {
                try publish(report: report, incident: incident, step: stored.step, destination: stored.destination, record: nil)
                repaired.append(report)
            }
        }
        var taken: [Step] = []
        for incident in try book.all().values.sorted(by: { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }) {
            guard incident.isOpen, policy.severities.contains(incident.severity.lowercased()) else { continue }
            if try book.acknowledgement(of: incident.id) != nil { continue }
            var number = (done[incident.id] ?? 0) + 1
            while number <= policy.steps, let due = policy.due(step: number, openedAt: incident.openedAt), due <= now {
                for destination in try destinations(of: incident, step: number) {
                    let report = Self.reportName(incident: incident.id, step: number, destination: destination, due: due)
                    let step = Step(incident: incident.id, number: number, destination: destination, report: report)
                    if !dryRun {
                        let facts = FactsJSON.encode(Stored(incident: incident.id, step: number, destination: destination))
                        try publish(report: report, incident: incident, step: number, destination: destination, record: facts)
                    }
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
            let delivered = try opening.map { try ledger.events(for: $0).filter { $0.kind == .delivered }.compactMap(\.destination) } ?? []
            return delivered.isEmpty ? configuration.destinationNames(for: builder.incidentReport(incident)) : Array(Set(delivered)).sorted()
        }
        let chain = configuration.escalation.chain
        return step - 2 < chain.count ? [chain[step - 2]] : []
    }

    /// `<due>-incident-<id>-escalation-<k>-<8 hex of the incident, step and destination>.md`: the same
    /// every time, so publishing it again after a crash can never make a second copy.
    static func reportName(incident: String, step: Int, destination: String, due: Timestamp) -> String {
        let tag = DigitText.hex(SHA256.hash(data: Array("escalation:\(incident):\(step):\(destination)".utf8)).prefix(4))
        return ReportName.make(at: due, kind: .incident, title: "\(incident) escalation \(step)", format: .markdown, tag: tag)
    }

    /// A recorded step whose file never appeared: not in pending/ or failed/, and nothing after `enqueued`.
    private func needsRepublishing(_ report: String) throws -> Bool {
        // pending/ first: the driver commits `delivered` before a file leaves it.
        if access("\(queue.pending)/\(report)", F_OK) == 0 || access("\(queue.failed)/\(report)", F_OK) == 0 { return false }
        return try ledger.events(for: report).allSatisfy { $0.kind == .enqueued || $0.kind == .escalated }
    }

    private func publish(report name: String, incident: Incident, step: Int, destination: String, record facts: String?) throws {
        let report = builder.escalationReport(incident, step: step, of: configuration.escalation.steps, destination: destination)
        let bytes = Array(ReportCodec.encode(report, as: .markdown).utf8)
        try queue.prepare()
        do {
            _ = try queue.enqueue(bytes, named: name) { sha256 in
                guard let facts else { return }  // a repair: the rows are there already
                let enqueuedAt = ReportName.enqueueTime(of: name) ?? .now()
                try ledger.append([
                    .init(.escalated, report: name, destination: destination, detail: "\(incident.id) escalation \(step) to \(destination)", facts: facts),
                    .init(.enqueued, report: name, detail: "incident from escalation", enqueuedAt: enqueuedAt, sha256: sha256, facts: ReportFacts(report).json),
                ])
            }
        } catch let error as QueueError where error.errno == EEXIST {
            return  // already visible: published by an earlier pass
        }
    }
}
