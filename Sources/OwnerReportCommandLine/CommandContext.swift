import ArgumentParser
import Logging
import OwnerReportCore

/// What the delivering commands (driver, watchdog) start from.
public struct CommandContext {
    public let logger: Logger
    public let configuration: Configuration
    public let queue: QueueDirectory
    public let secrets: SecretResolver
}

extension CommonOptions {
    /// Sets up logging, loads the configuration and runs `body`; an error becomes one line on
    /// standard error and its exit status, and the status `body` returns becomes the exit status.
    public func run(program: String, _ body: (CommandContext) throws -> ExitStatus) throws {
        let logger = bootstrapLogging(label: program)
        var status = ExitStatus.success
        try reportingErrors(program: program) {
            let configuration = try loadConfiguration()
            let secrets = SecretResolver(environment: environment, configurationFile: configuration.sourceName)
            status = try body(
                CommandContext(logger: logger, configuration: configuration, queue: queueDirectory, secrets: secrets))
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }

    /// Warns once when the queue is on NFS and the like, where flock, inotify and WAL are unsafe.
    public func warnIfOnNetworkFileSystem(program: String) {
        let queue = queueDirectory
        if queue.isOnNetworkFileSystem {
            printError(
                "\(program): warning: \(queue.root) is on a network file system; flock, inotify and SQLite WAL are not safe there"
            )
        }
    }
}
