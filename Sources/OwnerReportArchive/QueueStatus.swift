import Foundation
import OwnerReportCore
import OwnerReportLedger

/// `archiver status`: what is waiting, what failed, what went out last (like `postqueue -p`).
public struct QueueStatus: Sendable {
    public struct Pending: Sendable, Equatable {
        public var report: String
        public var lane: String
        public var enqueuedAt: Timestamp
        public var attempts: Int
        public var nextTry: Timestamp?
        /// Why it cannot be read, for a file the driver will quarantine.
        public var problem: String?
    }

    public struct Failed: Sendable, Equatable {
        public var report: String
        public var category: String
        public var reason: String
        public var failedAt: String?

        /// What `failed/REPORT.error.json` says of a quarantined report (`?` for what it lacks).
        public init(report: String, in queue: QueueDirectory) {
            self.report = report
            guard let data = FileManager.default.contents(atPath: "\(queue.failed)/\(report).error.json"),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                (category, reason) = ("?", "no NAME.error.json beside it")
                return
            }
            category = object["category"] as? String ?? "?"
            reason = object["reason"] as? String ?? "?"
            failedAt = object["failed_at"] as? String
        }
    }

    public struct Delivery: Sendable, Equatable {
        public var report: String
        public var destination: String
        public var at: String
    }

    public var pending: [Pending] = []
    public var failed: [Failed] = []
    public var lastDeliveries: [Delivery] = []

    /// Reads the queue and the ledger; `recent` bounds the last deliveries shown.
    public init(queue: QueueDirectory, ledger: Ledger?, configuration: Configuration, recent: Int = 10) throws {
        // The driver's own scan decides what is pending and in which order; it records nothing here.
        let scan =
            (try? queue.scanPending(
                book: ReadOnlyEnqueueTimeBook(ledger), maxReportBytes: configuration.delivery.maxReportBytes))
        for entry in scan?.entries ?? [] {
            let name = entry.name, enqueuedAt = entry.enqueuedAt
            let history = ReportHistory(events: try ledger?.events(for: name) ?? [])
            var destinations = ["?"], report: Report?
            var problem: String?
            do {
                let bytes = try DurableFile.readRegularFile(entry.path, limit: configuration.delivery.maxReportBytes)
                report = try ReportCodec.decode(bytes, format: entry.format, path: "pending/\(name)")
                destinations = report.map(configuration.destinationNames(for:)) ?? destinations
            } catch {
                problem = "\(error)"
            }
            for destination in destinations where !history.delivered.contains(destination) {
                pending.append(
                    Pending(
                        report: name,
                        lane: report.map { Lane.name(destination: destination, report: $0) } ?? destination,
                        enqueuedAt: enqueuedAt,
                        attempts: history.attempts[destination, default: 0], nextTry: history.notBefore[destination],
                        problem: problem))
            }
        }
        pending.sort { ($0.lane, $0.enqueuedAt, $0.report) < ($1.lane, $1.enqueuedAt, $1.report) }

        for file in queue.failedReports() { failed.append(Failed(report: file.name, in: queue)) }
        if let ledger {
            lastDeliveries = try ledger.query(
                "WHERE event = 'delivered' ORDER BY seq DESC LIMIT ?", [.integer(Int64(recent))]
            ).map {
                Delivery(report: $0.report ?? "?", destination: $0.destination ?? "?", at: $0.time)
            }
        }
    }

    /// The `--json` form.
    public func jsonObject(now: Timestamp) -> [String: Any] {
        [
            "pending": pending.map { entry -> [String: Any] in
                var object: [String: Any] = [
                    "report": entry.report, "lane": entry.lane, "enqueued_at": entry.enqueuedAt.iso8601UTC,
                    "age_seconds": Double(now.rawValue - entry.enqueuedAt.rawValue) / 1e9, "attempts": entry.attempts,
                    "next_try": entry.nextTry?.iso8601UTC ?? NSNull(),
                ]
                if let problem = entry.problem { object["problem"] = problem }
                return object
            },
            "failed": failed.map {
                [
                    "report": $0.report, "category": $0.category, "reason": $0.reason,
                    "failed_at": $0.failedAt.map { $0 as Any } ?? NSNull(),
                ] as [String: Any]
            },
            "last_deliveries": lastDeliveries.map {
                ["report": $0.report, "destination": $0.destination, "at": $0.at]
            },
        ]
    }
}
