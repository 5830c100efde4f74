import OwnerReportCore
import OwnerReportLedger

/// The key figures of a period, computed from the ledger alone (the daily report's content).
///
/// Every number is a count or a measurement of ledger rows in `[start, end)`; none is estimated.
public struct DailyKPIs: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp
    /// Reports enqueued in the period, by kind (`unknown` for files dropped in by hand).
    public var enqueuedByKind: [String: Int]
    /// Deliveries completed (a report routed to two destinations counts twice).
    public var delivered: Int
    /// Reports moved to failed/.
    public var failed: Int
    /// Transient failures that made a report wait (retries).
    public var deferred: Int
    /// Enqueue → delivered, in seconds, for every delivery in the period.
    public var latencies: [Double]
    public var incidentsOpened: [Incident]
    public var incidentsResolved: [Incident]
    /// Incidents still open at the end of the period.
    public var incidentsOpenAtEnd: [Incident]
    public var postmortems: Int
    /// Incidents first acknowledged in the period (`acknowledged` rows; one per incident).
    public var acknowledgements: [Acknowledgement] = []
    /// Opening → first acknowledgement, in seconds, for each of `acknowledgements` whose opening the ledger holds.
    public var timesToAcknowledge: [Double] = []

    public var medianTimeToAcknowledge: Double? { Self.percentile(timesToAcknowledge, 50) }
    /// Escalation steps taken in the period (`escalated` rows; a step to two destinations counts twice).
    public var escalations = 0
    /// For a fleet's report: each host's own figures, hosts by name; empty for one host's report.
    public var hosts: [HostFigures] = []
    /// How many `[expect.NAME]` the report looked at.
    public var expectationsConfigured = 0
    /// Those with a sign of life in the period (docs/reports.md, "Expectations") and no incident opened in it, by name.
    public var expectationsMet: [String] = []
    /// Expectation incidents opened in the period: a silence past its deadline, a `fail` ping, a run past `max_runtime`.
    public var expectationsMissed: [Incident] = []

    /// One host's line of a fleet's daily report.
    public struct HostFigures: Sendable, Equatable {
        public var host: String
        public var enqueued: Int
        public var delivered: Int
        public var failed: Int
        public var deferred: Int
        public var incidentsOpen: Int
    }

    public var enqueued: Int { enqueuedByKind.values.reduce(0, +) }

    /// delivered / (delivered + failed), nil when nothing finished.
    public var successRate: Double? {
        delivered + failed == 0 ? nil : Double(delivered) / Double(delivered + failed)
    }

    public var medianLatency: Double? { Self.percentile(latencies, 50) }
    public var p95Latency: Double? { Self.percentile(latencies, 95) }

    /// Incident categories of the period by count, most first, ties by name.
    public var topCategories: [(category: String, count: Int)] {
        var counts: [String: Int] = [:]
        for incident in incidentsOpened { counts[incident.category ?? "uncategorized", default: 0] += 1 }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map { ($0.key, $0.value) }
    }

    /// The nearest-rank percentile (the smallest value with at least `p`% of values at or below it).
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// Reads the period's figures from `ledger`; `expectations` are the configured ones, each met when a
    /// sign of life of it came in the period and it opened no incident.
    public init(ledger: Ledger, start: Timestamp, end: Timestamp, expectations: [Expectation] = []) throws {
        self.start = start
        self.end = end
        let window: [Statement.Value] = [.text(start.iso8601UTC), .text(end.iso8601UTC)]
        var byKind: [String: Int] = [:]
        var postmortems = 0
        for event in try ledger.query("WHERE event = 'enqueued' AND at >= ? AND at < ? ORDER BY seq", window) {
            let kind =
                ReportFacts(json: event.facts)?.kind ?? event.report.flatMap(ReportName.kind(of:))?.rawValue
                ?? "unknown"
            byKind[kind, default: 0] += 1
            if kind == ReportKind.postmortem.rawValue { postmortems += 1 }
        }
        enqueuedByKind = byKind
        self.postmortems = postmortems
        func count(_ kind: LedgerEvent.Kind, ofReportsOnly: Bool = false) throws -> Int {
            // A quiet-hours digest is delivered as a message of its own, and its reports each as
            // delivered: only rows about a report that was enqueued count as its deliveries.
            // `+e.event`: look the report up by events_by_report; by events_by_kind, SQLite would walk every
            // `enqueued` row for each delivery (20,000 deliveries in a day took minutes).
            let reportsOnly =
                ofReportsOnly
                ? " AND EXISTS (SELECT 1 FROM events e WHERE e.report = events.report AND +e.event = 'enqueued')" : ""
            let statement = try ledger.database.prepare(
                "SELECT COUNT(*) FROM events WHERE event = ? AND at >= ? AND at < ?" + reportsOnly)
            try statement.bind([.text(kind.rawValue)] + window)
            _ = try statement.step()
            return Int(statement.integer(0) ?? 0)
        }
        delivered = try count(.delivered, ofReportsOnly: true)
        escalations = try count(.escalated)
        failed = try count(.failed)
        deferred = try count(.deferred)
        let latency = try ledger.database.prepare(
            """
            SELECT d.at, (SELECT MIN(e.enqueued_at_ns) FROM events e WHERE e.report = d.report AND +e.event = 'enqueued')
            FROM events d WHERE d.event = 'delivered' AND d.at >= ? AND d.at < ? ORDER BY d.seq
            """)
        try latency.bind(window)
        var latencies: [Double] = []
        while try latency.step() {
            guard let at = latency.text(0).flatMap(Timestamp.init(iso8601UTC:)), let enqueued = latency.integer(1)
            else { continue }
            latencies.append(max(0, Double(at.rawValue - enqueued) / 1e9))
        }
        self.latencies = latencies
        let incidents = try IncidentBook(ledger: ledger).all().values.sorted {
            ($0.openedAt, $0.id) < ($1.openedAt, $1.id)
        }
        incidentsOpened = incidents.filter { $0.openedAt >= start && $0.openedAt < end }
        incidentsResolved = incidents.filter { ($0.resolvedAt.map { $0 >= start && $0 < end }) ?? false }
        incidentsOpenAtEnd = incidents.filter { $0.openedAt < end && ($0.resolvedAt.map { $0 >= end } ?? true) }
        acknowledgements = try IncidentBook(ledger: ledger).acknowledgements(from: start, to: end)
        let openings = Dictionary(incidents.map { ($0.id, $0.openedAt) }, uniquingKeysWith: { first, _ in first })
        timesToAcknowledge = acknowledgements.compactMap { acknowledgement in
            openings[acknowledgement.incident].map { max(0, Double(acknowledgement.at.rawValue - $0.rawValue) / 1e9) }
        }
        expectationsConfigured = expectations.count
        expectationsMissed = incidentsOpened.filter { $0.source == ExpectationIncident.source }
        let missed = Set(expectationsMissed.map(\.id))
        let signs = SignsOfLife(ledger: ledger)
        expectationsMet = try expectations.filter { expectation in
            try !missed.contains(ExpectationIncident.id(of: expectation.name))
                && signs.latest(of: expectation, within: start..<end) != nil
        }.map(\.name)
    }
}

/// The daily report's one-word judgement, with the thresholds it applies stated in the report.
public struct HealthVerdict: Sendable, Equatable {
    public enum Level: Int, Comparable, Sendable {
        case healthy, attention, unhealthy
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var level: Level
    /// Why it is not healthy, one line per finding; empty when healthy.
    public var reasons: [String]

    /// The thresholds, as the report states them.
    public static let rules = [
        "🟢 healthy: no failed report, success rate ≥ 99 %, p95 latency ≤ 5 min, no incident open at the end",
        "🟡 needs attention: a failed report, success rate < 99 %, p95 latency > 5 min, or a non-critical incident open",
        "🔴 unhealthy: success rate < 90 %, p95 latency > 30 min, or a critical incident open",
    ]

    public init(_ kpis: DailyKPIs) {
        var level = Level.healthy
        var reasons: [String] = []
        func note(_ found: Level, _ reason: String) {
            level = max(level, found)
            reasons.append(reason)
        }
        if kpis.failed > 0 { note(.attention, "\(kpis.failed) report(s) failed") }
        if let rate = kpis.successRate {
            if rate < 0.90 {
                note(.unhealthy, "success rate \(Self.percent(rate)) < 90 %")
            } else if rate < 0.99 {
                note(.attention, "success rate \(Self.percent(rate)) < 99 %")
            }
        }
        if let p95 = kpis.p95Latency {
            if p95 > 1800 {
                note(.unhealthy, "p95 latency \(DurationText.describe(.seconds(p95))) > 30 min")
            } else if p95 > 300 {
                note(.attention, "p95 latency \(DurationText.describe(.seconds(p95))) > 5 min")
            }
        }
        let critical = kpis.incidentsOpenAtEnd.filter { $0.openStatus == .critical }
        if !critical.isEmpty { note(.unhealthy, "\(critical.count) critical incident(s) open") }
        let others = kpis.incidentsOpenAtEnd.count - critical.count
        if others > 0 { note(.attention, "\(others) incident(s) open") }
        self.level = level
        self.reasons = reasons
    }

    public var label: String {
        switch level {
        case .healthy: "🟢 healthy"
        case .attention: "🟡 needs attention"
        case .unhealthy: "🔴 unhealthy"
        }
    }

    public var status: ReportStatus {
        switch level {
        case .healthy: .normal
        case .attention: .warning
        case .unhealthy: .critical
        }
    }

    static func percent(_ rate: Double) -> String { String(format: "%.1f %%", rate * 100) }
}

extension DailyKPIs {
    /// A fleet's figures: each host's ledger read as its own (`DailyKPIs(ledger:)`), then added up, so
    /// that every count is the sum of the hosts' counts and the latencies are all of theirs. Incident
    /// ids are prefixed with their host (`web-1/INC-3`), as each host numbers its own.
    public init(fleet: [(host: String, ledger: Ledger)], start: Timestamp, end: Timestamp) throws {
        self = .empty(start: start, end: end)
        for (host, ledger) in fleet { add(try DailyKPIs(ledger: ledger, start: start, end: end), of: host) }
    }

    private mutating func add(_ own: DailyKPIs, of host: String) {
        for (kind, count) in own.enqueuedByKind { enqueuedByKind[kind, default: 0] += count }
        delivered += own.delivered
        failed += own.failed
        deferred += own.deferred
        latencies += own.latencies
        postmortems += own.postmortems
        escalations += own.escalations
        func tagged(_ incident: Incident) -> Incident {
            var incident = incident
            incident.id = "\(host)/\(incident.id)"
            return incident
        }
        incidentsOpened += own.incidentsOpened.map(tagged)
        incidentsResolved += own.incidentsResolved.map(tagged)
        incidentsOpenAtEnd += own.incidentsOpenAtEnd.map(tagged)
        expectationsMissed += own.expectationsMissed.map(tagged)
        acknowledgements += own.acknowledgements.map { acknowledgement in
            var acknowledgement = acknowledgement
            if !acknowledgement.incident.isEmpty { acknowledgement.incident = "\(host)/\(acknowledgement.incident)" }
            return acknowledgement
        }
        timesToAcknowledge += own.timesToAcknowledge
        hosts.append(
            HostFigures(
                host: host, enqueued: own.enqueued, delivered: own.delivered, failed: own.failed,
                deferred: own.deferred,
                incidentsOpen: own.incidentsOpenAtEnd.count))
    }

    /// The figures of a period with no ledger at all: everything zero.
    public static func empty(start: Timestamp, end: Timestamp) -> DailyKPIs {
        DailyKPIs(
            start: start, end: end, enqueuedByKind: [:], delivered: 0, failed: 0, deferred: 0, latencies: [],
            incidentsOpened: [], incidentsResolved: [], incidentsOpenAtEnd: [], postmortems: 0)
    }

    init(
        start: Timestamp, end: Timestamp, enqueuedByKind: [String: Int], delivered: Int, failed: Int, deferred: Int,
        latencies: [Double], incidentsOpened: [Incident], incidentsResolved: [Incident], incidentsOpenAtEnd: [Incident],
        postmortems: Int
    ) {
        self.start = start
        self.end = end
        self.enqueuedByKind = enqueuedByKind
        self.delivered = delivered
        self.failed = failed
        self.deferred = deferred
        self.latencies = latencies
        self.incidentsOpened = incidentsOpened
        self.incidentsResolved = incidentsResolved
        self.incidentsOpenAtEnd = incidentsOpenAtEnd
        self.postmortems = postmortems
    }
}
