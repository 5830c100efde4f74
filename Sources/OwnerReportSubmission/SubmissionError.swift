import OwnerReportCore

/// A submission through the queue's socket that did not end in pending/: why, in one line naming the
/// socket or the field, and the exit status it means. A system call's failure on the socket comes in
/// as the `SystemError` every system call throws, with its words and exit status.
public struct SubmissionError: OperatorFacingError, Equatable {
    public var message: String
    public var exitStatus: ExitStatus

    public init(_ message: String, exitStatus: ExitStatus) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public init(_ failure: SystemError) { self.init(failure.description, exitStatus: failure.exitStatus) }

    public var description: String { message }
}
