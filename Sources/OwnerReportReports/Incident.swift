import Foundation
import OwnerReportCore
import OwnerReportLedger

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

    public init(
        id: String, title: String, severity: String, category: String? = nil, service: String? = nil, summary: String? = nil,
        source: String = "cli", fingerprint: String? = nil, openedAt: Timestamp, resolvedAt: Timestamp? = nil
    ) {
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
        var category, service, summary, fingerprint: String?
        var opened_at: String
        var resolved_at: String?
    }

    /// The JSON object kept in the ledger's `facts` column: times as the ledger writes them (UTC).
    var factsJSON: String {
        let stored = Stored(
            id: id, title: title, severity: severity, source: source, category: category, service: service, summary: summary,
            fingerprint: fingerprint, opened_at: openedAt.iso8601UTC, resolved_at: resolvedAt?.iso8601UTC)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(stored)) ?? Data("{}".utf8), as: UTF8.self)
    }

    init?(factsJSON: String?) {
        guard let factsJSON, let stored = try? JSONDecoder().decode(Stored.self, from: Data(factsJSON.utf8)),
            let opened = Timestamp(iso8601UTC: stored.opened_at)
        else { return nil }
        self.init(
            id: stored.id, title: stored.title, severity: stored.severity, category: stored.category, service: stored.service,
            summary: stored.summary, source: stored.source, fingerprint: stored.fingerprint, openedAt: opened,
            resolvedAt: stored.resolved_at.flatMap(Timestamp.init(iso8601UTC:)))
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

    /// Records an incident's opening.
    public func recordOpened(_ incident: Incident) throws {
        try ledger.append(
            .init(.incidentOpened, detail: "\(incident.id) opened: \(incident.title)", facts: incident.factsJSON))
    }

    /// Records an incident's resolution; `incident.resolvedAt` must be set.
    public func recordResolved(_ incident: Incident) throws {
        let minutes = incident.duration.map { DurationText.describe($0) } ?? "?"
        try ledger.append(
            .init(.incidentResolved, detail: "\(incident.id) resolved after \(minutes)", facts: incident.factsJSON))
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
