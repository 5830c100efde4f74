import OwnerReportCore

/// The submit socket's protocol: one request and one reply per connection, both framed by a text line.
///
/// Request: `OWNER-REPORT-SUBMIT/1 md|json <byte count>\n` and that many bytes of the report file.
/// Reply: `OK <report id>\n` once the report is fsynced in pending/ and its `enqueued` row committed,
/// or `ERROR <exit status> <message>\n` when nothing was enqueued.
public enum SubmissionWire {
    static let magic = "OWNER-REPORT-SUBMIT/1"
    /// The longest header or reply line read; anything longer is not this protocol.
    static let longestLine = 4096

    /// The header line of a request.
    static func header(format: ReportFormat, count: Int) -> [UInt8] {
        Array("\(magic) \(format == .json ? "json" : "md") \(count)\n".utf8)
    }

    /// Reads a request's header line: the format and the byte count that follows.
    static func parseHeader(_ line: String) throws(SubmissionError) -> (format: ReportFormat, count: Int) {
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 3, words[0] == magic else {
            throw SubmissionError(
                "not an owner-report submission (expected '\(magic) md|json COUNT')", exitStatus: .usage)
        }
        let format: ReportFormat
        switch words[1] {
        case "md": format = .markdown
        case "json": format = .json
        default: throw SubmissionError("unknown format '\(words[1])' (md or json)", exitStatus: .usage)
        }
        guard let count = Int(words[2]), count >= 0 else {
            throw SubmissionError("the byte count '\(words[2])' is not a number", exitStatus: .usage)
        }
        return (format, count)
    }

    /// The reply line for an outcome.
    static func reply(_ outcome: Result<String, SubmissionError>) -> [UInt8] {
        switch outcome {
        case .success(let id): Array("OK \(id)\n".utf8)
        case .failure(let error):
            // One line whatever the message held.
            Array(
                "ERROR \(error.exitStatus.rawValue) \(error.message.replacingOccurrences(of: "\n", with: " "))\n".utf8)
        }
    }

    /// Reads a reply line back into the report id, or the error it carries.
    static func parseReply(_ line: String, socket: String) throws(SubmissionError) -> String {
        if line.hasPrefix("OK "), line.count > 3 { return String(line.dropFirst(3)) }
        let words = line.split(separator: " ", maxSplits: 2)
        if words.count == 3, words[0] == "ERROR", let code = Int32(words[1]) {
            throw SubmissionError(String(words[2]), exitStatus: ExitStatus(rawValue: code))
        }
        throw SubmissionError(
            "\(socket): the queue's daemon gave an answer that is not this protocol's", exitStatus: .ioError)
    }
}
