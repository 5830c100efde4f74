import OwnerReportCore

/// A fleet database failure in one line: what was being done and what libpq or the server said, with
/// the connection string's secrets masked.
public struct PostgresError: OperatorFacingError, Sendable {
    public var message: String
    /// The server's SQLSTATE, when the server answered (e.g. 42501 for a missing privilege).
    public var sqlState: String?
    /// 69 when the database cannot be reached or refuses; 65 when what it holds disagrees with the ledger.
    public var exitStatus: ExitStatus

    public init(_ message: String, sqlState: String? = nil, exitStatus: ExitStatus = .unavailable) {
        self.message = message
        self.sqlState = sqlState
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
