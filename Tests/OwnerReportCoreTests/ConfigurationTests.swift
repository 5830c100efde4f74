import Foundation
import OwnerReportCore
import Testing

@Suite struct ConfigurationTests {
    static let designExample = """
        timezone = "Asia/Taipei"
        default_destination = "owner"
        fallback_destination = "ops-mail"

        [delivery]
        max_attempts = 10
        max_age = "24h"
        backoff_initial = "30s"
        backoff_max = "30m"
        max_report_bytes = 1048576

        [routes]
        weekly = ["ops-mail", "owner"]
        incident = ["owner"]

        [destinations.owner]
        channel = "discord"
        target = "channel:1480577550445969541"
        token_env = "DISCORD_BOT_TOKEN"
        api_base = "https://discord.com/api/v10"

        [destinations.ops-tg]
        channel = "telegram"
        target = "864811879"
        token_env = "TELEGRAM_BOT_TOKEN"
        api_base = "https://api.telegram.org"

        [destinations.team-slack]
        channel = "slack"
        url_env = "SLACK_WEBHOOK_URL"

        [destinations.ops-mail]
        channel = "email"
        smtp_url = "smtp://mail.example.com:587"
        from = "owner-report@example.com"
        to = ["ceo@example.com", "cto@example.com"]
        cc = ["all-team@example.com"]
        username_env = "SMTP_USER"
        password_env = "SMTP_PASSWORD"

        [destinations.hook]
        channel = "webhook"
        url = "https://hooks.example.com/owner-report"
        secret_env = "OWNER_REPORT_HOOK_SECRET"

        [destinations.local]
        channel = "file"
        path = "outbox"
        """

    @Test func theDesignExampleParses() throws {
        let configuration = try ConfigurationLoader.parse(Self.designExample, file: "config.toml")
        #expect(configuration.timeZone.identifier == "Asia/Taipei")
        #expect(configuration.defaultDestination == "owner")
        #expect(configuration.fallbackDestination == "ops-mail")
        #expect(configuration.delivery.maxAttempts == 10)
        #expect(configuration.delivery.maxAge == .seconds(86_400))
        #expect(configuration.delivery.backoffMax == .seconds(1_800))
        #expect(configuration.routes[.weekly] == ["ops-mail", "owner"])
        #expect(configuration.destinations.count == 6)
        let owner = try configuration.destination(named: "owner")
        #expect(owner.channel == .discord)
        #expect(owner.secrets["token"] == .environment("DISCORD_BOT_TOKEN"))
        let mail = try configuration.destination(named: "ops-mail")
        #expect(mail.to == ["ceo@example.com", "cto@example.com"])
        #expect(mail.cc == ["all-team@example.com"])
        #expect(mail.startTLS)
    }

    @Test func routingPrefersTheReportsOwnDestinationThenTheRouteThenTheDefault() throws {
        let configuration = try ConfigurationLoader.parse(Self.designExample, file: "config.toml")
        #expect(configuration.destinationNames(for: Report(kind: .weekly, title: "w")) == ["ops-mail", "owner"])
        #expect(configuration.destinationNames(for: Report(kind: .note, title: "n")) == ["owner"])
        let pinned = Report(kind: .weekly, title: "w", fields: ["destination": .text("ops-tg")])
        #expect(configuration.destinationNames(for: pinned) == ["ops-tg"])
    }

    struct BadConfig: Sendable, CustomTestStringConvertible {
        let label: String
        let toml: String
        let expected: String
        var testDescription: String { label }
    }

    static let badConfigs: [BadConfig] = [
        .init(label: "invalid TOML", toml: "timezone = \n", expected: "config.toml:1:"),
        .init(
            label: "intake open beyond loopback without a token",
            toml: "[intake]\nlisten = [\"127.0.0.1:8787\", \"0.0.0.0:8787\"]",
            expected: "config.toml: intake.listen: '0.0.0.0:8787' is not a loopback address: set token_env"),
        .init(
            label: "intake token from both", toml: "[intake]\ntoken_env = \"A\"\ntoken_file = \"/b\"",
            expected: "intake.token_file: give token_env or token_file, not both"),
        .init(
            label: "intake address without a port", toml: "[intake]\nlisten = [\"127.0.0.1\"]",
            expected: "intake.listen: '127.0.0.1' is not host:port"),
        .init(
            label: "submit group and everyone", toml: "[submit]\ngroup = \"g\"\neveryone = true",
            expected: "submit.everyone: give either"),
        .init(
            label: "metrics not a .prom file", toml: "[watchdog]\nmetrics_path = \"/tmp/m.txt\"",
            expected: "watchdog.metrics_path: must name a file ending in .prom"),
        .init(
            label: "unknown top-level key", toml: "time_zone = \"UTC\"", expected: "config.toml: time_zone: unknown key"
        ),
        .init(
            label: "unknown time zone", toml: "timezone = \"Mars/Olympus\"",
            expected: "config.toml: timezone: unknown time zone 'Mars/Olympus'"),
        .init(
            label: "misspelt destination key", toml: "[destinations.a]\nchannel = \"file\"\ntokn_env = \"X\"",
            expected: "config.toml: destinations.a.tokn_env: unknown key"),
        .init(
            label: "unknown channel", toml: "[destinations.a]\nchannel = \"pigeon\"",
            expected: "config.toml: destinations.a.channel: unknown channel 'pigeon'"),
        .init(
            label: "telegram without target", toml: "[destinations.a]\nchannel = \"telegram\"\ntoken_env = \"T\"",
            expected: "config.toml: destinations.a.target: missing"),
        .init(
            label: "discord bot without token", toml: "[destinations.a]\nchannel = \"discord\"\ntarget = \"channel:1\"",
            expected: "destinations.a.token_env: missing"),
        .init(
            label: "email without recipients",
            toml: "[destinations.a]\nchannel = \"email\"\nsmtp_url = \"smtp://x\"\nfrom = \"a@b\"",
            expected: "destinations.a.to: missing"),
        .init(
            label: "both env and file",
            toml:
                "[destinations.a]\nchannel = \"webhook\"\nurl = \"http://x\"\nsecret_env = \"A\"\nsecret_file = \"/b\"",
            expected: "destinations.a.secret_file: give secret_env or secret_file, not both"),
        .init(
            label: "bad duration", toml: "[delivery]\nmax_age = \"a day\"",
            expected: "config.toml: delivery.max_age: must be a duration"),
        .init(
            label: "zero attempts", toml: "[delivery]\nmax_attempts = 0",
            expected: "delivery.max_attempts: must be a positive whole number"),
        .init(
            label: "wrong type", toml: "[delivery]\nmax_attempts = \"ten\"",
            expected: "delivery.max_attempts: must be a positive whole number"),
        .init(
            label: "route to unknown destination", toml: "[routes]\nweekly = [\"nowhere\"]",
            expected: "config.toml: routes.weekly: no destination named 'nowhere'"),
        .init(
            label: "route for unknown kind", toml: "[routes]\nmonthly = [\"local\"]",
            expected: "config.toml: routes.monthly: not a report kind"),
        .init(
            label: "ambiguous default",
            toml: "[destinations.a]\nchannel = \"file\"\n[destinations.b]\nchannel = \"file\"",
            expected: "config.toml: default_destination: missing"),
        .init(
            label: "unknown default", toml: "default_destination = \"x\"",
            expected: "config.toml: default_destination: no destination named 'x'"),
        .init(
            label: "rescan too often", toml: "[delivery]\nrescan_interval = \"0s\"",
            expected: "config.toml: delivery.rescan_interval: must be at least 1s"),
        .init(
            label: "misspelt watchdog key", toml: "[watchdog]\nmax_pending = \"5m\"",
            expected: "config.toml: watchdog.max_pending: unknown key"),
        .init(
            label: "bad min_interval", toml: "[destinations.a]\nchannel = \"file\"\nmin_interval = \"soon\"",
            expected: "destinations.a.min_interval: must be a duration"),
    ]

    @Test func watchdogPacingAndRescanSettingsAreRead() throws {
        let configuration = try ConfigurationLoader.parse(
            """
            [delivery]
            rescan_interval = "2m"
            [watchdog]
            max_pending_age = "10m"
            heartbeat_max_age = "90s"
            reminder_interval = "4h"
            [destinations.tg]
            channel = "telegram"
            target = "1"
            token_env = "T"
            min_interval = "250ms"
            """, file: "config.toml")
        #expect(configuration.delivery.rescanInterval == .seconds(120))
        #expect(configuration.watchdog.maxPendingAge == .seconds(600))
        #expect(configuration.watchdog.heartbeatMaxAge == .seconds(90))
        #expect(configuration.watchdog.reminderInterval == .seconds(4 * 3600))
        #expect(configuration.destinations["tg"]?.minimumInterval == .milliseconds(250))
    }

    @Test(arguments: badConfigs)
    func configurationErrorsNameTheFileTheKeyAndTheProblem(_ sample: BadConfig) {
        #expect {
            try ConfigurationLoader.parse(sample.toml, file: "config.toml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.exitStatus == .configuration && "\(error)".contains(sample.expected)
        }
    }

    @Test func noConfigFileMeansTheEmbeddedFileDestination() throws {
        let configuration = try ConfigurationLoader.load(flag: nil, environment: ["HOME": "/nonexistent-home"])
        #expect(configuration.file == nil)
        #expect(configuration.destinations == ["local": .embeddedDefault])
        #expect(configuration.defaultDestination == "local")
        #expect(configuration.maxCount == 5)
    }

    @Test func anExplicitConfigFileMustExist() {
        #expect(throws: ConfigurationError(file: "/nonexistent/config.toml", message: "no such file")) {
            try ConfigurationLoader.load(flag: nil, environment: ["OWNER_REPORT_CONFIG": "/nonexistent/config.toml"])
        }
    }

    @Test func theSeedVariablesOverrideTheDefaultDestinationAndTheDrainBound() throws {
        let telegram = try ConfigurationLoader.load(
            flag: nil,
            environment: [
                "HOME": "/nonexistent", "OWNER_REPORT_CHANNEL": "telegram", "OWNER_REPORT_TARGET": "864811879",
                "OWNER_REPORT_MAX_COUNT": "20",
            ])
        let destination = try telegram.destination(named: telegram.defaultDestination)
        #expect(destination.channel == .telegram)
        #expect(destination.target == "864811879")
        #expect(destination.secrets["token"] == .environment("TELEGRAM_BOT_TOKEN"))
        #expect(telegram.maxCount == 20)

        let discord = try ConfigurationLoader.load(
            flag: nil,
            environment: [
                "HOME": "/nonexistent", "OWNER_REPORT_CHANNEL": "discord",
                "OWNER_REPORT_TARGET": "channel:1480577550445969541",
            ])
        let bot = try discord.destination(named: discord.defaultDestination)
        #expect(bot.target == "channel:1480577550445969541")
        #expect(bot.secrets["token"] == .environment("DISCORD_BOT_TOKEN"))

        let file = try ConfigurationLoader.load(
            flag: nil, environment: ["HOME": "/nonexistent", "OWNER_REPORT_TARGET": "/tmp/owner-outbox"])
        #expect(try file.destination(named: "local").path == "/tmp/owner-outbox")
    }

    @Test func badSeedVariablesAreConfigurationErrors() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(flag: nil, environment: ["HOME": "/x", "OWNER_REPORT_MAX_COUNT": "lots"])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                flag: nil, environment: ["HOME": "/x", "OWNER_REPORT_CHANNEL": "carrier-pigeon"])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(flag: nil, environment: ["HOME": "/x", "OWNER_REPORT_CHANNEL": "webhook"])
        }
    }

    @Test func theQueueRootComesFromTheFlagThenTheEnvironment() {
        #expect(Locations.queueRoot(flag: "/q", environment: ["OWNER_REPORT_HOME": "/h"]) == "/q")
        #expect(Locations.queueRoot(flag: nil, environment: ["OWNER_REPORT_HOME": "/h"]) == "/h")
        if geteuid() != 0 {
            #expect(Locations.queueRoot(flag: nil, environment: ["XDG_STATE_HOME": "/s"]) == "/s/owner-report")
        } else {
            #expect(Locations.queueRoot(flag: nil, environment: [:]) == "/var/lib/owner-report")
        }
    }
}

@Suite struct FleetConfigurationTests {
    @Test func fleetSettingsAreReadAndTheHostDefaultsToTheMachines() throws {
        let plain = try ConfigurationLoader.parse("", file: "config.toml")
        #expect(
            FleetPolicy.isValidHost(plain.fleet.host) && plain.fleet.database == nil && plain.fleet.shipBatch == 500)
        let set = try ConfigurationLoader.parse(
            "[fleet]\nhost = \"web-1.eu_2\"\ndatabase_file = \"/etc/owner-report/fleet\"\nship_batch = 2000",
            file: "config.toml")
        #expect(
            set.fleet.host == "web-1.eu_2" && set.fleet.database == .file("/etc/owner-report/fleet")
                && set.fleet.shipBatch == 2000)
    }

    @Test(arguments: [
        ("[fleet]\nhost = \"web 1\"", "fleet.host"), ("[fleet]\nhost = \"\"", "fleet.host"),
        ("[fleet]\nhost = \"\(String(repeating: "a", count: 65))\"", "fleet.host"),
        ("[fleet]\nship_batch = 2001", "fleet.ship_batch"),
        ("[fleet]\nship_batch = 0", "fleet.ship_batch"),
        ("[fleet]\ndatabase_env = \"A\"\ndatabase_file = \"/b\"", "fleet.database_file"),
        ("[fleet]\ndatabase = \"postgresql://u:p@h/db\"", "fleet.database"),
        ("[intake.relay_origins]\n\"web 1\" = { secret_env = \"X\" }", "intake.relay_origins.web 1"),
        ("[intake.relay_origins]\nweb-1 = { token_env = \"X\" }", "intake.relay_origins.web-1.token_env"),
        ("[intake.relay_origins]\nweb-1 = { }", "intake.relay_origins.web-1.secret_env"),
    ])
    func badFleetSettingsNameTheirKey(text: String, key: String) {
        #expect {
            try ConfigurationLoader.parse(text, file: "config.toml")
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func relayOriginsAreReadOneSecretPerHost() throws {
        let text =
            "[intake.relay_origins]\nweb-1 = { secret_env = \"RELAY_WEB_1\" }\n[intake.relay_origins.db-1]\nsecret_file = \"/etc/r\""
        let configuration = try ConfigurationLoader.parse(text, file: "config.toml")
        #expect(configuration.intake.relayOrigins == ["web-1": .environment("RELAY_WEB_1"), "db-1": .file("/etc/r")])
    }

    @Test func aRelayedReportHasALaneOfItsOwnPerOriginHost() {
        let local = Report(kind: .note, title: "t", fields: [:], body: "")
        let relayed = Report(kind: .note, title: "t", fields: [Lane.originField: .text("web-2")], body: "")
        #expect(Lane.name(destination: "owner", report: local) == "owner")
        #expect(Lane.name(destination: "owner", report: relayed) == "owner from web-2")
    }
}
