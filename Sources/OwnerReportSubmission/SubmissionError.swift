import OwnerReportSockets

/// A submission through the queue's socket that did not end in pending/: the sockets' error, under
/// the name the submission code gives it.
public typealias SubmissionError = SocketError
