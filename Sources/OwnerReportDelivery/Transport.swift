import OwnerReportCore

/// A destination's way of turning a report into messages and sending them.
public protocol Transport: AnyObject {
    /// The destination this transport serves: its name is the lane.
    var destination: Destination { get }

    /// The messages a report becomes on this channel, in order.
    func messages(for report: PreparedReport) throws -> [OutgoingMessage]

    /// Sends one message and says how the destination answered; never throws for a delivery failure.
    func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome

    /// The exact request or write a message would make, with every secret masked, for `--dry-run`.
    func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String

    /// What the operator should know from the last send though it succeeded (a chat that moved);
    /// the run records it in the ledger and prints it. Reading empties it.
    func takeNotices() -> [String]

    /// What ends this transport's waits (its pace, a transfer in progress) early: the run's stop.
    var interruption: Interruption? { get set }
}

extension Transport {
    public func takeNotices() -> [String] { [] }
}
