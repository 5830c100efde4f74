import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// Discord, through a webhook URL (`?wait=true`, so the message id is returned and recorded) or the
/// bot API for `target = "channel:<id>"` (with `nonce` + `enforce_nonce`, so Discord drops a resend).
///
/// Markdown passes through as is; `allowed_mentions: {"parse": []}` is always sent, so a report can
/// never ping `@everyone`, a role or a user. Content is at most 2000 characters per message.
public final class DiscordService: ChatService {
    public let destination: Destination
    public let splitter = MessageSplitter(limit: 2000)
    public let url: String
    public let shownURL: String
    private let token: String?

    public init(destination: Destination, secrets: SecretResolver) throws {
        self.destination = destination
        if let webhook = try secrets.value("url", of: destination) {
            token = nil
            var query = ["wait=true"]
            if let thread = destination.threadID { query.append("thread_id=\(thread)") }
            url = webhook + (webhook.contains("?") ? "&" : "?") + query.joined(separator: "&")
            shownURL =
                "\(CurlError.redacted(webhook))/*** (webhook from \(destination.secrets["url"].map { "\($0)" } ?? "secret"))?\(query.joined(separator: "&"))"
        } else {
            guard let target = destination.target, target.hasPrefix("channel:"),
                let token = try secrets.value("token", of: destination)
            else {
                throw ConfigurationError(
                    file: secrets.configurationFile, key: "destinations.\(destination.name).target",
                    message: "set target = \"channel:<id>\" with token_env, or webhook_url_env")
            }
            self.token = token
            let base = (destination.apiBase ?? "https://discord.com/api/v10").trimmingTrailingSlashes
            url = "\(base)/channels/\(target.dropFirst("channel:".count))/messages"
            shownURL = url
        }
    }

    public func render(_ markdown: String) -> String { markdown }

    public func headers(masked: Bool) -> [(String, String)] {
        var headers = [
            ("Content-Type", "application/json"),
            ("User-Agent", "DiscordBot (https://github.com/owner-report/owner-report, \(OwnerReportVersion.string))"),
        ]
        if let token { headers.append(("Authorization", masked ? "Bot ***" : "Bot \(token)")) }
        return headers
    }

    public func body(text: String, part: Int, parts: Int, of report: PreparedReport) throws -> [UInt8] {
        var object: [String: JSONValue] = ["content": .string(text), "allowed_mentions": ["parse": []]]
        if token != nil {
            object["nonce"] = .string(Self.nonce(reportID: report.id, part: part))
            object["enforce_nonce"] = true
        } else if let username = destination.username {
            object["username"] = .string(username)
        }
        return encode(object)
    }

    /// At most 25 characters, the same for every try of the same part: a digest of the report id and the part.
    static func nonce(reportID: String, part: Int) -> String {
        let digest = DigitText.hex(SHA256.hash(Array(reportID.utf8)))
        return "\(digest.prefix(20))-\(part)"
    }

    public func interpret(_ response: HTTPResponse, detail: String) -> ChatAnswer {
        let answer = ServiceAnswer(response)
        switch response.status {
        case 200..<300:
            return .outcome(.accepted(status: response.status, messageID: answer.string("id")))
        case 429:
            return answer.rateLimited(response, retryAfterAt: "retry_after", detail: detail)
        case 404 where answer.string("code") == "10015":
            return .outcome(
                .destinationBroken(
                    status: 404,
                    detail: "unknown webhook (Discord code 10015): it was deleted; stop using it. \(detail)"))
        default:
            return .outcome(SendOutcome.classify(response, detail: detail))
        }
    }
}
