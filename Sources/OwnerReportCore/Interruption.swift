#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// Asks every wait of a run to end early: a daemon's SIGTERM, or a run that must stop all its lanes.
///
/// A lane's waits (its pace, a rate limit's pause, a transfer in progress) look at it at least every
/// 50 ms, so a stop is noticed at once however long the wait was meant to be.
public final class Interruption: Sendable {
    private let requested = Atomic<Bool>(false)
    /// CLOCK_MONOTONIC nanoseconds when the stop was first seen; 0 before.
    private let requestedAt = Atomic<Int64>(0)
    private let outside: @Sendable () -> Bool

    /// The longest a wait sleeps before it looks again.
    static let slice: Duration = .milliseconds(50)

    /// - Parameter outside: asked too; true counts as a request (StopSignal's, for a daemon).
    public init(also outside: @escaping @Sendable () -> Bool = { false }) {
        self.outside = outside
    }

    /// One that is never asked to stop: for a transport used outside a run (the watchdog's alerts).
    public static let never = Interruption()

    /// Ends every wait that looks at this, now and from now on.
    public func request() {
        _ = requestedAt.compareExchange(expected: 0, desired: Self.monotonicNow(), ordering: .relaxed)
        requested.store(true, ordering: .releasing)
    }

    /// Whether a stop was asked for at least `grace` ago: a transfer already under way is given that
    /// long to be answered, so a report the destination is taking is not cut off and sent again.
    public func isRequested(for grace: Duration) -> Bool {
        guard isRequested else { return false }
        let since = Self.monotonicNow() - requestedAt.load(ordering: .relaxed)
        return Duration.nanoseconds(since) >= grace
    }

    private static func monotonicNow() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Whether a stop was asked for, here or from outside.
    public var isRequested: Bool {
        if requested.load(ordering: .acquiring) { return true }
        if outside() {
            request()
            return true
        }
        return false
    }

    /// Sleeps for `duration` unless a stop is asked for first; true when it slept the whole time.
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while !isRequested {
            let left = end - clock.now
            if left <= .zero { return true }
            let step = min(left, Self.slice)
            var time = timespec(
                tv_sec: Int(step.components.seconds), tv_nsec: Int(step.components.attoseconds / 1_000_000_000))
            var rest = timespec()
            while nanosleep(&time, &rest) != 0, errno == EINTR, !isRequested { time = rest }
        }
        return false
    }
}
