import OwnerReportCore

/// A fleet database failure in one line: what was being done and what libpq or the server said, with
/// the connection string's secrets masked.
public struct PostgresError: OperatorFacingError, Sendable {
    public var message: String
    /// 69 when the database cannot be reached or refuses; 65 when what it holds disagrees with the ledger.
    public var exitStatus: ExitStatus

    public init(_ message: String, exitStatus: ExitStatus = .unavailable) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
