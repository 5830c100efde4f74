import Foundation
import Logging
import OwnerReportCore
import OwnerReportTransfer
import OwnerReportLedger

/// Reads acknowledgements from a Telegram bot's updates, with no public listener: `getUpdates` is
/// long-polled from the host (docs/design.md §15).
///
/// An open incident's message carries an "Acknowledge" button (`callback_data` = `ack:INC-7`). A press
/// in the destination's chat, or a reply starting with `ack` to such a message, is recorded as an
/// `acknowledged` row (the Telegram user's id and name, the destination's name as the channel); the
/// press is answered (`answerCallbackQuery`) and the button replaced by "✅ Acknowledged by NAME"
/// (`editMessageReplyMarkup`). The first acknowledgement counts; later ones are told who was first.
///
/// The next `offset` is kept in `state/telegram-NAME.offset` after each batch, once its rows are in
/// the ledger: a crash in between sees the same updates again, and acknowledging twice records once.
public final class TelegramUpdates: @unchecked Sendable {
    public let destination: Destination
    private let base: String
    private let chatID: String
    private let client: HTTPClient
    private let queue: QueueDirectory
    private let offsetPath: String
    private let wait: Duration
    private let logger: Logger
    private let secrets: SecretResolver
    private var offset: Int64
    private let polling = PollingThread()

    /// - Parameter wait: how long one `getUpdates` may wait for news (Telegram's `timeout`).
    public init(
        destination: Destination, queue: QueueDirectory, policy: DeliveryPolicy, secrets: SecretResolver,
        wait: Duration = .seconds(20), logger: Logger
    ) throws {
        guard let target = destination.target, let token = try secrets.value("token", of: destination) else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).target",
                message: "missing: the chat id")
        }
        self.destination = destination
        self.chatID = target
        self.base = "\((destination.apiBase ?? "https://api.telegram.org").trimmingTrailingSlashes)/bot\(token)"
        self.client = try HTTPClient(timeout: wait + policy.timeout, connectTimeout: policy.connectTimeout)
        self.queue = queue
        self.offsetPath = "\(queue.state)/telegram-\(destination.name).offset"
        self.wait = wait
        self.secrets = secrets
        self.logger = logger
        let saved = (try? DurableFile.readRegularFile(offsetPath, limit: 64)).map {
            String(decoding: $0, as: UTF8.self)
        }
        self.offset = saved.flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// One `getUpdates` call; returns the acknowledgements it recorded. Throws when Telegram refuses.
    @discardableResult
    public func poll(wait: Duration? = nil) throws -> Int {
        let seconds = Int((wait ?? self.wait).seconds.rounded(.down))
        let request: JSONValue = [
            "offset": .integer(offset), "timeout": .integer(Int64(seconds)),
            "allowed_updates": ["callback_query", "message"],
        ]
        let response = try call("getUpdates", request)
        guard response.status == 200, let object = json(response.body), object["ok"] as? Bool == true,
            let updates = object["result"] as? [[String: Any]]
        else {
            throw AcknowledgementReadRefused(
                destination: destination.name, request: "getUpdates", status: response.status,
                detail: secrets.redact(String(response.bodyText.prefix(200))))
        }
        var recorded = 0
        var next = offset
        for update in updates {
            if let id = number(update["update_id"]) { next = max(next, id + 1) }
            if try handle(update) { recorded += 1 }
        }
        if next != offset {
            offset = next
            try DurableFile.replace(offsetPath, with: Array(String(offset).utf8), via: queue.tmp)
        }
        return recorded
    }

    private func handle(_ update: [String: Any]) throws -> Bool {
        if let press = update["callback_query"] as? [String: Any] {
            let message = press["message"] as? [String: Any]
            guard chat(of: message) == chatID, let pressID = press["id"] as? String else { return false }
            let data = press["data"] as? String ?? ""
            guard let subject = try subject(of: data) else {
                try answer(
                    pressID,
                    data == TelegramAcknowledgement.doneData ? "Already acknowledged" : "Nothing to acknowledge")
                return false
            }
            return try acknowledge(
                subject, by: press["from"] as? [String: Any], message: message.flatMap { number($0["message_id"]) },
                press: pressID)
        }
        if let message = update["message"] as? [String: Any], chat(of: message) == chatID,
            let text = message["text"] as? String, AcknowledgementDesk.isAcknowledgement(text),
            let original = message["reply_to_message"] as? [String: Any], let data = buttonData(of: original),
            let subject = try subject(of: data)
        {
            return try acknowledge(
                subject, by: message["from"] as? [String: Any], message: number(original["message_id"]), press: nil)
        }
        return false
    }

    /// What a button acknowledges: an incident (`ack:INC-7`) or a critical report (`ackr:…`).
    private func subject(of data: String) throws -> Subject? {
        if data.hasPrefix(TelegramAcknowledgement.reportPrefix) {
            return try AcknowledgementDesk(queue: queue).report(forData: data).map(Subject.report)
        }
        guard data.hasPrefix(TelegramAcknowledgement.callbackPrefix) else { return nil }
        return .incident(String(data.dropFirst(TelegramAcknowledgement.callbackPrefix.count)))
    }

    private func acknowledge(_ subject: Subject, by user: [String: Any]?, message: Int64?, press: String?) throws
        -> Bool
    {
        let name = Self.displayName(user)
        let userID = "telegram:\(number(user?["id"]).map(String.init) ?? "?")"
        let incident = subject.name
        switch try AcknowledgementDesk(queue: queue).acknowledge(
            subject, userID: userID, name: name, channel: destination.name)
        {
        case .unknown:
            if let press { try answer(press, "\(incident) is not in the ledger") }
            return false
        case .earlier(let first):
            if let press { try answer(press, "Already acknowledged by \(first)") }
            if let message { try markDone(message, by: first) }
            return false
        case .recorded:
            logger.info(
                "acknowledged",
                metadata: ["incident": "\(incident)", "by": "\(name)", "destination": "\(destination.name)"])
            if let press { try answer(press, "Acknowledged: \(incident)") }
            if let message { try markDone(message, by: name) }
            return true
        }
    }

    /// `@username` when the user has one, else their first and last name.
    static func displayName(_ user: [String: Any]?) -> String {
        if let username = user?["username"] as? String, !username.isEmpty { return "@\(username)" }
        let name = [user?["first_name"] as? String, user?["last_name"] as? String].compactMap { $0 }.joined(
            separator: " ")
        return name.isEmpty ? "someone" : name
    }

    private func answer(_ press: String, _ text: String) throws {
        _ = try call("answerCallbackQuery", ["callback_query_id": .string(press), "text": .string(text)])
    }

    private func markDone(_ message: Int64, by name: String) throws {
        let button: JSONValue = [
            "text": .string("✅ Acknowledged by \(name)"), "callback_data": .string(TelegramAcknowledgement.doneData),
        ]
        let chat: JSONValue = Int64(chatID).map(JSONValue.integer) ?? .string(chatID)
        _ = try call(
            "editMessageReplyMarkup",
            ["chat_id": chat, "message_id": .integer(message), "reply_markup": ["inline_keyboard": [[button]]]])
    }

    private func call(_ method: String, _ body: JSONValue) throws -> HTTPResponse {
        try client.post(url: "\(base)/\(method)", headers: [("Content-Type", "application/json")], body: body.bytes)
    }

    private func json(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    private func number(_ value: Any?) -> Int64? {
        (value as? NSNumber)?.int64Value ?? (value as? String).flatMap { Int64($0) }
    }

    private func chat(of message: [String: Any]?) -> String? {
        guard let chat = message?["chat"] as? [String: Any] else { return nil }
        return number(chat["id"]).map(String.init) ?? chat["id"] as? String
    }

    private func buttonData(of message: [String: Any]) -> String? {
        let rows = (message["reply_markup"] as? [String: Any])?["inline_keyboard"] as? [[[String: Any]]]
        return rows?.first?.first?["callback_data"] as? String
    }
}

extension TelegramUpdates {
    /// Long-polls on a thread of its own until `stop()`; after a refusal or an unreachable server,
    /// tries again a minute later (the daemon's deliveries go on meanwhile).
    public func start() {
        polling.start(
            name: "telegram-\(destination.name)", destination: destination.name, logger: logger, pause: .zero,
            pauseAfterFailure: .seconds(60)
        ) {
            [self] in try poll()
        }
    }

    public func stop() { polling.stop() }
}
