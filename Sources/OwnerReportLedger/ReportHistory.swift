import OwnerReportCore

/// What the ledger says about one report's delivery, per destination.
///
/// Deliveries and delivered parts count forever (nothing is ever sent twice on purpose); attempts
/// and backoff start over after a `requeued`, which gives a report a new attempt budget.
public struct ReportHistory: Sendable {
    public private(set) var delivered: Set<String> = []
    public private(set) var deliveredParts: [String: Set<Int>] = [:]
    public private(set) var attempts: [String: Int] = [:]
    public private(set) var notBefore: [String: Timestamp] = [:]
    public private(set) var archived = false
    /// When the report was last requeued: its `max_age` counts from then.
    public private(set) var requeuedAt: Timestamp?

    public init(events: [LedgerEvent]) {
        for event in events {
            let destination = event.destination ?? ""
            switch event.kind {
            case .requeued:
                attempts = [:]
                notBefore = [:]
                archived = false
                requeuedAt = Timestamp(iso8601UTC: event.time)
            case .attempt:
                attempts[destination, default: 0] += 1
            case .partDelivered:
                if let part = event.part { deliveredParts[destination, default: []].insert(part) }
            case .delivered:
                delivered.insert(destination)
                notBefore[destination] = nil
            case .deferred:
                notBefore[destination] = event.notBefore
            case .archived:
                archived = true
            default:
                break
            }
        }
    }
}
