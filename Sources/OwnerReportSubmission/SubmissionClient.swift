#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// The producer's side of the submit socket: hands a report to a queue this user does not own.
public enum SubmissionClient {
    /// Sends `bytes` to `queue`'s socket and returns the report's id once the queue's daemon says it is
    /// fsynced in pending/ and recorded; throws the daemon's refusal (with its exit status) otherwise.
    public static func submit(
        _ bytes: [UInt8], format: ReportFormat, to queue: QueueDirectory, timeout: Duration = .seconds(60)
    ) throws(SubmissionError) -> String {
        let connection = try SocketConnection.connect(to: queue.submitSocket, timeout: timeout)
        try connection.writeAll(
            SubmissionWire.header(format: format, count: bytes.count) + bytes, doing: "send the report")
        let line = try connection.readLine(limit: SubmissionWire.longestLine, doing: "read the reply")
        do {
            return try SubmissionWire.parseReply(line, socket: queue.submitSocket)
        } catch {
            throw SubmissionError("\(queue.submitSocket): \(error.message)", exitStatus: error.exitStatus)
        }
    }

    /// Whether reports for `queue` go through its socket: the queue exists and belongs to another user.
    public static func isForeign(_ queue: QueueDirectory) -> Bool {
        var info = stat()
        return stat(queue.root, &info) == 0 && info.st_uid != geteuid()
    }
}
