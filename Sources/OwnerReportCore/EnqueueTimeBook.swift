/// Remembers when files dropped in by hand were first seen, so their place in line never moves.
///
/// The ledger is the real book; tests and dry runs may use another.
public protocol EnqueueTimeBook {
    /// The recorded enqueue time of a report id, if it was ever recorded.
    func enqueueTime(of name: String) throws -> Timestamp?
    /// Records a hand-dropped file's first-seen enqueue time (and content hash, when it could be read).
    func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws
}

/// A book that records nothing: for dry runs, which must change nothing.
public struct ReadOnlyEnqueueTimeBook<Base: EnqueueTimeBook>: EnqueueTimeBook {
    let base: Base?
    public init(_ base: Base?) { self.base = base }
    public func enqueueTime(of name: String) throws -> Timestamp? { try base?.enqueueTime(of: name) }
    public func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws {}
}
