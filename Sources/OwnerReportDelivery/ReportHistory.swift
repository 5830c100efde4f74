import OwnerReportCore
import OwnerReportLedger

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

    public init(events: [LedgerEvent]) {
        for event in events {
            let destination = event.destination ?? ""
            switch event.kind {
            case .requeued:
                attempts = [:]
                notBefore = [:]
                archived = false
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

/// Exponential backoff with jitter, never shorter than what the destination asked for.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration

    public init(policy: DeliveryPolicy) {
        initial = policy.backoffInitial
        maximum = policy.backoffMax
    }

    /// The wait after the `attempt`-th consecutive failure: half of the doubled base, plus a random
    /// part of the other half (so lanes that failed together do not retry together), and at least `retryAfter`.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        let doublings = min(max(attempt - 1, 0), 30)
        var base = initial * (1 << doublings)
        if base > maximum { base = maximum }
        let half = base / 2
        let jitter = half * Double.random(in: 0...1)
        return max(half + jitter, retryAfter ?? .zero)
    }
}
