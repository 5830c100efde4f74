/// The transports a destination can use (docs/design.md §6).
public enum Channel: String, CaseIterable, Sendable {
    case discord, telegram, slack, email, webhook, file
}

/// Where a secret comes from. The secret itself is read only when it is needed, and never printed.
public enum SecretSource: Hashable, Sendable, CustomStringConvertible {
    /// An environment variable's name.
    case environment(String)
    /// A file's path; it must not be readable by group or others.
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "$\(name)"
        case .file(let path): path
        }
    }
}

/// A named place reports go to: a channel and its settings.
public struct Destination: Hashable, Sendable {
    public var name: String
    public var channel: Channel
    /// `channel:<id>` for Discord's bot API, a chat id for Telegram.
    public var target: String?
    /// The `file` channel's output file or directory, relative to the queue directory unless absolute.
    public var path: String?
    /// A non-secret endpoint (webhook URL); secret endpoints come through `secrets["url"]`.
    public var url: String?
    /// Base URL of the service's API, replaceable so tests and self-hosted gateways can use local servers.
    public var apiBase: String?
    public var smtpURL: String?
    /// Whether SMTP requires STARTTLS (default true).
    public var startTLS: Bool
    public var from: String?
    public var to: [String]
    public var cc: [String]
    public var bcc: [String]
    /// The display name Discord webhooks post under.
    public var username: String?
    /// Telegram forum topic id, or Discord thread id for a webhook.
    public var threadID: String?
    /// The least time between two messages to this destination; nil for the channel's own pace.
    public var minimumInterval: Duration?
    /// Telegram: open incidents carry an "Acknowledge" button, and `driver --follow` reads the
    /// presses (and `ack` replies) from the bot's updates (`acknowledgements = true`).
    public var acknowledgements = false
    /// A daily window (configured zone) when only critical reports go; the rest wait for its end.
    public var quietHours: QuietHours?
    /// After quiet hours, the held reports go as one digest message listing them, not one by one.
    public var quietDigest = false
    /// Packs a chat lane's backlog into shared messages; nil: `[delivery] catch_up` decides.
    public var catchUp: Bool?
    /// Where each secret comes from, keyed by role: `token`, `url`, `secret`, `username`, `password`.
    public var secrets: [String: SecretSource]

    public init(
        name: String, channel: Channel, target: String? = nil, path: String? = nil, url: String? = nil,
        apiBase: String? = nil, smtpURL: String? = nil, startTLS: Bool = true, from: String? = nil,
        to: [String] = [], cc: [String] = [], bcc: [String] = [], username: String? = nil,
        threadID: String? = nil, secrets: [String: SecretSource] = [:]
    ) {
        self.name = name
        self.channel = channel
        self.target = target
        self.path = path
        self.url = url
        self.apiBase = apiBase
        self.smtpURL = smtpURL
        self.startTLS = startTLS
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.username = username
        self.threadID = threadID
        self.secrets = secrets
    }

    /// The embedded default: the `file` channel into `outbox/` of the queue directory.
    public static let embeddedDefault = Destination(name: "local", channel: .file, path: "outbox")
}
