import OwnerReportCore
import OwnerReportLedger

/// `state/metrics.prom`: the node_exporter textfile-collector format, written whole and atomically.
public enum MetricsFile {
    /// Delivery latency buckets, seconds from enqueue to the destination's acceptance.
    static let buckets: [Double] = [1, 5, 15, 60, 300, 900, 3600, 21_600, 86_400]

    public static func render(
        _ health: QueueHealth, ledger: Ledger?, policy: WatchdogPolicy, standingAlerts: Int,
        expectations: [ExpectationWatch.State] = []
    ) throws -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(format(sample.value))") }
        }
        metric("owner_report_pending", "gauge", "Reports waiting in pending/.", [("", Double(health.pending))])
        metric(
            "owner_report_oldest_pending_age_seconds", "gauge", "Age of the oldest pending report.",
            [("", health.oldestPendingAge?.seconds ?? 0)])
        metric("owner_report_failed", "gauge", "Reports in failed/.", [("", Double(health.failed.count))])
        metric(
            "owner_report_daemon_alive", "gauge", "1 when a --follow daemon holds the queue with a fresh heartbeat.",
            [("", health.daemonAlive(policy) ? 1 : 0)])
        metric(
            "owner_report_alerts_standing", "gauge", "Watchdog alert conditions that hold now.",
            [("", Double(standingAlerts))])
        if let ledger {
            metric(
                "owner_report_delivered_total", "counter", "Deliveries accepted, per destination.",
                try counts(of: "delivered", in: ledger))
            metric(
                "owner_report_failed_total", "counter", "Reports a destination refused or gave up on, per destination.",
                try counts(of: "failed", in: ledger))
            metric(
                "owner_report_unreadable_total", "counter",
                "Reports moved to failed/ before any destination was tried (malformed, binary, oversize, not a regular file).",
                [("", try unreadableCount(in: ledger))])
            let latencies = try deliveryLatencies(in: ledger)
            lines.append(
                "# HELP owner_report_delivery_latency_seconds Seconds from enqueue to acceptance by the destination.")
            lines.append("# TYPE owner_report_delivery_latency_seconds histogram")
            for bound in buckets {
                lines.append(
                    "owner_report_delivery_latency_seconds_bucket{le=\"\(format(bound))\"} \(latencies.filter { $0 <= bound }.count)"
                )
            }
            lines.append("owner_report_delivery_latency_seconds_bucket{le=\"+Inf\"} \(latencies.count)")
            lines.append("owner_report_delivery_latency_seconds_sum \(format(latencies.reduce(0, +)))")
            lines.append("owner_report_delivery_latency_seconds_count \(latencies.count)")
        }
        if let last = health.lastDelivery {
            metric(
                "owner_report_last_delivery_timestamp_seconds", "gauge",
                "When the last delivery was accepted (Unix time).", [("", Double(last.rawValue) / 1e9)])
        }
        if !expectations.isEmpty {
            metric(
                "owner_report_expectation_missed", "gauge",
                "1 while an [expect.NAME]'s silence (or failure) is an open incident.",
                expectations.map { ("{name=\"\(escape($0.name))\"}", $0.openIncident == nil ? 0 : 1) })
            let seen = expectations.compactMap { state in
                state.lastSeen.map { ("{name=\"\(escape(state.name))\"}", Double($0.rawValue) / 1e9) }
            }
            if !seen.isEmpty {
                metric(
                    "owner_report_expectation_last_seen_timestamp_seconds", "gauge",
                    "When an [expect.NAME] last saw its report, ping or alert (Unix time).", seen)
            }
            let ran = expectations.compactMap { state in
                state.lastRunTime.map { ("{name=\"\(escape(state.name))\"}", $0.seconds) }
            }
            if !ran.isEmpty {
                metric(
                    "owner_report_expectation_last_run_seconds", "gauge",
                    "How long an [expect.NAME]'s job ran: its last start ping to the success after it.", ran)
            }
        }
        metric(
            "owner_report_watchdog_last_run_timestamp_seconds", "gauge", "When the watchdog last ran (Unix time).",
            [("", Double(health.now.rawValue) / 1e9)])
        return lines.joined(separator: "\n") + "\n"
    }

    private static func counts(of event: String, in ledger: Ledger) throws -> [(labels: String, value: Double)] {
        // A report that failed before it had a destination is not a destination's: see unreadableCount.
        let statement = try ledger.database.prepare(
            "SELECT destination, COUNT(*) FROM events WHERE event = ? AND destination IS NOT NULL AND destination <> '' GROUP BY 1 ORDER BY 1"
        )
        try statement.bind([.text(event)])
        var samples: [(labels: String, value: Double)] = []
        while try statement.step() {
            samples.append(("{destination=\"\(escape(statement.text(0) ?? ""))\"}", Double(statement.integer(1) ?? 0)))
        }
        return samples
    }

    private static func unreadableCount(in ledger: Ledger) throws -> Double {
        let statement = try ledger.database.prepare(
            "SELECT COUNT(*) FROM events WHERE event = 'failed' AND (destination IS NULL OR destination = '')")
        _ = try statement.step()
        return Double(statement.integer(0) ?? 0)
    }

    /// Seconds from each report's enqueue to each destination's `delivered`.
    private static func deliveryLatencies(in ledger: Ledger) throws -> [Double] {
        let statement = try ledger.database.prepare(
            """
            SELECT d.at, e.enqueued_at_ns FROM events d
            JOIN events e ON e.report = d.report AND e.event = 'enqueued' AND e.enqueued_at_ns IS NOT NULL
            WHERE d.event = 'delivered'
            """)
        var latencies: [Double] = []
        while try statement.step() {
            guard let at = statement.text(0).flatMap(Timestamp.init(iso8601UTC:)), let enqueued = statement.integer(1)
            else { continue }
            latencies.append(max(0, Double(at.rawValue - enqueued) / 1e9))
        }
        return latencies
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A label value with `\`, `"` and newlines escaped, as the exposition format requires.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
