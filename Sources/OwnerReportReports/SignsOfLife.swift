import OwnerReportCore
import OwnerReportLedger

/// What counts as a sign of life for an `[expect.NAME]`: a good ping of its name, a firing alert of its
/// `alertname`, or an enqueued report its `match` fits (never the expectation's own incident reports,
/// which carry its name and would answer for it). The watchdog asks for the latest; the daily report
/// asks whether there was one in its 24 hours.
public struct SignsOfLife {
    public let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// The time of the latest sign of life of `expectation`, within `window` (by ledger time) if given.
    public func latest(of expectation: Expectation, within window: Range<Timestamp>? = nil) throws -> Timestamp? {
        var times: [Timestamp] = []
        if let ping = try PingDesk.latest(expectation.name, .success, in: ledger, within: window) { times.append(ping) }
        let match = expectation.match
        let (windowClause, windowValues) = Self.clause(window)
        if let alertname = match.alertname {
            if let row = try ledger.query(
                "WHERE event = 'alert_received' AND json_extract(facts, '$.alertname') = ?\(windowClause) ORDER BY seq DESC LIMIT 1",
                [.text(alertname)] + windowValues
            ).first, let at = Timestamp(iso8601UTC: row.time) {
                times.append(at)
            }
        }
        let fields: [(String, String?)] = [
            ("source", match.source), ("team", match.team), ("task", match.taskID), ("kind", match.kind),
        ]
        let given = fields.compactMap { key, value in value.map { (key, $0) } }
        if !given.isEmpty || match.title != nil {
            var tail = "WHERE event = 'enqueued'"
            var values: [Statement.Value] = []
            for (key, value) in given {
                tail += " AND json_extract(facts, '$.\(key)') = ?"
                values.append(.text(value))
            }
            if let title = match.title {
                tail += " AND json_extract(facts, '$.title') GLOB ?"
                values.append(.text(title))
            }
            tail += " AND coalesce(json_extract(facts, '$.incident'), '') != ?\(windowClause) ORDER BY seq DESC LIMIT 1"
            values.append(.text(ExpectationIncident.id(of: expectation.name)))
            if let row = try ledger.query(tail, values + windowValues).first,
                let at = row.enqueuedAt ?? Timestamp(iso8601UTC: row.time)
            {
                times.append(at)
            }
        }
        return times.max()
    }

    /// ` AND at >= ? AND at < ?` and its values, or nothing without a window.
    static func clause(_ window: Range<Timestamp>?) -> (String, [Statement.Value]) {
        guard let window else { return ("", []) }
        return (" AND at >= ? AND at < ?", [.text(window.lowerBound.iso8601UTC), .text(window.upperBound.iso8601UTC)])
    }
}
