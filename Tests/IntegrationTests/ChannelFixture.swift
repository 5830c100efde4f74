import Foundation
import OwnerReportCore
import OwnerReportLedger
import TestSupport

/// A queue, a server that answers like Discord, Telegram and Slack, optionally an SMTP server,
/// and a config with one destination of each channel pointing at them.
final class ChannelFixture: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let sink: HTTPSink
    let smtp: SMTPSink?
    let queue: QueueDirectory
    let configPath: String

    static let discordToken = "discord-bot-token-Zx81Kq"
    static let webhookPath = "/api/webhooks/4242/webhook-token-Hf73Lp"
    static let telegramToken = "777000:telegram-token-Qw9Er"
    static let slackPath = "/services/T0001/B0002/slack-secret-Vb45Nm"
    static let chatChannels = ["discord-bot", "discord-hook", "telegram", "slack"]
    /// Every secret the fixture hands out: none may ever show in output, files or the ledger.
    static var secrets: [String] {
        [discordToken, "webhook-token-Hf73Lp", telegramToken, "slack-secret-Vb45Nm", SMTPSink.password]
    }

    /// The service the sink plays (its tokens, chats, hooks), kept so that a test can add to it.
    private(set) var service: [String: Any] = [:]

    init(
        smtpRejecting: [String]? = nil, telegramChats: [String] = ["-4001"], migrate: [String: String] = [:],
        telegramAcknowledgements: Bool = false,
        discordAcknowledgements: Bool = false
    ) throws {
        sink = try HTTPSink()
        smtp = try smtpRejecting.map { try SMTPSink(rejecting: $0) }
        queue = QueueDirectory(root: directory.appending("queue"))
        let smtpURL = smtp?.url ?? "smtp://127.0.0.1:9"
        configPath = try directory.write(
            "config.toml",
            """
            default_destination = "discord-bot"
            timezone = "Asia/Taipei"

            [delivery]
            backoff_initial = "1s"
            backoff_max = "1s"
            timeout = "5s"
            connect_timeout = "2s"

            [destinations.discord-bot]
            channel = "discord"
            target = "channel:111222333"
            token_env = "TEST_DISCORD_TOKEN"
            api_base = "\(sink.baseURL)/api/v10"
            acknowledgements = \(discordAcknowledgements)

            [destinations.discord-hook]
            channel = "discord"
            webhook_url_env = "TEST_DISCORD_WEBHOOK"
            username = "owner-report"

            [destinations.telegram]
            channel = "telegram"
            target = "-4001"
            token_env = "TEST_TELEGRAM_TOKEN"
            api_base = "\(sink.baseURL)"
            acknowledgements = \(telegramAcknowledgements)

            [destinations.slack]
            channel = "slack"
            url_env = "TEST_SLACK_URL"

            [destinations.mail]
            channel = "email"
            smtp_url = "\(smtpURL)"
            starttls = false
            from = "owner-report <reports@example.com>"
            to = ["ceo@example.com", "cto@example.com"]
            cc = ["ops@example.com"]
            bcc = ["audit@example.com"]
            username_env = "TEST_SMTP_USER"
            password_env = "TEST_SMTP_PASSWORD"

            [destinations.mail-tls]
            channel = "email"
            smtp_url = "\(smtpURL)"
            from = "reports@example.com"
            to = ["ceo@example.com"]
            username_env = "TEST_SMTP_USER"
            password_env = "TEST_SMTP_PASSWORD"
            """)
        service = [
            "discord_token": Self.discordToken, "discord_webhooks": ["4242/webhook-token-Hf73Lp"],
            "telegram_token": Self.telegramToken, "telegram_chats": telegramChats, "telegram_migrate": migrate,
            "slack_paths": [Self.slackPath],
        ]
        try sink.emulate(service)
    }

    /// Makes the Telegram bot's `getUpdates` offer these updates (Bot API `Update` objects).
    func offerTelegramUpdates(_ updates: [[String: Any]]) throws {
        try changeService(["telegram_updates": updates])
    }

    /// Adds to what the emulated services know (Discord's reactions and messages…), after `rules`.
    func changeService(_ changes: [String: Any], rules: [[String: Any]] = []) throws {
        service.merge(changes) { $1 }
        try sink.emulate(service, rules: rules)
    }

    var environment: [String: String] {
        [
            "TEST_DISCORD_TOKEN": Self.discordToken, "TEST_DISCORD_WEBHOOK": sink.baseURL + Self.webhookPath,
            "TEST_TELEGRAM_TOKEN": Self.telegramToken, "TEST_SLACK_URL": sink.baseURL + Self.slackPath,
            "TEST_SMTP_USER": SMTPSink.user, "TEST_SMTP_PASSWORD": SMTPSink.password,
        ]
    }

    func drive(_ arguments: [String] = ["--once"], environment extra: [String: String] = [:]) throws -> Program.Outcome
    {
        try Program.driver.run(
            arguments + ["--queue", queue.root, "--config", configPath], environment: environment.merging(extra) { $1 })
    }

    /// Enqueues a report to the named destinations (comma-separated); returns its id.
    func enqueue(title: String, body: String, to destinations: String, status: ReportStatus? = nil) throws -> String {
        var fields: [String: FieldValue] = [
            "destination": .text(destinations), "team": .text("平台組"), "task": .text("deploy_v2 <prod>"),
        ]
        if let status { fields["status"] = .text(status.rawValue) }
        return try queue.enqueue(Report(kind: .daily, title: title, fields: fields, body: body))
    }

    /// The requests that went to a destination, by the path its service uses.
    func requests(to destination: String) throws -> [HTTPSink.Request] {
        try sink.requests().filter { request in
            switch destination {
            case "discord-bot": request.path.hasPrefix("/api/v10/channels/")
            case "discord-hook": request.path.hasPrefix("/api/webhooks/")
            case "telegram": request.path.hasPrefix("/bot")
            case "slack": request.path.hasPrefix("/services/")
            default: false
            }
        }
    }

    func events(of id: String) throws -> [LedgerEvent] {
        try Ledger(queue: queue).events(for: id)
    }

    /// Every byte the run left behind that a secret could leak into: the ledger, sidecars, output.
    func leftovers() throws -> String {
        let ledger = try Ledger(queue: queue).allEvents().map { "\($0.detail ?? "") \($0.destination ?? "")" }.joined(
            separator: "\n")
        var text = ledger
        for folder in [queue.failed, queue.pending] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                text += (try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)) ?? ""
            }
        }
        return text
    }
}

/// What a chat message shows, back as the report's characters: `(k/n)` lines and the code fences
/// the splitter adds taken away, Slack's escapes undone, whitespace ignored.
func shownCharacters(_ parts: [String]) -> String {
    parts.map { part in
        part.split(separator: "\n").filter { line in
            !line.hasPrefix("```") && line.range(of: #"^\(\d+/\d+\)$"#, options: .regularExpression) == nil
        }.joined()
    }.joined()
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(
            of: "&amp;", with: "&"
        )
        .filter { !$0.isWhitespace }
}
