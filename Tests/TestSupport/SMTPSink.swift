import Foundation

/// The aiosmtpd receiver of `Tests/Servers/smtp_sink.py`, on 127.0.0.1 for one test.
public final class SMTPSink: @unchecked Sendable {
    /// One message as Python's `email` parser read it.
    public struct Message: Decodable, Sendable {
        public struct Part: Decodable, Sendable {
            public var type: String
            public var text: String
        }
        public var mail_from: String
        public var rcpt_tos: [String]
        public var content_type: String
        public var subject: String
        public var raw_subject: String
        public var to: String
        public var cc: String?
        public var bcc_header: Bool
        public var message_id: String
        public var parts: [Part]
        public var login: String?
        public var crlf_only: Bool
    }

    public static let user = "reporter"
    public static let password = "smtp-pass-6d1f0c9a"
    private let server: ServerProcess
    private let directory = TemporaryDirectory("owner-report-smtp")
    public var port: Int { server.port }
    public var url: String { "smtp://127.0.0.1:\(port)" }
    private var logPath: String { directory.appending("messages.jsonl") }

    /// Starts the server; mail to any of `rejecting` is refused with 550.
    public init(rejecting: [String] = []) throws {
        server = try ServerProcess(
            script: "smtp_sink.py",
            arguments: [
                "--log", directory.appending("messages.jsonl"), "--user", Self.user, "--password", Self.password,
            ]
                + rejecting.flatMap { ["--reject", $0] })
    }

    /// Every message accepted so far.
    public func messages() throws -> [Message] {
        try readJSONLines(logPath, as: Message.self)
    }
}
