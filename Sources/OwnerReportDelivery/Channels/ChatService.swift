import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// What differs between the chat services (Discord, Telegram, Slack): the limit, how a part of
/// Markdown is shown, the request, and what an answer means. `ChatTransport` does the rest once.
public protocol ChatService: AnyObject {
    var destination: Destination { get }
    /// Cuts a report into parts that fit one message.
    var splitter: MessageSplitter { get }
    /// The least time between two messages to this destination, to stay under the service's pace.
    var minimumInterval: Duration { get }
    /// The endpoint, secrets included.
    var url: String { get }
    /// The endpoint as shown to people: secret parts masked.
    var shownURL: String { get }

    /// A part of Markdown as the service shows it.
    func render(_ markdown: String) -> String
    /// The request headers; `masked` replaces secret values with `***`.
    func headers(masked: Bool) -> [(String, String)]
    /// The JSON body for one part.
    func body(text: String, part: Int, parts: Int, of report: PreparedReport) throws -> [UInt8]
    /// What the service's answer means.
    func interpret(_ response: HTTPResponse, detail: String) -> ChatAnswer
}

/// A chat service's answer, sorted.
public enum ChatAnswer: Sendable, Equatable {
    case outcome(SendOutcome)
    /// The chat moved (a Telegram group became a supergroup): send again to `chatID`.
    case moved(chatID: String)
}

extension ChatService {
    public var minimumInterval: Duration { .zero }

    /// A JSON object as request bytes, keys sorted so the same report always makes the same body.
    func encode(_ object: [String: JSONValue]) -> [UInt8] {
        JSONValue.object(object).bytes
    }
}

/// The few fields of a JSON answer the services' error handling reads.
struct ServiceAnswer {
    let object: [String: Any]

    init(_ response: HTTPResponse) {
        object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    /// A number at a dotted path, as a Double (`parameters.retry_after`).
    func number(_ path: String) -> Double? {
        value(path).flatMap { ($0 as? NSNumber)?.doubleValue ?? Double("\($0)") }
    }

    /// A 429's outcome: the wait the body gives at `path` (more precise), else the Retry-After header.
    func rateLimited(_ response: HTTPResponse, retryAfterAt path: String, detail: String) -> ChatAnswer {
        let seconds = number(path) ?? Double(response.headers["retry-after"] ?? "")
        return .outcome(
            .transient(status: 429, retryAfter: seconds.map { .milliseconds(Int64($0 * 1000)) }, detail: detail))
    }

    func string(_ path: String) -> String? {
        value(path).map { ($0 as? String) ?? "\($0)" }
    }

    private func value(_ path: String) -> Any? {
        var current: Any? = object
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        if current is NSNull { return nil }
        return current
    }
}
