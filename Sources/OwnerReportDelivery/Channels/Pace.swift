import Foundation

/// When a destination may be sent its next message: the service's spacing and the pauses its
/// rate-limit headers ask for. Shared by every lane that sends to one destination, so two origins'
/// lanes to one Discord channel keep the channel's pace together; each lane waits its own turn.
public final class Pace: @unchecked Sendable {
    private let lock = NSLock()
    private var nextAllowed = ContinuousClock.now

    public init() {}

    /// Takes the next turn: how long the caller must wait before sending, and the turn after it is
    /// `spacing` later.
    public func reserve(spacing: Duration) -> Duration {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        let turn = max(now, nextAllowed)
        nextAllowed = turn + spacing
        return turn - now
    }

    /// No message before `pause` from now (a bucket with nothing left).
    public func holdBack(for pause: Duration) {
        lock.lock()
        defer { lock.unlock() }
        nextAllowed = max(nextAllowed, ContinuousClock.now + pause)
    }
}
