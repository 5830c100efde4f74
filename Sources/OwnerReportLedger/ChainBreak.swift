/// Where the hash chain breaks: the row and why.
public struct ChainBreak: Hashable, Sendable, CustomStringConvertible {
    public var sequence: Int64
    public var reason: String
    public init(sequence: Int64, reason: String) {
        self.sequence = sequence
        self.reason = reason
    }
    public var description: String { "ledger row \(sequence): \(reason)" }
}
