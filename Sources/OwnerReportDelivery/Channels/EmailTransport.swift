import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// The `email` channel: one message per report over SMTP (`smtp://` with STARTTLS required unless
/// `starttls = false`, or `smtps://`), To, Cc and Bcc from the config, login from a secret.
///
/// SMTP has no idempotency key: a connection lost after the final "." may still have delivered,
/// so a resend can duplicate (at-least-once, as docs/design.md §5 says).
public final class EmailTransport: Transport {
    public let destination: Destination
    private let client: SMTPClient

    public var interruption: Interruption? {
        get { client.interruption }
        set { client.interruption = newValue }
    }
    private let secrets: SecretResolver
    private let timeZone: TimeZone
    private let url: String
    private let username: String?
    private let password: String?

    public init(destination: Destination, policy: DeliveryPolicy, secrets: SecretResolver, timeZone: TimeZone) throws {
        self.destination = destination
        self.secrets = secrets
        self.timeZone = timeZone
        let key = "destinations.\(destination.name)"
        guard let url = destination.smtpURL, url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "\(key).smtp_url", message: "must start with smtp:// or smtps://")
        }
        for address in [destination.from ?? ""] + destination.to + destination.cc + destination.bcc {
            let bare = EmailMessage.address(in: address)
            guard bare.contains("@"), !bare.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) else {
                throw ConfigurationError(
                    file: secrets.configurationFile, key: key, message: "'\(address)' is not an e-mail address")
            }
        }
        self.url = url
        username = try secrets.value("username", of: destination)
        password = try secrets.value("password", of: destination)
        client = try SMTPClient(timeout: policy.timeout, connectTimeout: policy.connectTimeout)
    }

    private var requiresStartTLS: Bool { url.hasPrefix("smtp://") && destination.startTLS }
    private var recipients: [String] {
        (destination.to + destination.cc + destination.bcc).map(EmailMessage.address(in:))
    }
    private var sender: String { EmailMessage.address(in: destination.from ?? "") }

    public func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        let message = EmailMessage(report: report, destination: destination, timeZone: timeZone)
        return [OutgoingMessage(part: 1, parts: 1, payload: message.bytes, text: message.text, reportID: report.id)]
    }

    public func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        let result = client.send(
            url: url, sender: sender, recipients: recipients, message: message.payload, username: username,
            password: password,
            requireTLS: requiresStartTLS)
        let messageID = EmailMessage.messageID(reportID: report.id, from: destination.from ?? "")
        return Self.classify(result, messageID: messageID, server: CurlError.redacted(url))
    }

    /// Sorts an SMTP transfer by the replies: a refused recipient or sender and a refused login are
    /// the configuration's fault; a refused message is this report's; 4xx and lost connections pass.
    static func classify(_ result: SMTPClient.Result, messageID: String, server: String) -> SendOutcome {
        guard let error = result.error else {
            return result.replyCode == 250 || result.replyCode == 0
                ? .accepted(status: 250, messageID: messageID)
                : .transient(
                    status: result.replyCode, retryAfter: nil,
                    detail: "\(server): SMTP reply \(result.replyCode) after the message")
        }
        // The last command sent before the first refusal says what was refused. The reply to the
        // message itself follows DATA too: the data is not a command in the dialogue.
        var lastCommand = ""
        for line in result.dialogue {
            if line.sent {
                lastCommand = line.text
                continue
            }
            guard let code = Int(line.text.prefix(3)), code >= 400 else { continue }
            let verb = lastCommand.prefix { $0 != " " && $0 != ":" }.uppercased()
            let permanent = code >= 500
            let text: String
            switch verb {
            case "RCPT": text = "recipient \(EmailMessage.address(in: lastCommand)) refused by \(server): \(line.text)"
            case "MAIL": text = "sender \(EmailMessage.address(in: lastCommand)) refused by \(server): \(line.text)"
            case "AUTH": text = "login refused by \(server) (check username/password): \(line.text)"
            case "DATA": text = "\(server) refused the message: \(line.text)"
            default: text = "\(server) refused \(verb.isEmpty ? "the connection" : verb): \(line.text)"
            }
            if !permanent { return .transient(status: code, retryAfter: nil, detail: text) }
            return verb == "DATA"
                ? .rejected(status: code, detail: text) : .destinationBroken(status: code, detail: text)
        }
        switch error.code {
        case 67:  // CURLE_LOGIN_DENIED
            return .destinationBroken(
                status: result.replyCode,
                detail: "login refused by \(server) (check username/password): \(error.message)")
        case 64:  // CURLE_USE_SSL_FAILED
            return .destinationBroken(
                status: nil,
                detail:
                    "\(server) does not offer STARTTLS, which this destination requires (smtps://, or starttls = false for a trusted local relay)"
            )
        default:
            return SendOutcome.classify(error)
        }
    }

    public func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String {
        var lines = ["SMTP \(CurlError.redacted(url))\(requiresStartTLS ? " (STARTTLS required)" : "")"]
        if let source = destination.secrets["username"] { lines.append("AUTH as *** (from \(source))") }
        lines.append("MAIL FROM:<\(sender)>")
        lines += recipients.map { "RCPT TO:<\($0)>" }
        lines.append("DATA")
        lines.append(secrets.redact(String(decoding: message.payload, as: UTF8.self)))
        // The parts are base64 on the wire; the text part is shown decoded too, for reading.
        lines.append("--- the text/plain part above, decoded (not sent in this form) ---")
        lines.append(secrets.redact(message.text))
        return lines.joined(separator: "\n")
    }
}
