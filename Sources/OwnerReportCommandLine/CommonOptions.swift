import ArgumentParser
import Foundation
import Logging
import OwnerReportCore

/// The flags every owner-report program takes: where the queue and the config are, and how to talk.
public struct CommonOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The queue directory (env OWNER_REPORT_HOME; default /var/lib/owner-report as root, else ~/.local/state/owner-report).",
            valueName: "dir"))
    public var queue: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The TOML config file (env OWNER_REPORT_CONFIG; default /etc/owner-report/config.toml as root, else ~/.config/owner-report/config.toml). Without one, reports go to the file destination outbox/ in the queue.",
            valueName: "file"))
    public var config: String?

    @Flag(name: .long, help: "Explain more on standard error.")
    public var verbose = false

    @Flag(name: .long, help: "Print machine-readable JSON on standard output.")
    public var json = false

    public init() {}

    /// The process environment the options fall back on.
    public var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The queue directory these options name.
    public var queueDirectory: QueueDirectory {
        QueueDirectory(root: Locations.queueRoot(flag: queue, environment: environment))
    }

    /// The queue a producer submits to: `queueDirectory`, except that a user with no queue of their own
    /// (none named, none made yet) on a host whose system queue takes submissions submits there.
    public var submissionQueueDirectory: QueueDirectory {
        let own = queueDirectory
        let named = !(queue ?? "").isEmpty || !(environment["OWNER_REPORT_HOME"] ?? "").isEmpty
        guard !named, geteuid() != 0, access(own.root, F_OK) != 0 else { return own }
        let system = QueueDirectory(root: Locations.systemQueueRoot)
        return access(system.submitSocket, F_OK) == 0 ? system : own
    }

    /// Loads the configuration, with environment overrides.
    public func loadConfiguration() throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.load(flag: config, environment: environment)
    }

    /// Sets up logging to standard error: warnings, or everything down to debug with `--verbose`.
    public func bootstrapLogging(label: String) -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
