import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Where one report stands, read from the ledger and the queue: `owner-report-producer status ID` and
/// the MCP tool `report_status`. Pending (and waiting for what), delivered (where, when, in how many
/// parts), or failed (the reason its `NAME.error.json` gives).
public struct DeliveryStatus: Sendable {
    public enum State: String, Sendable {
        case pending, delivered, failed
    }

    /// One destination of the report.
    public struct Destination: Sendable, Equatable {
        public var name: String
        public var deliveredAt: Timestamp?
        /// The parts it was sent in (a long report is split).
        public var parts: Int?
        public var attempts: Int
        /// While pending: what it waits for, in a line.
        public var waiting: String?
    }

    public var id: String
    public var state: State
    public var kind: String?
    public var title: String?
    public var enqueuedAt: Timestamp?
    public var destinations: [Destination] = []
    /// For a failed report: its sidecar's category and reason.
    public var failure: QueueStatus.Failed?

    /// The status of the report `id` (its file name, as the producer printed it; a path is taken too).
    /// Throws `InputError` naming the ledger when the ledger has never heard of it.
    public init(
        id given: String, queue: QueueDirectory, ledger: Ledger?, configuration: Configuration, now: Timestamp = .now()
    ) throws {
        let id = DurableFile.fileName(of: given)
        guard ReportFormat(fileName: id) != nil, !id.hasPrefix(".") else {
            throw InputError(
                path: given,
                message:
                    "not a report id (the file name the producer printed, e.g. 20261202T140200.123456789Z-checkpoint-x-1a2b3c4d.md)"
            )
        }
        let events = try ledger?.events(for: id) ?? []
        guard let enqueued = events.first(where: { $0.kind == .enqueued }) else {
            throw InputError(
                path: queue.ledgerPath, message: "no report \(id) in the ledger (it was never enqueued here)")
        }
        self.id = id
        let facts = ReportFacts(json: enqueued.facts)
        kind = facts?.kind ?? ReportName.kind(of: id)?.rawValue
        title = facts?.title
        enqueuedAt = enqueued.enqueuedAt
        let history = ReportHistory(events: events)
        let last = events.last { [.archived, .failed, .requeued, .expired].contains($0.kind) }
        var names: [String] = []
        for event in events where event.kind == .delivered {
            if let name = event.destination, !names.contains(name) { names.append(name) }
        }
        let path = "\(queue.pending)/\(id)"
        var report: Report?
        if let bytes = try? DurableFile.readRegularFile(path, limit: configuration.delivery.maxReportBytes),
            let format = ReportFormat(fileName: id)
        {
            report = try? ReportCodec.decode(bytes, format: format, path: "pending/\(id)")
        }
        if let report {
            for name in configuration.destinationNames(for: report) where !names.contains(name) { names.append(name) }
        }
        if last?.kind == .failed || FileManager.default.fileExists(atPath: "\(queue.failed)/\(id)") {
            state = .failed
            var sidecar = QueueStatus.Failed(report: id, in: queue)
            // Gone from failed/ (requeued since, or its sidecar lost): the ledger's `failed` row says why.
            if sidecar.category == "?", let detail = last?.detail { sidecar.reason = detail }
            failure = sidecar
        } else if FileManager.default.fileExists(atPath: path) {
            state = .pending
        } else {
            state = history.delivered.isEmpty ? .pending : .delivered
        }
        let waitingAhead =
            state == .pending ? try Self.ahead(of: id, queue: queue, ledger: ledger, configuration: configuration) : [:]
        destinations = names.map { name in
            let delivery = events.last { $0.kind == .delivered && $0.destination == name }
            var destination = Destination(
                name: name, deliveredAt: delivery.flatMap { Timestamp(iso8601UTC: $0.time) }, parts: delivery?.parts,
                attempts: history.attempts[name, default: 0])
            if state == .pending, delivery == nil {
                destination.waiting = Self.waiting(
                    for: name, report: report, history: history, ahead: waitingAhead[name],
                    configuration: configuration, now: now)
            }
            return destination
        }
    }

    /// What a destination's copy waits for: a backoff, quiet hours, an earlier report of its lane, or the driver.
    static func waiting(
        for name: String, report: Report?, history: ReportHistory, ahead: (report: String, nextTry: Timestamp?)?,
        configuration: Configuration,
        now: Timestamp
    ) -> String {
        let zone = configuration.timeZone
        if let next = history.notBefore[name], next > now {
            return "its lane's backoff: try \(history.attempts[name, default: 0] + 1) at \(next.iso8601(in: zone))"
        }
        if let ahead {
            let retry = ahead.nextTry.map { " (its next try at \($0.iso8601(in: zone)))" } ?? ""
            return "an earlier report of its lane, which goes first to keep the order: \(ahead.report)\(retry)"
        }
        if let destination = configuration.destinations[name], let quiet = destination.quietHours,
            report?.status != .critical,
            quiet.contains(now, in: zone)
        {
            return "quiet hours \(quiet) of \(name), until \(quiet.nextEnd(after: now, in: zone).iso8601(in: zone))"
        }
        if configuration.destinations[name] == nil { return "no destination named \(name) is configured" }
        return "the driver: it is next in its lane"
    }

    /// For each destination, the earliest report ahead of `id` in the same lane, if any.
    static func ahead(of id: String, queue: QueueDirectory, ledger: Ledger?, configuration: Configuration) throws
        -> [String: (report: String, nextTry: Timestamp?)]
    {
        let status = try QueueStatus(queue: queue, ledger: ledger, configuration: configuration, recent: 0)
        var ahead: [String: (report: String, nextTry: Timestamp?)] = [:]
        for own in status.pending where own.report == id {
            if let first = status.pending.first(where: {
                $0.lane == own.lane && $0.report != id && ($0.enqueuedAt, $0.report) < (own.enqueuedAt, own.report)
            }) {
                ahead[Self.destination(ofLane: own.lane)] = (first.report, first.nextTry)
            }
        }
        return ahead
    }

    /// "owner from web-1" is destination owner's lane for a relayed report.
    static func destination(ofLane lane: String) -> String {
        lane.components(separatedBy: " from ").first ?? lane
    }

    /// The `--json` form, and the MCP tool's structured answer.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = ["id": id, "state": state.rawValue]
        if let kind { object["kind"] = kind }
        if let title { object["title"] = title }
        if let enqueuedAt { object["enqueued_at"] = enqueuedAt.iso8601UTC }
        object["destinations"] = destinations.map { destination -> [String: Any] in
            var entry: [String: Any] = ["name": destination.name, "attempts": destination.attempts]
            if let at = destination.deliveredAt { entry["delivered_at"] = at.iso8601UTC }
            if let parts = destination.parts { entry["parts"] = parts }
            if let waiting = destination.waiting { entry["waiting_for"] = waiting }
            return entry
        }
        if let failure { object["failure"] = ["category": failure.category, "reason": failure.reason] }
        return object
    }

    /// In a line or a few, for people: "delivered to owner at 2026-12-02 14:02 (2 parts)".
    public func lines(in zone: TimeZone) -> [String] {
        var lines = ["\(id): \(state.rawValue)\(title.map { " (\($0))" } ?? "")"]
        for destination in destinations {
            if let at = destination.deliveredAt {
                let parts = destination.parts.map { $0 > 1 ? " in \($0) parts" : "" } ?? ""
                lines.append("  \(destination.name): delivered at \(at.shortLocal(in: zone))\(parts)")
            } else if let waiting = destination.waiting {
                lines.append("  \(destination.name): waiting for \(waiting)")
            } else {
                lines.append("  \(destination.name): not delivered")
            }
        }
        if let failure { lines.append("  failed [\(failure.category)]: \(failure.reason)") }
        return lines
    }
}
