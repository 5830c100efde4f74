#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OwnerReportCore

/// Delivers to a chat service: composes the report, cuts it into parts, renders and sends each part,
/// and keeps the service's pace. The service-specific parts live in a `ChatService`.
public final class ChatTransport: Transport {
    public let service: ChatService
    public var destination: Destination { service.destination }
    private let client: HTTPClient
    private let secrets: SecretResolver
    private let timeZone: TimeZone
    /// No request before this instant: the service's pace, or its rate-limit headers.
    private var nextAllowed = ContinuousClock.now
    private var notices: [String] = []

    public init(service: ChatService, policy: DeliveryPolicy, secrets: SecretResolver, timeZone: TimeZone) throws {
        self.service = service
        self.secrets = secrets
        self.timeZone = timeZone
        client = try HTTPClient(timeout: policy.timeout, connectTimeout: policy.connectTimeout)
    }

    public func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        let parts = service.splitter.split(ReportComposer.markdown(report, timeZone: timeZone))
        return try parts.enumerated().map { index, markdown in
            let text = service.render(markdown)
            let body = try service.body(text: text, part: index + 1, parts: parts.count, of: report)
            return OutgoingMessage(part: index + 1, parts: parts.count, payload: body, text: text, reportID: report.id)
        }
    }

    public func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        var payload = message.payload
        // A moved chat is followed once per message; a second move in a row is an error.
        for _ in 0..<2 {
            let wait = nextAllowed - ContinuousClock.now
            if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
            nextAllowed = ContinuousClock.now + service.minimumInterval
            let response: HTTPResponse
            do {
                response = try client.post(url: service.url, headers: service.headers(masked: false), body: payload)
            } catch {
                return SendOutcome.classify(error)
            }
            if let pause = Self.rateLimitPause(response) { nextAllowed = max(nextAllowed, ContinuousClock.now + pause) }
            let excerpt = secrets.redact(String(response.bodyText.prefix(300)))
            let detail = "\(destination.channel.rawValue) HTTP \(response.status) from \(CurlError.redacted(service.url)): \(excerpt)"
            switch service.interpret(response, detail: detail) {
            case .outcome(let outcome):
                return outcome
            case .moved(let chatID):
                notices.append("\(destination.name): the chat moved to \(chatID) (\(excerpt)); sending there; set target = \"\(chatID)\" in the config")
                do {
                    payload = try service.body(text: message.text, part: message.part, parts: message.parts, of: report)
                } catch {
                    return .rejected(status: response.status, detail: "cannot build the request for the moved chat: \(error)")
                }
            }
        }
        return .destinationBroken(status: 400, detail: "the chat moved twice in a row; set its new id as the target")
    }

    public func takeNotices() -> [String] {
        defer { notices = [] }
        return notices
    }

    /// Discord's bucket headers: with no request left, wait until the bucket resets.
    static func rateLimitPause(_ response: HTTPResponse) -> Duration? {
        guard response.headers["x-ratelimit-remaining"] == "0",
            let text = response.headers["x-ratelimit-reset-after"], let seconds = Double(text), seconds > 0
        else { return nil }
        return .milliseconds(Int64(min(seconds, 60) * 1000))
    }

    public func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String {
        var lines = ["POST \(service.shownURL)"]
        lines += service.headers(masked: true).map { "\($0.0): \($0.1)" }
        lines.append("")
        lines.append(secrets.redact(String(decoding: message.payload, as: UTF8.self)))
        return lines.joined(separator: "\n")
    }
}
