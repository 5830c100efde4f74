/// Where `owner-report-intake` listens and whom it believes (`[intake]` in the config).
public struct IntakePolicy: Sendable, Equatable {
    /// TCP addresses, `host:port` (`[::1]:port` for IPv6).
    public var listen: [String] = []
    /// A Unix socket path; a connection's peer uid (SO_PEERCRED) is its submitter.
    public var socket: String?
    /// The bearer token `/v1/reports` and `/v1/alertmanager` require on TCP (`token_env`/`token_file`).
    public var token: SecretSource?
    /// The Standard Webhooks secret `/v1/relay` verifies (`relay_secret_env`/`relay_secret_file`),
    /// shared by every origin host, whose `host` is then what the sender says.
    public var relaySecret: SecretSource?
    /// One secret per origin host (`[intake.relay_origins] web-1 = { secret_env = "…" }`): a message
    /// signed with one is from that host, whatever it says. Without these and `relaySecret`, the
    /// endpoint is not served.
    public var relayOrigins: [String: SecretSource] = [:]
    /// The largest request body; larger ones get 413.
    public var maxRequestBytes = 4 << 20
    /// Connections served at once; more wait in the kernel's backlog.
    public var maxConnections = 64
    /// How long one connection may take from accept to response, whatever the client does.
    public var requestTimeout: Duration = .seconds(10)
    /// How far a relayed message's `webhook-timestamp` may be from now.
    public var relayTolerance: Duration = .seconds(300)

    public init() {}

    /// Whether a `host:port` listens only on this machine.
    public static func isLoopback(_ address: String) -> Bool {
        let host =
            address.hasPrefix("[")
            ? String(address.dropFirst().prefix { $0 != "]" }) : String(address.prefix { $0 != ":" })
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
