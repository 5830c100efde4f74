import Foundation
import OwnerReportCore

/// One incident as the ledger keeps it: opened once, resolved at most once.
public struct Incident: Hashable, Sendable {
    public var id: String
    public var title: String
    /// As given: `critical`, `warning`, `info`… (Alertmanager's `severity` label).
    public var severity: String
    public var category: String?
    public var service: String?
    /// A longer description (Alertmanager's `description` annotation).
    public var summary: String?
    /// Where it came from: `cli`, or `alertmanager` with the alert's fingerprint.
    public var source: String
    public var fingerprint: String?
    public var openedAt: Timestamp
    public var resolvedAt: Timestamp?
    /// Where its reports go, when not their route (an `[expect.NAME]`'s `destination`).
    public var destination: String?

    public init(
        id: String, title: String, severity: String, category: String? = nil, service: String? = nil,
        summary: String? = nil,
        source: String = "cli", fingerprint: String? = nil, openedAt: Timestamp, resolvedAt: Timestamp? = nil,
        destination: String? = nil
    ) {
        self.destination = destination
        self.id = id
        self.title = title
        self.severity = severity
        self.category = category
        self.service = service
        self.summary = summary
        self.source = source
        self.fingerprint = fingerprint
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
    }

    public var isOpen: Bool { resolvedAt == nil }

    /// How long it lasted; nil while it is open.
    public var duration: Duration? {
        resolvedAt.map { .nanoseconds($0.rawValue - openedAt.rawValue) }
    }

    /// The report status its severity calls for while it is open.
    public var openStatus: ReportStatus {
        switch severity.lowercased() {
        case "critical", "page", "high", "error", "p1", "sev1": .critical
        case "info", "informational", "low", "none": .normal
        default: .warning
        }
    }
}

extension Incident {
    private struct Stored: Codable {
        var id, title, severity, source: String
        var category, service, summary, fingerprint, destination: String?
        var opened_at: String
        var resolved_at: String?
    }

    /// The JSON object kept in the ledger's `facts` column: times as the ledger writes them (UTC).
    public var factsJSON: String {
        let stored = Stored(
            id: id, title: title, severity: severity, source: source, category: category, service: service,
            summary: summary,
            fingerprint: fingerprint, destination: destination, opened_at: openedAt.iso8601UTC,
            resolved_at: resolvedAt?.iso8601UTC)
        return FactsJSON.encode(stored) ?? "{}"
    }

    /// The incident an `incident_opened` or `incident_resolved` row's facts hold.
    public init?(factsJSON: String?) {
        guard let stored = FactsJSON.decode(Stored.self, from: factsJSON),
            let opened = Timestamp(iso8601UTC: stored.opened_at)
        else { return nil }
        self.init(
            id: stored.id, title: stored.title, severity: stored.severity, category: stored.category,
            service: stored.service,
            summary: stored.summary, source: stored.source, fingerprint: stored.fingerprint, openedAt: opened,
            resolvedAt: stored.resolved_at.flatMap(Timestamp.init(iso8601UTC:)), destination: stored.destination)
    }
}

/// The incidents in a ledger: each `incident_opened` / `incident_resolved` row carries the whole incident.
public struct IncidentBook {
    public let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    /// The incident's latest state, or nil when the ledger has never seen it.
    public func incident(id: String) throws -> Incident? {
        try ledger.query(
            "WHERE event IN ('incident_opened', 'incident_resolved') AND json_extract(facts, '$.id') = ? ORDER BY seq DESC LIMIT 1",
            [.text(id)]
        ).first.flatMap { Incident(factsJSON: $0.facts) }
    }

    /// The row of an incident's opening.
    public static func openedRow(_ incident: Incident) -> LedgerEvent.Draft {
        .init(.incidentOpened, detail: "\(incident.id) opened: \(incident.title)", facts: incident.factsJSON)
    }

    /// The row of an incident's resolution; `incident.resolvedAt` must be set.
    public static func resolvedRow(_ incident: Incident) -> LedgerEvent.Draft {
        let minutes = incident.duration.map { DurationText.describe($0) } ?? "?"
        return .init(.incidentResolved, detail: "\(incident.id) resolved after \(minutes)", facts: incident.factsJSON)
    }

    /// Every incident's latest state, by id.
    public func all() throws -> [String: Incident] {
        var states: [String: Incident] = [:]
        for event in try ledger.query("WHERE event IN ('incident_opened', 'incident_resolved') ORDER BY seq", []) {
            if let incident = Incident(factsJSON: event.facts) { states[incident.id] = incident }
        }
        return states
    }
}

/// Someone's word that they saw an incident: who (the platform's user id and name, or the local
/// user), when, and through which channel (`shell`, or a destination's name).
public struct Acknowledgement: Hashable, Sendable {
    /// The incident's id; empty when a critical report without an incident was acknowledged.
    public var incident: String
    /// The report acknowledged, when it was a report rather than an incident.
    public var report: String?
    public var userID: String
    public var name: String
    public var channel: String
    public var at: Timestamp
    public var note: String?

    public init(
        incident: String, report: String? = nil, userID: String, name: String, channel: String, at: Timestamp,
        note: String? = nil
    ) {
        self.incident = incident
        self.report = report
        self.userID = userID
        self.name = name
        self.channel = channel
        self.at = at
        self.note = note
    }

    /// What was acknowledged: the incident, else the report.
    public var subject: String { incident.isEmpty ? report ?? "" : incident }

    private struct Stored: Codable {
        var incident, user_id, name, channel, at: String
        var report, note: String?
    }

    /// The JSON object kept in the `acknowledged` row's `facts`.
    var factsJSON: String {
        FactsJSON.encode(
            Stored(
                incident: incident, user_id: userID, name: name, channel: channel, at: at.iso8601UTC, report: report,
                note: note)) ?? "{}"
    }

    init?(factsJSON: String?) {
        guard let stored = FactsJSON.decode(Stored.self, from: factsJSON), let at = Timestamp(iso8601UTC: stored.at)
        else { return nil }
        self.init(
            incident: stored.incident, report: stored.report, userID: stored.user_id, name: stored.name,
            channel: stored.channel, at: at,
            note: stored.note)
    }
}

extension IncidentBook {
    /// The first acknowledgement of an incident, if anyone gave one.
    public func acknowledgement(of id: String) throws -> Acknowledgement? {
        try ledger.query(
            "WHERE event = 'acknowledged' AND json_extract(facts, '$.incident') = ? ORDER BY seq LIMIT 1", [.text(id)]
        )
        .first.flatMap { Acknowledgement(factsJSON: $0.facts) }
    }

    /// The incident's own reports (its opening, its escalation steps, its resolution), oldest first.
    public func reports(of id: String) throws -> [String] {
        try ledger.query(
            "WHERE event = 'enqueued' AND json_extract(facts, '$.incident') = ? AND json_extract(facts, '$.kind') = 'incident' ORDER BY seq",
            [.text(id)]
        ).compactMap(\.report)
    }

    /// The first acknowledgement of a report (a critical one without an incident), if anyone gave one.
    public func acknowledgement(ofReport report: String) throws -> Acknowledgement? {
        try ledger.query("WHERE +event = 'acknowledged' AND report = ? ORDER BY seq LIMIT 1", [.text(report)])
            .first.flatMap { Acknowledgement(factsJSON: $0.facts) }
    }

    /// Records an acknowledgement as an `acknowledged` row (about its report, when it is a report's).
    public func recordAcknowledged(_ acknowledgement: Acknowledgement) throws {
        try ledger.append(
            .init(
                .acknowledged, report: acknowledgement.report,
                detail:
                    "\(acknowledgement.subject) acknowledged by \(acknowledgement.name) (\(acknowledgement.userID)) via \(acknowledgement.channel)",
                facts: acknowledgement.factsJSON))
    }

    /// Every acknowledgement recorded between `start` (inclusive) and `end` (exclusive), the first per incident.
    public func acknowledgements(from start: Timestamp, to end: Timestamp) throws -> [Acknowledgement] {
        var seen: Set<String> = []
        var result: [Acknowledgement] = []
        for event in try ledger.query("WHERE event = 'acknowledged' ORDER BY seq", []) {
            guard let acknowledgement = Acknowledgement(factsJSON: event.facts),
                seen.insert(acknowledgement.subject).inserted
            else { continue }
            if acknowledgement.at >= start && acknowledgement.at < end { result.append(acknowledgement) }
        }
        return result
    }
}
