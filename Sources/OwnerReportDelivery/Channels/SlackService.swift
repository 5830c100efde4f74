import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// A Slack incoming webhook: mrkdwn text with `& < >` escaped; the URL is the secret.
///
/// Slack truncates text past 40,000 characters and shows long messages poorly, so reports are cut
/// into parts of at most 3000 characters (a section block's limit), escaping counted.
public final class SlackService: ChatService {
    public let destination: Destination
    public let splitter = MessageSplitter(limit: 3000) { character in
        switch character {
        case "&": 5
        case "<", ">": 4
        default: character.utf16.count
        }
    }
    public let minimumInterval: Duration
    public let url: String
    public let shownURL: String
    private let dialect = SlackMrkdwn()

    public init(destination: Destination, secrets: SecretResolver) throws {
        self.destination = destination
        if let secretURL = try secrets.value("url", of: destination) {
            url = secretURL
            shownURL =
                "\(CurlError.redacted(secretURL))/*** (from \(destination.secrets["url"].map { "\($0)" } ?? "secret"))"
        } else if let plain = destination.url {
            url = plain
            shownURL = plain
        } else {
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).url_env",
                message: "missing: the incoming webhook URL")
        }
        // Slack allows about one message a second per webhook.
        minimumInterval = destination.minimumInterval ?? .seconds(1)
    }

    public func render(_ markdown: String) -> String { dialect.render(markdown) }

    public func headers(masked: Bool) -> [(String, String)] { [("Content-Type", "application/json")] }

    public func body(text: String, part: Int, parts: Int, of report: PreparedReport) throws -> [UInt8] {
        encode(["text": .string(text), "mrkdwn": true])
    }

    public func interpret(_ response: HTTPResponse, detail: String) -> ChatAnswer {
        .outcome(SendOutcome.classify(response, detail: detail))
    }
}
