import OwnerReportCore

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
