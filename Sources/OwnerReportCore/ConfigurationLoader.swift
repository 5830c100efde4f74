import Foundation
import TOMLKit

/// Reads the TOML configuration (docs/design.md §10) and applies the environment overrides of the original Python scripts.
///
/// Every key is checked: an unknown key is an error too, because a misspelt `token_env` would
/// otherwise fail silently at 3 a.m. Errors name the file, the key and the problem.
public enum ConfigurationLoader {
    /// Loads the configuration a command runs with.
    public static func load(flag: String?, environment: [String: String]) throws(ConfigurationError) -> Configuration {
        let (path, explicit) = Locations.configFile(flag: flag, environment: environment)
        var configuration: Configuration
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError(file: path, message: "cannot be read as UTF-8 text")
            }
            configuration = try parse(text, file: path)
        } else if explicit {
            throw ConfigurationError(file: path, message: "no such file")
        } else {
            configuration = .embeddedDefault
        }
        try applyOverrides(to: &configuration, environment: environment)
        return configuration
    }

    /// Parses a configuration file's text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: "\(file):\(error.source.begin.line):\(error.source.begin.column)",
                message: "invalid TOML: \(error.description)")
        } catch {
            throw ConfigurationError(file: file, message: "invalid TOML: \(error)")
        }
        let reader = TableReader(table: table, file: file, prefix: "")
        try reader.allowOnly([
            "timezone", "default_destination", "fallback_destination", "delivery", "routes", "destinations", "watchdog",
            "reports", "archive", "submit", "intake",
            "escalation", "fleet", "expect",
        ])

        var configuration = Configuration.embeddedDefault
        configuration.file = file
        if let zoneName = try reader.string("timezone") {
            guard let zone = TimeZone(identifier: zoneName) else {
                throw ConfigurationError(file: file, key: "timezone", message: "unknown time zone '\(zoneName)'")
            }
            configuration.timeZone = zone
        }
        // Each policy reads its own table; the tables that name destinations come after them.
        if let delivery = try reader.table("delivery") { configuration.delivery = try deliveryPolicy(delivery) }
        if let watchdog = try reader.table("watchdog") {
            try readWatchdog(watchdog, into: &configuration.watchdog, file: file)
        }
        if let reports = try reader.table("reports") {
            try readReports(reports, into: &configuration.reports, file: file)
        }
        if let archive = try reader.table("archive") { try readArchive(archive, into: &configuration.archive) }
        if let submit = try reader.table("submit") { try readSubmit(submit, into: &configuration.submit, file: file) }
        if let intake = try reader.table("intake") { configuration.intake = try intakePolicy(intake) }
        if let fleet = try reader.table("fleet") { try readFleet(fleet, into: &configuration.fleet, file: file) }
        if let destinations = try reader.table("destinations") {
            var parsed: [String: Destination] = [:]
            for name in destinations.table.keys {
                guard let settings = try destinations.table(name) else { continue }
                parsed[name] = try destination(named: name, settings)
            }
            if !parsed.isEmpty { configuration.destinations = parsed }
        }
        try readDestinationChoices(reader, into: &configuration, file: file)
        if let expect = try reader.table("expect") { try readExpectations(expect, into: &configuration, file: file) }
        if let escalation = try reader.table("escalation") {
            try readEscalation(escalation, into: &configuration, file: file)
        }
        if let routes = try reader.table("routes") { try readRoutes(routes, into: &configuration, file: file) }
        return configuration
    }

    private static func readWatchdog(_ watchdog: TableReader, into policy: inout WatchdogPolicy, file: String)
        throws(ConfigurationError)
    {
        try watchdog.allowOnly(["max_pending_age", "heartbeat_max_age", "reminder_interval", "metrics_path"])
        if let value = try watchdog.duration("max_pending_age") { policy.maxPendingAge = value }
        if let value = try watchdog.duration("heartbeat_max_age") { policy.heartbeatMaxAge = value }
        if let value = try watchdog.duration("reminder_interval") { policy.reminderInterval = value }
        if let path = try watchdog.string("metrics_path") {
            guard path.hasSuffix(".prom"), !path.hasSuffix("/") else {
                throw ConfigurationError(
                    file: file, key: "watchdog.metrics_path",
                    message: "must name a file ending in .prom (node_exporter reads only those)")
            }
            policy.metricsPath = relativeToFile(path, file)
        }
    }

    private static func readReports(_ reports: TableReader, into policy: inout ReportsPolicy, file: String)
        throws(ConfigurationError)
    {
        try reports.allowOnly(["postmortem_min_minutes", "templates", "teams", "summarizer_timeout"])
        if let minutes = try reports.positiveInteger("postmortem_min_minutes") {
            policy.postmortemMinimum = .seconds(minutes * 60)
        }
        policy.templatesDirectory = try reports.string("templates").map { relativeToFile($0, file) }
        policy.teamsFile = try reports.string("teams").map { relativeToFile($0, file) }
        if let value = try reports.duration("summarizer_timeout") { policy.summarizerTimeout = value }
    }

    private static func readArchive(_ archive: TableReader, into policy: inout ArchivePolicy) throws(ConfigurationError)
    {
        try archive.allowOnly(["retention_days", "failed_retention_days"])
        if let days = try archive.positiveInteger("retention_days") { policy.retentionDays = days }
        policy.failedRetentionDays = try archive.positiveInteger("failed_retention_days")
    }

    private static func readSubmit(_ submit: TableReader, into policy: inout SubmitPolicy, file: String)
        throws(ConfigurationError)
    {
        try submit.allowOnly(["enabled", "group", "everyone", "max_pending_per_user", "max_pending"])
        policy.enabled = try submit.bool("enabled") ?? false
        policy.group = try submit.string("group")
        policy.everyone = try submit.bool("everyone") ?? false
        if policy.everyone, policy.group != nil {
            throw ConfigurationError(
                file: file, key: "submit.everyone",
                message: "give either submit.group or submit.everyone = true, not both")
        }
        if let count = try submit.positiveInteger("max_pending_per_user") { policy.maxPendingPerUser = count }
        if let count = try submit.positiveInteger("max_pending") { policy.maxPending = count }
    }

    private static func readFleet(_ fleet: TableReader, into policy: inout FleetPolicy, file: String)
        throws(ConfigurationError)
    {
        try fleet.allowOnly(["host", "database_env", "database_file", "ship_batch"])
        if let host = try fleet.string("host") {
            if let problem = FleetPolicy.hostProblem(host) {
                throw ConfigurationError(file: file, key: "fleet.host", message: problem)
            }
            policy.host = host
        }
        policy.database = try fleet.secret("database")
        if let count = try fleet.positiveInteger("ship_batch") {
            guard count <= 2000 else {
                throw ConfigurationError(
                    file: file, key: "fleet.ship_batch",
                    message:
                        "\(count) is more than 2000 rows (PostgreSQL takes at most 65,535 parameters per statement)")
            }
            policy.shipBatch = count
        }
    }

    /// `default_destination` and `fallback_destination`, once the destinations are read.
    private static func readDestinationChoices(
        _ reader: TableReader, into configuration: inout Configuration, file: String
    )
        throws(ConfigurationError)
    {
        let names = configuration.destinations.keys.sorted()
        if let name = try reader.string("default_destination") {
            _ = try configuration.destination(named: name, key: "default_destination")
            configuration.defaultDestination = name
        } else if names.count == 1, let only = names.first {
            configuration.defaultDestination = only
        } else if configuration.destinations[configuration.defaultDestination] == nil {
            throw ConfigurationError(
                file: file, key: "default_destination",
                message: "missing: needed when there is more than one destination")
        }
        if let name = try reader.string("fallback_destination") {
            _ = try configuration.destination(named: name, key: "fallback_destination")
            configuration.fallbackDestination = name
        }
    }

    private static func readExpectations(_ expect: TableReader, into configuration: inout Configuration, file: String)
        throws(ConfigurationError)
    {
        for name in expect.table.keys.sorted() {
            guard let settings = try expect.table(name) else { continue }
            guard !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw ConfigurationError(
                    file: file, key: "expect.\(name)",
                    message: "an expectation's name is letters, digits, - and _ (it is used in ping URLs)")
            }
            let expectation = try expectation(name, settings)
            if let destination = expectation.destination {
                _ = try configuration.destination(named: destination, key: "expect.\(name).destination")
            }
            configuration.expectations.append(expectation)
        }
    }

    private static func readEscalation(_ escalation: TableReader, into configuration: inout Configuration, file: String)
        throws(ConfigurationError)
    {
        try escalation.allowOnly(["after", "interval", "chain", "severities"])
        guard let after = try escalation.duration("after") else {
            throw ConfigurationError(
                file: file, key: "escalation.after",
                message: "missing: how long an unacknowledged incident waits before the first step")
        }
        configuration.escalation.after = after
        configuration.escalation.interval = try escalation.duration("interval") ?? after
        configuration.escalation.chain = try escalation.strings("chain") ?? []
        for name in configuration.escalation.chain {
            _ = try configuration.destination(named: name, key: "escalation.chain")
        }
        if let severities = try escalation.strings("severities") {
            configuration.escalation.severities = severities.map { $0.lowercased() }
        }
    }

    private static func readRoutes(_ routes: TableReader, into configuration: inout Configuration, file: String)
        throws(ConfigurationError)
    {
        for kindName in routes.table.keys {
            let key = "routes.\(kindName)"
            guard let kind = ReportKind(rawValue: kindName) else {
                let kinds = ReportKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(file: file, key: key, message: "not a report kind (\(kinds))")
            }
            let targets = try routes.strings(kindName) ?? []
            guard !targets.isEmpty else {
                throw ConfigurationError(file: file, key: key, message: "must name at least one destination")
            }
            for target in targets { _ = try configuration.destination(named: target, key: key) }
            configuration.routes[kind] = targets
        }
    }

    /// A path from the config file: absolute as it is, else relative to the file's directory.
    private static func relativeToFile(_ path: String, _ file: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : "\(directory)/\(path)"
    }

    private static func deliveryPolicy(_ reader: TableReader) throws(ConfigurationError) -> DeliveryPolicy {
        try reader.allowOnly([
            "max_attempts", "max_age", "backoff_initial", "backoff_max", "max_report_bytes", "timeout",
            "connect_timeout", "rescan_interval", "catch_up",
        ])
        var policy = DeliveryPolicy()
        if let value = try reader.positiveInteger("max_attempts") { policy.maxAttempts = value }
        if let value = try reader.positiveInteger("max_report_bytes") { policy.maxReportBytes = value }
        if let value = try reader.duration("max_age") { policy.maxAge = value }
        if let value = try reader.duration("backoff_initial") { policy.backoffInitial = value }
        if let value = try reader.duration("backoff_max") { policy.backoffMax = value }
        if let value = try reader.duration("timeout") { policy.timeout = value }
        if let value = try reader.duration("connect_timeout") { policy.connectTimeout = value }
        if let value = try reader.bool("catch_up") { policy.catchUp = value }
        if let value = try reader.duration("rescan_interval") {
            guard value >= .seconds(1) else {
                throw ConfigurationError(
                    file: reader.file, key: "delivery.rescan_interval", message: "must be at least 1s")
            }
            policy.rescanInterval = value
        }
        if policy.backoffMax < policy.backoffInitial {
            throw ConfigurationError(
                file: reader.file, key: "delivery.backoff_max", message: "must not be shorter than backoff_initial")
        }
        return policy
    }

    private static func destination(named name: String, _ reader: TableReader) throws(ConfigurationError) -> Destination
    {
        let secretRoles = ["token", "url", "webhook_url", "secret", "username", "password"]
        let secretKeys = secretRoles.flatMap { ["\($0)_env", "\($0)_file"] }
        try reader.allowOnly(
            [
                "channel", "target", "path", "url", "api_base", "smtp_url", "starttls", "from", "to", "cc", "bcc",
                "username", "thread_id", "min_interval",
                "acknowledgements", "quiet_hours", "quiet_hours_digest", "catch_up",
            ]
                + secretKeys)
        guard let channelName = try reader.string("channel") else {
            throw ConfigurationError(file: reader.file, key: reader.key("channel"), message: "missing")
        }
        guard let channel = Channel(rawValue: channelName) else {
            let channels = Channel.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(
                file: reader.file, key: reader.key("channel"), message: "unknown channel '\(channelName)' (\(channels))"
            )
        }
        var destination = Destination(name: name, channel: channel)
        destination.target = try reader.string("target")
        destination.path = try reader.string("path")
        destination.url = try reader.string("url")
        destination.apiBase = try reader.string("api_base")
        destination.smtpURL = try reader.string("smtp_url")
        destination.startTLS = try reader.bool("starttls") ?? true
        destination.from = try reader.string("from")
        destination.to = try reader.strings("to") ?? []
        destination.cc = try reader.strings("cc") ?? []
        destination.bcc = try reader.strings("bcc") ?? []
        destination.username = try reader.string("username")
        destination.threadID = try reader.string("thread_id")
        destination.minimumInterval = try reader.duration("min_interval")
        destination.acknowledgements = try reader.bool("acknowledgements") ?? false
        if let window = try reader.string("quiet_hours") {
            guard let quiet = QuietHours(window) else {
                throw ConfigurationError(
                    file: reader.file, key: reader.key("quiet_hours"),
                    message: "'\(window)' is not HH:MM-HH:MM (e.g. 23:00-07:00, in the configured timezone)")
            }
            destination.quietHours = quiet
        }
        destination.quietDigest = try reader.bool("quiet_hours_digest") ?? false
        destination.catchUp = try reader.bool("catch_up")
        if destination.quietDigest, destination.quietHours == nil {
            throw ConfigurationError(
                file: reader.file, key: reader.key("quiet_hours_digest"), message: "needs quiet_hours")
        }
        if destination.acknowledgements, channel != .telegram,
            channel != .discord || destination.target?.hasPrefix("channel:") != true
        {
            throw ConfigurationError(
                file: reader.file, key: reader.key("acknowledgements"),
                message:
                    "only a telegram destination or a discord bot (target = \"channel:<id>\") reads acknowledgements back (acknowledge from the shell: owner-report-producer ack)"
            )
        }
        for role in secretRoles {
            // `webhook_url` is the Discord spelling of the same role as `url`.
            if let source = try reader.secret(role) {
                destination.secrets[role == "webhook_url" ? "url" : role] = source
            }
        }
        try requireSettings(of: destination, reader)
        return destination
    }

    /// `[intake]`: listening addresses, secrets and limits. A non-loopback address needs a token.
    private static func intakePolicy(_ reader: TableReader) throws(ConfigurationError) -> IntakePolicy {
        try reader.allowOnly([
            "listen", "socket", "token_env", "token_file", "relay_secret_env", "relay_secret_file", "relay_origins",
            "max_request_bytes",
            "max_connections", "request_timeout",
        ])
        var policy = IntakePolicy()
        policy.listen = try reader.strings("listen") ?? []
        for address in policy.listen {
            guard let port = address.split(separator: ":").last.flatMap({ Int($0) }), (1...65535).contains(port) else {
                throw ConfigurationError(
                    file: reader.file, key: reader.key("listen"), message: "'\(address)' is not host:port")
            }
        }
        policy.socket = try reader.string("socket")
        policy.token = try reader.secret("token")
        policy.relaySecret = try reader.secret("relay_secret")
        if let origins = try reader.table("relay_origins") {
            for host in origins.table.keys.sorted() {
                if let problem = FleetPolicy.hostProblem(host) {
                    throw ConfigurationError(file: reader.file, key: origins.key(host), message: problem)
                }
                guard let origin = try origins.table(host) else { continue }
                try origin.allowOnly(["secret_env", "secret_file"])
                guard let secret = try origin.secret("secret") else {
                    throw ConfigurationError(
                        file: reader.file, key: origin.key("secret_env"),
                        message: "missing: this origin host's relay secret")
                }
                policy.relayOrigins[host] = secret
            }
        }
        if let open = policy.listen.first(where: { !IntakePolicy.isLoopback($0) }), policy.token == nil {
            throw ConfigurationError(
                file: reader.file, key: reader.key("listen"),
                message:
                    "'\(open)' is not a loopback address: set token_env or token_file so that nobody else can submit")
        }
        if let bytes = try reader.positiveInteger("max_request_bytes") { policy.maxRequestBytes = bytes }
        if let count = try reader.positiveInteger("max_connections") { policy.maxConnections = count }
        if let timeout = try reader.duration("request_timeout") { policy.requestTimeout = timeout }
        return policy
    }

    /// The settings a channel cannot work without; secrets' presence is checked when they are read.
    private static func requireSettings(of destination: Destination, _ reader: TableReader) throws(ConfigurationError) {
        func missing(_ key: String, _ why: String) -> ConfigurationError {
            ConfigurationError(file: reader.file, key: reader.key(key), message: "missing: \(why)")
        }
        let hasURL = destination.url != nil || destination.secrets["url"] != nil
        switch destination.channel {
        case .file:
            break
        case .webhook, .slack:
            if !hasURL { throw missing("url", "set url, url_env or url_file") }
        case .discord:
            if !hasURL {
                guard let target = destination.target, target.hasPrefix("channel:"), target.count > 8 else {
                    throw missing("target", "set target = \"channel:<id>\" (with token_env) or webhook_url_env")
                }
                if destination.secrets["token"] == nil {
                    throw missing("token_env", "the bot API needs token_env or token_file")
                }
            }
        case .telegram:
            if destination.target == nil { throw missing("target", "the chat id") }
            if destination.secrets["token"] == nil { throw missing("token_env", "set token_env or token_file") }
        case .email:
            if destination.smtpURL == nil { throw missing("smtp_url", "for example smtp://mail.example.com:587") }
            if destination.from == nil { throw missing("from", "the sender address") }
            if destination.to.isEmpty { throw missing("to", "at least one recipient") }
        }
    }

    /// `OWNER_REPORT_CHANNEL` / `OWNER_REPORT_TARGET` replace the default destination; `OWNER_REPORT_MAX_COUNT` bounds a drain.
    static func applyOverrides(to configuration: inout Configuration, environment: [String: String])
        throws(ConfigurationError)
    {
        if let text = environment["OWNER_REPORT_MAX_COUNT"], !text.isEmpty {
            guard let count = Int(text), count > 0 else {
                throw ConfigurationError(
                    file: "(environment)", key: "OWNER_REPORT_MAX_COUNT",
                    message: "must be a positive whole number, not '\(text)'")
            }
            configuration.maxCount = count
        }
        let channelName = environment["OWNER_REPORT_CHANNEL"].flatMap { $0.isEmpty ? nil : $0 }
        let target = environment["OWNER_REPORT_TARGET"].flatMap { $0.isEmpty ? nil : $0 }
        guard channelName != nil || target != nil else { return }
        let name = configuration.defaultDestination
        let current = configuration.destinations[name] ?? .embeddedDefault
        let channel: Channel
        if let channelName {
            guard let parsed = Channel(rawValue: channelName) else {
                let channels = Channel.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(
                    file: "(environment)", key: "OWNER_REPORT_CHANNEL",
                    message: "unknown channel '\(channelName)' (\(channels))")
            }
            channel = parsed
        } else {
            channel = current.channel
        }
        // Same channel: keep the configured settings (API base, token source) and change only the target.
        var replacement = channel == current.channel ? current : Destination(name: name, channel: channel)
        replacement.name = name
        switch channel {
        case .file:
            replacement.path = target ?? replacement.path ?? "outbox"
        case .webhook, .slack:
            if let target { replacement.url = target; replacement.secrets["url"] = nil }
        case .discord:
            if let target, target.hasPrefix("https://") || target.hasPrefix("http://") {
                replacement.url = target
                replacement.secrets["url"] = nil
            } else if let target {
                replacement.target = target
                replacement.url = nil
                replacement.secrets["url"] = nil
                if replacement.secrets["token"] == nil {
                    replacement.secrets["token"] = .environment("DISCORD_BOT_TOKEN")
                }
            }
        case .telegram:
            if let target { replacement.target = target }
            if replacement.secrets["token"] == nil { replacement.secrets["token"] = .environment("TELEGRAM_BOT_TOKEN") }
        case .email:
            if let target { replacement.to = target.split(separator: ",").map { $0.trimmingSpaces } }
            if replacement.smtpURL == nil || replacement.from == nil {
                throw ConfigurationError(
                    file: "(environment)", key: "OWNER_REPORT_CHANNEL",
                    message: "email needs a configured destination with smtp_url and from")
            }
        }
        if channel != .file, replacement.target == nil, replacement.url == nil, replacement.secrets["url"] == nil {
            throw ConfigurationError(
                file: "(environment)", key: "OWNER_REPORT_TARGET",
                message: "required with OWNER_REPORT_CHANNEL=\(channel.rawValue)")
        }
        configuration.destinations[name] = replacement
    }
}

extension ConfigurationLoader {
    /// One `[expect.NAME]` table: a `match`, `every` or `cron`, a `grace`, and the optional rest.
    static func expectation(_ name: String, _ table: TableReader) throws(ConfigurationError) -> Expectation {
        try table.allowOnly(["match", "every", "cron", "grace", "severity", "destination", "max_runtime"])
        var match = Expectation.Match()
        if let given = try table.table("match") {
            try given.allowOnly(["source", "team", "task_id", "kind", "title", "alertname"])
            match.source = try given.string("source")
            match.team = try given.string("team")
            match.taskID = try given.string("task_id")
            match.kind = try given.string("kind")
            match.title = try given.string("title")
            match.alertname = try given.string("alertname")
        }
        let every = try table.duration("every")
        let cronText = try table.string("cron")
        let schedule: Expectation.Schedule
        switch (every, cronText) {
        case (let period?, nil):
            guard period > .zero else {
                throw ConfigurationError(file: table.file, key: table.key("every"), message: "must be longer than 0s")
            }
            schedule = .every(period)
        case (nil, let text?):
            do {
                schedule = .cron(try CronSchedule(text))
            } catch {
                throw ConfigurationError(file: table.file, key: table.key("cron"), message: error.description)
            }
        case (.some, .some):
            throw ConfigurationError(file: table.file, key: table.key("cron"), message: "give every or cron, not both")
        case (nil, nil):
            throw ConfigurationError(
                file: table.file, key: table.key("every"),
                message: "missing: how often it must come (every = \"1d\", or cron = \"0 3 * * *\")")
        }
        guard let grace = try table.duration("grace") else {
            throw ConfigurationError(
                file: table.file, key: table.key("grace"),
                message: "missing: how late it may be before it is missed (grace = \"1h\")")
        }
        var expectation = Expectation(name: name, match: match, schedule: schedule, grace: grace)
        if let severity = try table.string("severity") { expectation.severity = severity.lowercased() }
        expectation.destination = try table.string("destination")
        expectation.maxRuntime = try table.duration("max_runtime")
        return expectation
    }
}

/// Typed, error-naming access to one TOML table.
struct TableReader {
    let table: TOMLTable
    let file: String
    /// The dotted path of this table, with a trailing dot (`destinations.owner.`), or empty for the root.
    let prefix: String

    func key(_ name: String) -> String { prefix + name }

    func allowOnly(_ keys: [String]) throws(ConfigurationError) {
        for name in table.keys where !keys.contains(name) {
            throw ConfigurationError(
                file: file, key: key(name), message: "unknown key (known here: \(keys.joined(separator: ", ")))")
        }
    }

    private func wrongType(_ name: String, _ expected: String) -> ConfigurationError {
        ConfigurationError(file: file, key: key(name), message: "must be \(expected)")
    }

    func string(_ name: String) throws(ConfigurationError) -> String? {
        guard let value = table[name] else { return nil }
        guard let text = value.string else { throw wrongType(name, "a string") }
        return text
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let value = table[name] else { return nil }
        guard let flag = value.bool else { throw wrongType(name, "true or false") }
        return flag
    }

    func positiveInteger(_ name: String) throws(ConfigurationError) -> Int? {
        guard let value = table[name] else { return nil }
        guard let number = value.int, number > 0 else { throw wrongType(name, "a positive whole number") }
        return number
    }

    func duration(_ name: String) throws(ConfigurationError) -> Duration? {
        guard let value = table[name] else { return nil }
        if let seconds = value.int, seconds >= 0 { return .seconds(seconds) }
        guard let text = value.string, let duration = DurationText.parse(text) else {
            throw wrongType(name, "a duration such as \"30s\", \"10m\", \"24h\" or \"7d\"")
        }
        return duration
    }

    /// A list of strings; a single string counts as a list of one.
    func strings(_ name: String) throws(ConfigurationError) -> [String]? {
        guard let value = table[name] else { return nil }
        if let text = value.string { return [text] }
        guard let array = value.array else { throw wrongType(name, "a list of strings") }
        var texts: [String] = []
        for element in array {
            guard let text = element.string else { throw wrongType(name, "a list of strings") }
            texts.append(text)
        }
        return texts
    }

    /// Where the secret for `role` comes from: `ROLE_env` (a variable's name) or `ROLE_file` (a path), not both.
    func secret(_ role: String) throws(ConfigurationError) -> SecretSource? {
        let fromEnvironment = try string("\(role)_env")
        let fromFile = try string("\(role)_file")
        if fromEnvironment != nil, fromFile != nil {
            throw ConfigurationError(
                file: file, key: key("\(role)_file"), message: "give \(role)_env or \(role)_file, not both")
        }
        return fromEnvironment.map(SecretSource.environment) ?? fromFile.map(SecretSource.file)
    }

    func table(_ name: String) throws(ConfigurationError) -> TableReader? {
        guard let value = table[name] else { return nil }
        guard let nested = value.table else { throw wrongType(name, "a table") }
        return TableReader(table: nested, file: file, prefix: key(name) + ".")
    }
}
