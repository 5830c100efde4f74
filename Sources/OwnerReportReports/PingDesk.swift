import OwnerReportCore
import OwnerReportLedger

/// A job's word that it started, succeeded or failed, for an `[expect.NAME]` (docs/reports.md,
/// "Expectations"): `owner-report-producer ping NAME` and the intake's `/v1/ping/NAME`. A good ping is
/// a ledger row and nothing more; a `fail` also opens the expectation's incident, in the same
/// transaction, and the next good ping resolves it (at the watchdog's next pass).
public struct PingDesk {
    public enum State: String, Sendable, CaseIterable {
        case start, success, fail
    }

    public let configuration: Configuration
    public let ledger: Ledger
    public let incidents: IncidentDesk

    public init(configuration: Configuration, ledger: Ledger, incidents: IncidentDesk) {
        self.configuration = configuration
        self.ledger = ledger
        self.incidents = incidents
    }

    /// What a ping is refused for: a name no `[expect.NAME]` has (a typo would be a silence nobody sees).
    public static func problem(with name: String, in configuration: Configuration) -> String? {
        guard configuration.expectations.contains(where: { $0.name == name }) else {
            let known = configuration.expectations.map(\.name).joined(separator: ", ")
            return "no [expect.\(name)] in \(configuration.sourceName) (expected: \(known.isEmpty ? "none configured" : known))"
        }
        return nil
    }

    struct Stored: Codable {
        var name: String
        var state: String
        var message: String?
    }

    /// Records the ping; for a `fail`, opens the expectation's incident with it unless one is open.
    /// Returns the ids of the reports enqueued (none for a good ping).
    @discardableResult
    public func record(_ name: String, _ state: State, message: String? = nil, at time: Timestamp = .now()) throws -> [String] {
        let message = message.map { String($0.prefix(2_000)) }
        let row = LedgerEvent.Draft(
            .ping, detail: "\(name): \(state.rawValue)\(message.map { ": \($0.prefix(200))" } ?? "")",
            facts: FactsJSON.encode(Stored(name: name, state: state.rawValue, message: message)))
        guard state == .fail, let expectation = configuration.expectations.first(where: { $0.name == name }) else {
            try ledger.append(row, at: time)
            return []
        }
        let id = ExpectationIncident.id(of: name)
        if let open = try IncidentBook(ledger: ledger).incident(id: id), open.isOpen {
            try ledger.append(row, at: time)
            return []
        }
        var incident = ExpectationIncident.incident(for: expectation, title: "\(name) failed\(message.map { ": \($0.prefix(120))" } ?? "")", at: time)
        incident.summary = message
        return try incidents.announce(incident, opened: true, postmortem: nil, earlier: [row])
    }

    /// The latest ping of `name` in `state`, if any.
    public static func latest(_ name: String, _ state: State, in ledger: Ledger) throws -> Timestamp? {
        try ledger.query(
            "WHERE event = 'ping' AND json_extract(facts, '$.name') = ? AND json_extract(facts, '$.state') = ? ORDER BY seq DESC LIMIT 1",
            [.text(name), .text(state.rawValue)]
        ).first.flatMap { Timestamp(iso8601UTC: $0.time) }
    }
}

/// The incident an expectation's silence (or failure) opens: one id per expectation, so it is open at
/// most once at a time, and the same desk as every incident (acknowledgement, escalation, quiet hours).
public enum ExpectationIncident {
    public static func id(of name: String) -> String { "expect-\(name)" }

    public static func incident(for expectation: Expectation, title: String, at time: Timestamp) -> Incident {
        Incident(
            id: id(of: expectation.name), title: title, severity: expectation.severity, category: "silence", service: expectation.name,
            source: "expectation", openedAt: time, destination: expectation.destination)
    }
}
