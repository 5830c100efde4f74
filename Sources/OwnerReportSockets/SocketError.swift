import OwnerReportCore

/// A socket, or a submission through one, that failed: why, in one line naming the socket or the
/// field, and the exit status it means. The submit socket and the intake share it.
public struct SocketError: OperatorFacingError, Equatable {
    public var message: String
    public var exitStatus: ExitStatus

    public init(_ message: String, exitStatus: ExitStatus) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
