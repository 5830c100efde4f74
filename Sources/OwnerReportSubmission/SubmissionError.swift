import OwnerReportCore

/// A submission through the queue's socket that did not end in pending/: why, and the exit status it means.
public struct SubmissionError: OperatorFacingError, Equatable {
    /// What went wrong, in one line, naming the socket or the field.
    public var message: String
    public var exitStatus: ExitStatus

    public init(_ message: String, exitStatus: ExitStatus) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
