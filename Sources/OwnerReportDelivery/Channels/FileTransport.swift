#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore

/// The `file` channel: each report rendered as text into a directory (one file a report) or appended to one file.
///
/// In a directory, the file is named after the report and written through tmp/ without overwriting,
/// so a resend after a crash finds the same file there and counts as delivered: exactly once.
/// Appending to a single file is at-least-once, like every network channel.
public final class FileTransport: Transport {
    /// Unused: a write to a local file has no wait to interrupt.
    public var interruption: Interruption?
    public let destination: Destination
    private let queue: QueueDirectory
    private let outbox: FileOutbox
    private var target: String { outbox.target }
    /// How times are shown in what it writes.
    public let timeZone: TimeZone

    public init(destination: Destination, queue: QueueDirectory, timeZone: TimeZone = .current) {
        self.destination = destination
        self.queue = queue
        self.timeZone = timeZone
        outbox = FileOutbox(destination, queue: queue)
    }

    private var isDirectory: Bool { outbox.isDirectory }

    public func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        let text = ReportComposer.plainText(report, timeZone: timeZone)
        return [OutgoingMessage(part: 1, parts: 1, payload: Array(text.utf8), reportID: report.id)]
    }

    private func outputPath(for report: PreparedReport) -> String { outbox.path(for: report.id) }

    public func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        do {
            if isDirectory {
                try DurableFile.makeDirectories(target)
                let path = outputPath(for: report)
                do {
                    try DurableFile.publish(message.payload, as: path, via: queue.tmp)
                } catch let error as SystemError where error.errno == EEXIST {
                    // Written before a crash that came before the ledger commit: the same bytes mean delivered.
                    let existing = try DurableFile.readRegularFile(path, limit: message.payload.count + 1)
                    guard existing == message.payload else {
                        return .rejected(status: nil, detail: "\(path) exists with other content")
                    }
                }
                return .accepted(status: nil, messageID: path)
            }
            try DurableFile.makeDirectories(DurableFile.directoryName(of: target))
            try append(message.payload + Array("\n".utf8))
            return .accepted(status: nil, messageID: target)
        } catch {
            // A full disk or a read-only mount may pass; try again later rather than lose the report.
            return .transient(status: nil, retryAfter: nil, detail: "\(error)")
        }
    }

    public func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String {
        let where_ = isDirectory ? "write \(outputPath(for: report))" : "append to \(target)"
        return "\(where_):\n\(String(decoding: message.payload, as: UTF8.self))"
    }

    private func append(_ bytes: [UInt8]) throws(SystemError) {
        var info = stat()
        let isNew = lstat(target, &info) != 0
        let fd = try syscall("open for appending", path: target) {
            open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            written += try syscall("append", path: target) {
                bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            }
        }
        try syscall("fsync", path: target) { fsync(fd) }
        // A file made by this append is a new name: durable only once its directory is fsynced.
        if isNew { try DurableFile.syncDirectory(DurableFile.directoryName(of: target)) }
    }
}
