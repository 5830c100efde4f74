import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// The `webhook` channel: the whole report as one JSON POST, signed per Standard Webhooks.
///
/// Headers: `webhook-id` (report id and part, stable across retries, also sent as `Idempotency-Key`),
/// `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
/// `id.timestamp.body` under the destination's secret). An optional token goes in `Authorization: Bearer`.
/// The body names this host (`host`, from `[fleet] host`): a fleet's centre keeps a lane per origin host.
public final class WebhookTransport: Transport {
    public let destination: Destination
    private let url: String
    /// The URL as errors show it (path and query masked), worked out once.
    private let shownURL: String
    private let signature: StandardWebhookSignature?
    private let token: String?
    private let client: HTTPClient

    public var interruption: Interruption? {
        get { client.interruption }
        set { client.interruption = newValue }
    }
    private let secrets: SecretResolver
    private let host: String

    public init(destination: Destination, policy: DeliveryPolicy, secrets: SecretResolver, host: String) throws {
        self.destination = destination
        self.host = host
        self.secrets = secrets
        if let secretURL = try secrets.value("url", of: destination) {
            url = secretURL
        } else if let plainURL = destination.url {
            url = plainURL
        } else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).url", message: "missing")
        }
        shownURL = CurlError.redacted(url)
        signature = try secrets.value("secret", of: destination).map(StandardWebhookSignature.init(secret:))
        token = try secrets.value("token", of: destination)
        client = try HTTPClient(timeout: policy.timeout, connectTimeout: policy.connectTimeout)
    }

    public func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        var fields: [String: JSONValue] = [:]
        for (key, value) in report.report.fields {
            switch value {
            case .text(let text): fields[key] = .string(text)
            case .list(let items): fields[key] = .array(items.map(JSONValue.string))
            }
        }
        let object: JSONValue = [
            "id": .string(report.id), "kind": .string(report.report.kind.rawValue),
            "title": .string(report.report.title),
            "fields": .object(fields), "body": .string(report.report.body),
            "enqueued_at": .string(report.enqueuedAt.iso8601UTC),
            "destination": .string(destination.name), "host": .string(host),
        ]
        return [OutgoingMessage(part: 1, parts: 1, payload: object.bytes, reportID: report.id)]
    }

    /// The request headers, signed for `timestamp`.
    func headers(for message: OutgoingMessage, timestamp: Int64) -> [(String, String)] {
        var headers = [
            ("Content-Type", "application/json"), ("webhook-id", message.idempotencyKey),
            ("webhook-timestamp", String(timestamp)), ("Idempotency-Key", message.idempotencyKey),
        ]
        if let signature {
            headers.append(
                (
                    "webhook-signature",
                    signature.sign(id: message.idempotencyKey, timestamp: timestamp, body: message.payload)
                ))
        }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return headers
    }

    public func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        let headers = headers(for: message, timestamp: Timestamp.now().seconds)
        do {
            let response = try client.post(url: url, headers: headers, body: message.payload)
            let excerpt = secrets.redact(String(response.bodyText.prefix(200)))
            return SendOutcome.classify(response, detail: "HTTP \(response.status) from \(shownURL): \(excerpt)")
        } catch {
            return SendOutcome.classify(error)
        }
    }

    public func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String {
        let shownURL =
            destination.secrets["url"] == nil
            ? url : "\(shownURL)/*** (from \(destination.secrets["url"].map { "\($0)" } ?? "secret"))"
        var lines = ["POST \(shownURL)"]
        for (name, value) in headers(for: message, timestamp: Timestamp.now().seconds) {
            let masked = name == "webhook-signature" ? "v1,***" : name == "Authorization" ? "Bearer ***" : value
            lines.append("\(name): \(masked)")
        }
        lines.append("")
        lines.append(secrets.redact(String(decoding: message.payload, as: UTF8.self)))
        return lines.joined(separator: "\n")
    }
}
