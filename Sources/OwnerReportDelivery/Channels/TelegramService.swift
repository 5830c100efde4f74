import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// Telegram's `sendMessage` with `parse_mode: HTML`: Markdown rendered into Telegram's tag subset,
/// `& < >` escaped everywhere else, at most 4096 characters (UTF-16 code units) per message.
///
/// Reports with `status: normal` arrive without a notification sound. When a group has become a
/// supergroup, Telegram answers 400 with `migrate_to_chat_id`: the message goes to the new chat
/// and the operator is told to update the target.
public final class TelegramService: ChatService {
    public let destination: Destination
    public let splitter = MessageSplitter(limit: 4096)
    public let minimumInterval: Duration
    public let url: String
    public let shownURL: String
    private(set) var chatID: String
    private let dialect = TelegramHTML()

    public init(destination: Destination, secrets: SecretResolver) throws {
        self.destination = destination
        guard let target = destination.target, let token = try secrets.value("token", of: destination) else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).target",
                message: "missing: the chat id")
        }
        chatID = target
        let base = (destination.apiBase ?? "https://api.telegram.org").trimmingTrailingSlashes
        url = "\(base)/bot\(token)/sendMessage"
        shownURL = "\(base)/bot***/sendMessage"
        // About one message a second per chat is what Telegram allows without 429s.
        minimumInterval = destination.minimumInterval ?? .seconds(1)
    }

    public func render(_ markdown: String) -> String { dialect.render(markdown) }

    public func headers(masked: Bool) -> [(String, String)] { [("Content-Type", "application/json")] }

    public func body(text: String, part: Int, parts: Int, of report: PreparedReport) throws -> [UInt8] {
        var object: [String: JSONValue] = [
            "chat_id": Int64(chatID).map(JSONValue.integer) ?? .string(chatID), "text": .string(text),
            "parse_mode": "HTML",
            "link_preview_options": ["is_disabled": true],
        ]
        if !StatusStyle(report.report.status).notifies { object["disable_notification"] = true }
        if let thread = destination.threadID {
            object["message_thread_id"] = Int64(thread).map(JSONValue.integer) ?? .string(thread)
        }
        if part == parts, let data = acknowledgementData(report.report, id: report.id) {
            object["reply_markup"] = ["inline_keyboard": [[["text": "✅ Acknowledge", "callback_data": .string(data)]]]]
        }
        return encode(object)
    }

    /// The button's `callback_data` (`ack:INC-7`, at most Telegram's 64 bytes) for an open incident's
    /// report to a destination that reads acknowledgements; nil for any other report.
    func acknowledgementData(_ report: Report, id: String) -> String? {
        guard destination.acknowledgements else { return nil }
        if report.kind == .incident, report.status != .done, let incident = report.text("incident") {
            let data = TelegramAcknowledgement.callbackPrefix + incident
            return data.utf8.count <= 64 ? data : nil
        }
        return report.status == .critical ? TelegramAcknowledgement.reportData(id) : nil
    }

    public func interpret(_ response: HTTPResponse, detail: String) -> ChatAnswer {
        let answer = ServiceAnswer(response)
        if let moved = answer.string("parameters.migrate_to_chat_id"), moved != chatID {
            chatID = moved
            return .moved(chatID: moved)
        }
        switch response.status {
        case 200..<300:
            return .outcome(.accepted(status: response.status, messageID: answer.string("result.message_id")))
        case 429:
            return answer.rateLimited(response, retryAfterAt: "parameters.retry_after", detail: detail)
        case 400 where (answer.string("description") ?? "").lowercased().contains("chat not found"):
            return .outcome(
                .destinationBroken(status: 400, detail: "the chat \(chatID) does not exist for this bot: \(detail)"))
        default:
            return .outcome(SendOutcome.classify(response, detail: detail))
        }
    }
}
