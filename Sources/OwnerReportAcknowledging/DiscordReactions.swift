import Foundation
import Logging
import OwnerReportCore
import OwnerReportTransfer
import OwnerReportLedger

/// Reads acknowledgements from a Discord bot's channel, with no public listener (§15): a ✅ reaction
/// by a member on an open incident's message, or a reply whose first word is `ack`.
///
/// The messages are the ones the ledger says this destination accepted for the incident (their ids
/// are in the `part_delivered` rows). Each poll asks, for at most `messagesPerPoll` of them, who
/// reacted with ✅ (`GET …/messages/{id}/reactions/✅`) and what was written after it
/// (`GET …/messages?after={id}`); it waits out a short 429 and stops at a long one, and follows
/// `X-RateLimit-Remaining`/`X-RateLimit-Reset-After`. A recorded acknowledgement is answered with a
/// reply to the message ("✅ INC-7 acknowledged by NAME").
public final class DiscordReactions: @unchecked Sendable {
    public let destination: Destination
    private let channelURL: String
    private let token: String
    private let client: HTTPClient
    private let queue: QueueDirectory
    private let logger: Logger
    private let secrets: SecretResolver
    private let interval: Duration
    private let polling = PollingThread()
    /// The most messages one poll looks at (newest incidents first), to stay well inside the rate limits.
    static let messagesPerPoll = 10
    static let checkMark = "✅"

    public init(
        destination: Destination, queue: QueueDirectory, policy: DeliveryPolicy, secrets: SecretResolver,
        interval: Duration = .seconds(15), logger: Logger
    ) throws {
        guard let target = destination.target, target.hasPrefix("channel:"),
            let token = try secrets.value("token", of: destination)
        else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).target",
                message: "acknowledgements need a bot: target = \"channel:<id>\" and token_env")
        }
        let base = (destination.apiBase ?? "https://discord.com/api/v10").trimmingTrailingSlashes
        self.destination = destination
        self.channelURL = "\(base)/channels/\(target.dropFirst("channel:".count))"
        self.token = token
        self.client = try HTTPClient(timeout: policy.timeout, connectTimeout: policy.connectTimeout)
        self.queue = queue
        self.secrets = secrets
        self.interval = interval
        self.logger = logger
    }

    /// One look at the messages of open, unacknowledged incidents; returns the acknowledgements recorded.
    @discardableResult
    public func poll() throws -> Int {
        var recorded = 0
        for (subject, message) in try watchedMessages() {
            if let user = try reactor(of: message) ?? replier(to: message) {
                let name = Self.displayName(user)
                let userID = "discord:\(user["id"] as? String ?? "?")"
                if try AcknowledgementDesk(queue: queue).acknowledge(
                    subject, userID: userID, name: name, channel: destination.name) == .recorded
                {
                    recorded += 1
                    logger.info(
                        "acknowledged",
                        metadata: ["subject": "\(subject.name)", "by": "\(name)", "destination": "\(destination.name)"])
                    try reply(to: message, "\(Self.checkMark) \(subject.name) acknowledged by \(name)")
                }
            }
        }
        return recorded
    }

    /// How far back a critical report without an incident is watched for an acknowledgement.
    static let reportWatch: Duration = .seconds(24 * 3600)

    /// (what, message id) for open incidents nobody acknowledged, newest first, then critical reports
    /// of the last day that belong to no incident and nobody acknowledged.
    private func watchedMessages() throws -> [(Subject, String)] {
        let ledger = try Ledger(queue: queue)
        let book = IncidentBook(ledger: ledger)
        var watched: [(Subject, String)] = []
        func watch(_ subject: Subject, reports: [String]) throws -> Bool {
            for report in reports {
                for event in try ledger.events(for: report)
                where event.kind == .partDelivered && event.destination == destination.name {
                    guard let id = event.detail?.split(separator: ";").first.map(String.init), !id.isEmpty,
                        id.allSatisfy(\.isNumber)
                    else { continue }
                    watched.append((subject, id))
                    if watched.count >= Self.messagesPerPoll { return false }
                }
            }
            return true
        }
        for incident in try book.all().values.sorted(by: { ($1.openedAt, $1.id) < ($0.openedAt, $0.id) })
        where incident.isOpen {
            guard try book.acknowledgement(of: incident.id) == nil else { continue }
            guard try watch(.incident(incident.id), reports: try book.reports(of: incident.id).reversed()) else {
                return watched
            }
        }
        let since = Timestamp.now().adding(nanoseconds: -Int64(Self.reportWatch.seconds * 1e9)).iso8601UTC
        let critical = try ledger.query(
            """
            WHERE event = 'enqueued' AND at >= ? AND json_extract(facts, '$.status') = 'critical'
              AND json_extract(facts, '$.incident') IS NULL ORDER BY seq DESC
            """, [.text(since)]
        ).compactMap(\.report)
        for report in critical where try book.acknowledgement(ofReport: report) == nil {
            guard try watch(.report(report), reports: [report]) else { return watched }
        }
        return watched
    }

    /// The first member (not a bot) who reacted ✅ to the message.
    private func reactor(of message: String) throws -> [String: Any]? {
        let emoji = Self.checkMark.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%E2%9C%85"
        guard let users = try get("\(channelURL)/messages/\(message)/reactions/\(emoji)?limit=100") as? [[String: Any]]
        else { return nil }
        return users.first { ($0["bot"] as? Bool) != true }
    }

    /// The author of the first reply to the message that starts with `ack`.
    private func replier(to message: String) throws -> [String: Any]? {
        guard let messages = try get("\(channelURL)/messages?after=\(message)&limit=50") as? [[String: Any]] else {
            return nil
        }
        // Discord lists newest first; the first acknowledgement is the oldest.
        for candidate in messages.reversed() {
            let reference = (candidate["message_reference"] as? [String: Any])?["message_id"] as? String
            let author = candidate["author"] as? [String: Any]
            guard reference == message, (author?["bot"] as? Bool) != true, let text = candidate["content"] as? String,
                AcknowledgementDesk.isAcknowledgement(text)
            else { continue }
            return author
        }
        return nil
    }

    private func reply(to message: String, _ text: String) throws {
        let body: JSONValue = [
            "content": .string(text), "message_reference": ["message_id": .string(message)],
            "allowed_mentions": ["parse": []],
        ]
        _ = try send { try client.post(url: "\(channelURL)/messages", headers: headers, body: body.bytes) }
    }

    private var headers: [(String, String)] {
        [
            ("Authorization", "Bot \(token)"), ("Content-Type", "application/json"),
            ("User-Agent", "DiscordBot (https://github.com/owner-report/owner-report, \(OwnerReportVersion.string))"),
        ]
    }

    private func get(_ url: String) throws -> Any? {
        let response = try send { try client.get(url: url, headers: headers) }
        return try? JSONSerialization.jsonObject(with: Data(response.body))
    }

    /// Runs a request, waiting out one short 429 (≤ 10 s) and an exhausted bucket; refusals throw.
    private func send(_ request: () throws -> HTTPResponse) throws -> HTTPResponse {
        var response = try request()
        if response.status == 429 {
            let body = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            let wait =
                (body?["retry_after"] as? NSNumber)?.doubleValue ?? Double(response.headers["retry-after"] ?? "") ?? 60
            guard wait <= 10 else {
                throw AcknowledgementReadRefused(
                    destination: destination.name, request: "Discord", status: 429, detail: "rate limited for \(wait) s"
                )
            }
            Thread.sleep(forTimeInterval: wait)
            response = try request()
        }
        guard (200..<300).contains(response.status) else {
            throw AcknowledgementReadRefused(
                destination: destination.name, request: "Discord", status: response.status,
                detail: secrets.redact(String(response.bodyText.prefix(200))))
        }
        if response.headers["x-ratelimit-remaining"] == "0",
            let reset = Double(response.headers["x-ratelimit-reset-after"] ?? ""), reset <= 10
        {
            Thread.sleep(forTimeInterval: reset)
        }
        return response
    }

    /// The member's global name, else their username.
    static func displayName(_ user: [String: Any]) -> String {
        if let name = user["global_name"] as? String, !name.isEmpty { return name }
        return (user["username"] as? String).map { "@\($0)" } ?? "someone"
    }

    /// Polls every `interval` on a thread of its own until `stop()`.
    public func start() {
        polling.start(
            name: "discord-\(destination.name)", destination: destination.name, logger: logger, pause: interval,
            pauseAfterFailure: .seconds(60)
        ) {
            [self] in try poll()
        }
    }

    public func stop() { polling.stop() }
}
