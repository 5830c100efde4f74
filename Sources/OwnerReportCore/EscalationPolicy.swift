/// `[escalation]`: what happens to a critical incident nobody acknowledges (docs/design.md §15).
///
/// Step 1, `after` the opening, sends the incident again to the destinations it went to; step k
/// (k ≥ 2), `interval` later each time, sends it to `chain[k - 2]`. The steps stop at the first
/// acknowledgement or at the resolution, and after the chain's last destination.
public struct EscalationPolicy: Sendable, Equatable {
    /// When the first step is due after the opening; nil: no escalation (the default).
    public var after: Duration?
    /// Between two steps.
    public var interval: Duration = .seconds(15 * 60)
    /// The destinations of steps 2, 3, …
    public var chain: [String] = []
    /// The incident severities that escalate, lower-case.
    public var severities: [String] = ["critical"]

    public init() {}

    /// When step `step` (from 1) of an incident opened at `opened` is due.
    public func due(step: Int, openedAt opened: Timestamp) -> Timestamp? {
        guard let after, step >= 1 else { return nil }
        let delay = after + interval * (step - 1)
        return opened.adding(nanoseconds: Int64(delay.seconds * 1e9))
    }

    /// How many steps there are: the re-send and one per destination of the chain.
    public var steps: Int { after == nil ? 0 : 1 + chain.count }
}
