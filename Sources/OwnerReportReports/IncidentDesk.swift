import OwnerReportCore
import OwnerReportLedger

/// Opens and resolves incidents for every path that does: the producer's `incident` and `alertmanager`
/// subcommands and the intake's `/v1/alertmanager`. One code path, so both give the same incidents,
/// the same postmortems and the same refusals for the same input.
public struct IncidentDesk {
    public let builder: ReportBuilder
    /// The ledger the incidents' state is read from; nil when there is none yet (a dry run creates none).
    public let ledger: Ledger?
    /// Records state changes; false for a dry run, which changes nothing.
    public let records: Bool
    /// Puts a built report in the queue and returns its id (nil on a dry run); `origin` says what built it.
    public let enqueue: (_ report: Report, _ origin: String) throws -> String?

    public init(builder: ReportBuilder, ledger: Ledger?, records: Bool, enqueue: @escaping (_ report: Report, _ origin: String) throws -> String?) {
        self.builder = builder
        self.ledger = ledger
        self.records = records
        self.enqueue = enqueue
    }

    /// What one call did: the reports it enqueued, and a line for each thing it deliberately did not do.
    public struct Outcome: Sendable, Equatable {
        public var enqueued: [String] = []
        public var notes: [String] = []
        public init() {}
    }

    /// Enqueues an incident's report and records its new state, then a postmortem when a resolved incident
    /// lasted long enough. The report goes first: a failure to record leaves a report that can be sent
    /// again, never a state change nobody heard of.
    @discardableResult
    public func announce(_ incident: Incident, opened: Bool, postmortem: ReportBuilder.PostmortemDetails?) throws -> [String] {
        var enqueued: [String] = []
        if let id = try enqueue(builder.incidentReport(incident), "incident") { enqueued.append(id) }
        if records, let ledger {
            let book = IncidentBook(ledger: ledger)
            if opened { try book.recordOpened(incident) } else { try book.recordResolved(incident) }
        }
        guard !opened, let postmortem, builder.needsPostmortem(incident) else { return enqueued }
        if let id = try enqueue(builder.postmortemReport(incident, postmortem), "postmortem") { enqueued.append(id) }
        return enqueued
    }

    /// Applies an Alertmanager payload: one incident per alert fingerprint. A firing alert opens its
    /// incident once (Alertmanager repeats firing alerts); a resolved one resolves it at its `endsAt`,
    /// with a postmortem when it lasted long enough; one resolved before its firing was seen is recorded
    /// as opened and resolved.
    public func apply(_ payload: AlertmanagerPayload, origin: String) throws -> Outcome {
        var outcome = Outcome()
        let zone = builder.timeZone
        if payload.alerts.isEmpty {
            outcome.notes.append("\(origin): the payload has no alerts: nothing enqueued")
            return outcome
        }
        for alert in payload.alerts {
            let known = try ledger.flatMap { try IncidentBook(ledger: $0).incident(id: alert.incidentID) }
            var incident = alert.incident
            if alert.firing {
                if let known, known.isOpen {
                    outcome.notes.append("\(alert.incidentID) is already open since \(known.openedAt.iso8601(in: zone)): nothing enqueued")
                    continue
                }
                outcome.enqueued += try announce(incident, opened: true, postmortem: nil)
            } else if let known, known.isOpen {
                var resolved = known
                resolved.resolvedAt = max(incident.resolvedAt ?? .now(), known.openedAt)
                outcome.enqueued += try announce(resolved, opened: false, postmortem: .init())
            } else if let known, let at = known.resolvedAt, known.openedAt == incident.openedAt {
                outcome.notes.append("\(alert.incidentID) was already resolved at \(at.iso8601(in: zone)): nothing enqueued")
            } else {
                // Resolved before its firing was ever seen here: record both ends, announce the resolution.
                if records, let ledger {
                    var opened = incident
                    opened.resolvedAt = nil
                    try IncidentBook(ledger: ledger).recordOpened(opened)
                }
                incident.resolvedAt = incident.resolvedAt ?? .now()
                outcome.enqueued += try announce(incident, opened: false, postmortem: .init())
            }
        }
        return outcome
    }
}
