import Foundation

/// The whole configuration of a run: destinations, routes and delivery policy, after env overrides.
public struct Configuration: Sendable {
    /// The file it came from, or nil for the embedded default.
    public var file: String?
    /// How reports show time; the ledger stores UTC.
    public var timeZone: TimeZone
    public var defaultDestination: String
    /// Where the watchdog alerts when the main chain is broken.
    public var fallbackDestination: String?
    public var delivery: DeliveryPolicy
    /// Report kind → destination names; kinds not listed go to `defaultDestination`.
    public var routes: [ReportKind: [String]]
    public var destinations: [String: Destination]
    /// Reports a watchdog run drains at most (`OWNER_REPORT_MAX_COUNT`, default 5).
    public var maxCount: Int
    public var watchdog = WatchdogPolicy()
    public var reports = ReportsPolicy()
    public var escalation = EscalationPolicy()
    /// `[expect.NAME]`, sorted by name: the reports and pings that must come.
    public var expectations: [Expectation] = []
    public var archive = ArchivePolicy()
    public var submit = SubmitPolicy()
    public var intake = IntakePolicy()
    public var fleet = FleetPolicy()

    /// The embedded default: one `file` destination into `outbox/`.
    public static let embeddedDefault = Configuration(
        file: nil, timeZone: .current, defaultDestination: Destination.embeddedDefault.name,
        fallbackDestination: nil, delivery: DeliveryPolicy(), routes: [:],
        destinations: [Destination.embeddedDefault.name: .embeddedDefault], maxCount: 5)

    /// How errors name where the configuration came from.
    public var sourceName: String { file ?? "(embedded default)" }

    /// The destination names a report goes to: its own `destination:` field, else its kind's route, else the default.
    public func destinationNames(for report: Report) -> [String] {
        if let named = report.destination {
            return named.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        }
        return routes[report.kind] ?? [defaultDestination]
    }

    /// The destination of that name; the error names where the name came from (`key`) and the known names.
    public func destination(named name: String, key: String = "destinations") throws(ConfigurationError) -> Destination
    {
        guard let destination = destinations[name] else {
            let known = destinations.keys.sorted().joined(separator: ", ")
            throw ConfigurationError(
                file: sourceName, key: key, message: "no destination named '\(name)' (known: \(known))")
        }
        return destination
    }
}

/// Where the queue directory and the config file are, from flags, the environment and the defaults of docs/design.md §2.
public enum Locations {
    /// The queue of a system install, whose `submit.sock` takes other users' reports.
    public static let systemQueueRoot = "/var/lib/owner-report"

    /// `--queue`, else `OWNER_REPORT_HOME`, else `/var/lib/owner-report` for root, else the XDG state directory.
    public static func queueRoot(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let home = environment["OWNER_REPORT_HOME"], !home.isEmpty { return home }
        if geteuid() == 0 { return systemQueueRoot }
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(homeDirectory(environment))/.local/state"
        return "\(state)/owner-report"
    }

    /// The config file to read and whether it was asked for explicitly (then it must exist).
    public static func configFile(flag: String?, environment: [String: String]) -> (path: String, explicit: Bool) {
        if let flag, !flag.isEmpty { return (flag, true) }
        if let path = environment["OWNER_REPORT_CONFIG"], !path.isEmpty { return (path, true) }
        if geteuid() == 0 { return ("/etc/owner-report/config.toml", false) }
        return ("\(homeDirectory(environment))/.config/owner-report/config.toml", false)
    }

    private static func homeDirectory(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }
}
