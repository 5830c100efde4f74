import OwnerReportCore
import OwnerReportLedger

/// Opens and resolves incidents for every path that does: the producer's `incident` and `alertmanager`
/// subcommands and the intake's `/v1/alertmanager`. One code path, so both give the same incidents,
/// the same postmortems and the same refusals for the same input.
public struct IncidentDesk {
    public let builder: ReportBuilder
    /// The ledger the incidents' state is read from; nil when there is none yet (a dry run creates none).
    public let ledger: Ledger?
    /// The queue the reports go to: a retry of a change already made republishes its reports there if a
    /// crash left them unlinked. nil for a dry run.
    public let queue: QueueDirectory?
    /// Records state changes; false for a dry run, which changes nothing.
    public let records: Bool
    /// Puts the reports announcing one state change in the queue together with that change's `rows`, in
    /// one transaction (`QueueDirectory.enqueue(_:recording:ledger:)`); returns what was enqueued ([] on a dry run).
    public let enqueue: (_ announcements: [Announcement], _ rows: [LedgerEvent.Draft]) throws -> [EnqueuedReport]

    /// A report that announces a state change, and the cause it is keyed by.
    public struct Announcement {
        public var report: Report
        /// What built it, for the ledger (`incident`, `postmortem`).
        public var origin: String
        public var cause: String
    }

    public init(
        builder: ReportBuilder, ledger: Ledger?, queue: QueueDirectory?, records: Bool,
        enqueue: @escaping (_ announcements: [Announcement], _ rows: [LedgerEvent.Draft]) throws -> [EnqueuedReport]
    ) {
        self.builder = builder
        self.ledger = ledger
        self.queue = queue
        self.records = records
        self.enqueue = enqueue
    }

    /// What one call did: the reports it enqueued, and a line for each thing it deliberately did not do.
    public struct Outcome: Sendable, Equatable {
        public var enqueued: [String] = []
        public var notes: [String] = []
        public init() {}
    }

    /// The key of a report an incident's change causes: the incident, the change, and when the incident
    /// opened (an alert that fires again after its resolution is a new incident of the same id).
    public static func cause(of incident: Incident, _ change: String) -> String {
        "incident:\(incident.id):\(change):\(incident.openedAt.iso8601UTC)"
    }

    /// Enqueues an incident's report, and a postmortem when a resolved incident lasted long enough, in
    /// one transaction with the incident's new state (and `earlier` rows, such as the opening of an
    /// incident first seen resolved). A crash leaves the change and its reports all recorded or none.
    @discardableResult
    public func announce(
        _ incident: Incident, opened: Bool, postmortem: ReportBuilder.PostmortemDetails?,
        earlier: [LedgerEvent.Draft] = []
    ) throws -> [String] {
        var announcements = [
            Announcement(
                report: builder.incidentReport(incident), origin: "incident",
                cause: Self.cause(of: incident, opened ? "opened" : "resolved"))
        ]
        if !opened, let postmortem, builder.needsPostmortem(incident) {
            announcements.append(
                .init(
                    report: builder.postmortemReport(incident, postmortem), origin: "postmortem",
                    cause: Self.cause(of: incident, "postmortem")))
        }
        let change = opened ? IncidentBook.openedRow(incident) : IncidentBook.resolvedRow(incident)
        return try enqueue(announcements, records ? earlier + [change] : []).filter { !$0.duplicate }.map(\.id)
    }

    /// For a change recorded already: publishes its reports if a crash left them in tmp/ (a retry is
    /// how a sender says it never heard the answer).
    private func republish(_ incident: Incident, _ changes: [String]) throws {
        guard records, let ledger, let queue else { return }
        for change in changes {
            _ = try queue.report(enqueuedUnder: .cause(Self.cause(of: incident, change)), ledger: ledger)
        }
    }

    /// Applies an Alertmanager payload: one incident per alert fingerprint. A firing alert opens its
    /// incident once (Alertmanager repeats firing alerts); a resolved one resolves it at its `endsAt`,
    /// with a postmortem when it lasted long enough; one resolved before its firing was seen is recorded
    /// as opened and resolved. An alert named in `heartbeats` (an `[expect]`'s `alertname`, such as the
    /// always-firing `Watchdog`) is a sign of life only: recorded, never an incident of its own.
    public func apply(_ payload: AlertmanagerPayload, origin: String, heartbeats: Set<String> = []) throws -> Outcome {
        var outcome = Outcome()
        let zone = builder.timeZone
        if payload.alerts.isEmpty {
            outcome.notes.append("\(origin): the payload has no alerts: nothing enqueued")
            return outcome
        }
        // Every firing alert is a sign of life, repeats too: an `[expect]` on its alertname is a dead
        // man's switch (Alertmanager's always-firing `Watchdog` rule).
        let receipts = payload.alerts.filter(\.firing).map { alert in
            LedgerEvent.Draft(
                .alertReceived, detail: "\(alert.labels["alertname"] ?? "alert") firing (\(alert.incidentID))",
                facts: FactsJSON.encode([
                    "alertname": alert.labels["alertname"] ?? "", "fingerprint": alert.fingerprint,
                ]))
        }
        if records, let ledger, !receipts.isEmpty { try ledger.append(receipts) }
        for alert in payload.alerts {
            if let name = alert.labels["alertname"], heartbeats.contains(name) {
                outcome.notes.append("\(name) is an expectation's sign of life: recorded, no incident")
                continue
            }
            let known = try ledger.flatMap { try IncidentBook(ledger: $0).incident(id: alert.incidentID) }
            var incident = alert.incident
            if alert.firing {
                if let known, known.isOpen {
                    try republish(known, ["opened"])
                    outcome.notes.append(
                        "\(alert.incidentID) is already open since \(known.openedAt.iso8601(in: zone)): nothing enqueued"
                    )
                    continue
                }
                outcome.enqueued += try announce(incident, opened: true, postmortem: nil)
            } else if let known, known.isOpen {
                var resolved = known
                resolved.resolvedAt = max(incident.resolvedAt ?? .now(), known.openedAt)
                outcome.enqueued += try announce(resolved, opened: false, postmortem: .init())
            } else if let known, let at = known.resolvedAt, known.openedAt == incident.openedAt {
                try republish(known, ["resolved", "postmortem"])
                outcome.notes.append(
                    "\(alert.incidentID) was already resolved at \(at.iso8601(in: zone)): nothing enqueued")
            } else {
                // Resolved before its firing was ever seen here: record both ends, announce the resolution.
                var opened = incident
                opened.resolvedAt = nil
                incident.resolvedAt = incident.resolvedAt ?? .now()
                outcome.enqueued += try announce(
                    incident, opened: false, postmortem: .init(), earlier: [IncidentBook.openedRow(opened)])
            }
        }
        return outcome
    }
}

extension IncidentDesk {
    /// A desk that writes straight into the owner's own `queue` (the watchdog's, the intake's pings from
    /// the producer): each announcement as Markdown, keyed by its cause, with the change's rows.
    public static func writing(into queue: QueueDirectory, ledger: Ledger, builder: ReportBuilder, origin: String)
        -> IncidentDesk
    {
        IncidentDesk(builder: builder, ledger: ledger, queue: queue, records: true) { announcements, rows in
            let reports = announcements.map { announcement in
                ReportToEnqueue(
                    encoding: announcement.report, origin: "\(announcement.origin) (\(origin))",
                    key: .cause(announcement.cause))
            }
            return try queue.enqueue(reports, recording: rows, ledger: ledger)
        }
    }
}
