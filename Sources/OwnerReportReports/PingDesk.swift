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
            return
                "no [expect.\(name)] in \(configuration.sourceName) (expected: \(known.isEmpty ? "none configured" : known))"
        }
        return nil
    }

    struct Stored: Codable {
        var name: String
        var state: String
        var message: String?
        /// For a success or fail after a `start`: the seconds between them (the job's run time).
        var ranSeconds: Double?
    }

    /// Records the ping; for a `fail`, opens the expectation's incident with it unless one is open.
    /// Returns the ids of the reports enqueued (none for a good ping).
    @discardableResult
    public func record(_ name: String, _ state: State, message: String? = nil, at time: Timestamp = .now()) throws
        -> [String]
    {
        let message = message.map { String($0.prefix(2_000)) }
        let ran = state == .start ? nil : try runTime(of: name, endingAt: time)
        let row = LedgerEvent.Draft(
            .ping,
            detail:
                "\(name): \(state.rawValue)\(ran.map { " after \(DurationText.describe($0))" } ?? "")\(message.map { ": \($0.prefix(200))" } ?? "")",
            facts: FactsJSON.encode(
                Stored(name: name, state: state.rawValue, message: message, ranSeconds: ran?.seconds)))
        guard state == .fail, let expectation = configuration.expectations.first(where: { $0.name == name }) else {
            try ledger.append(row, at: time)
            return []
        }
        let id = ExpectationIncident.id(of: name)
        if let open = try IncidentBook(ledger: ledger).incident(id: id), open.isOpen {
            try ledger.append(row, at: time)
            return []
        }
        var incident = ExpectationIncident.incident(
            for: expectation, title: "\(name) failed\(message.map { ": \($0.prefix(120))" } ?? "")", at: time)
        incident.summary = message
        return try incidents.announce(incident, opened: true, postmortem: nil, earlier: [row])
    }

    /// How long the job ran: from its latest `start` to `time`, when that start came after its latest
    /// success or fail (healthchecks.io's measure); nil for a job that never pings a start.
    func runTime(of name: String, endingAt time: Timestamp) throws -> Duration? {
        guard let started = try Self.latest(name, .start, in: ledger), started <= time else { return nil }
        let ended = [try Self.latest(name, .success, in: ledger), try Self.latest(name, .fail, in: ledger)].compactMap {
            $0
        }.max()
        if let ended, ended >= started { return nil }
        return .nanoseconds(time.rawValue - started.rawValue)
    }

    /// The latest ping of `name` in `state`, if any (within `window`, by ledger time, if given).
    public static func latest(_ name: String, _ state: State, in ledger: Ledger, within window: Range<Timestamp>? = nil)
        throws -> Timestamp?
    {
        let (clause, values) = SignsOfLife.clause(window)
        return try ledger.query(
            "WHERE event = 'ping' AND json_extract(facts, '$.name') = ? AND json_extract(facts, '$.state') = ?\(clause) ORDER BY seq DESC LIMIT 1",
            [.text(name), .text(state.rawValue)] + values
        ).first.flatMap { Timestamp(iso8601UTC: $0.time) }
    }

    /// The run time the latest success of `name` recorded, if it followed a `start`.
    public static func lastRunTime(_ name: String, in ledger: Ledger) throws -> Duration? {
        guard
            let row = try ledger.query(
                "WHERE event = 'ping' AND json_extract(facts, '$.name') = ? AND json_extract(facts, '$.state') = 'success' ORDER BY seq DESC LIMIT 1",
                [.text(name)]
            ).first, let seconds = FactsJSON.decode(Stored.self, from: row.facts)?.ranSeconds
        else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// The incident an expectation's silence (or failure) opens: one id per expectation, so it is open at
/// most once at a time, and the same desk as every incident (acknowledgement, escalation, quiet hours).
public enum ExpectationIncident {
    public static func id(of name: String) -> String { "expect-\(name)" }
    /// The `source` of every expectation's incident.
    public static let source = "expectation"

    public static func incident(for expectation: Expectation, title: String, at time: Timestamp) -> Incident {
        Incident(
            id: id(of: expectation.name), title: title, severity: expectation.severity, category: "silence",
            service: expectation.name,
            source: source, openedAt: time, destination: expectation.destination)
    }
}
