import Logging
import OwnerReportCore

/// Something that reads acknowledgements back from a chat (§15): on a thread of its own beside the
/// daemon, or once per watchdog pass when no daemon runs.
public protocol AcknowledgementReader: AnyObject {
    var destination: Destination { get }
    /// One look, without waiting for news.
    func pollOnce() throws
    /// Reads on a thread of its own until `stop()`.
    func start()
    func stop()
}

extension TelegramUpdates: AcknowledgementReader {
    public func pollOnce() throws { try poll(wait: .zero) }
}

extension DiscordReactions: AcknowledgementReader {
    public func pollOnce() throws { try poll() }
}

public enum AcknowledgementReaders {
    /// One reader for each destination with `acknowledgements = true` (Telegram, or a Discord bot).
    public static func makeAll(for configuration: Configuration, queue: QueueDirectory, secrets: SecretResolver, logger: Logger) throws -> [AcknowledgementReader] {
        try configuration.destinations.values.sorted { $0.name < $1.name }.filter(\.acknowledgements).compactMap { destination in
            switch destination.channel {
            case .telegram: try TelegramUpdates(destination: destination, queue: queue, policy: configuration.delivery, secrets: secrets, logger: logger)
            case .discord: try DiscordReactions(destination: destination, queue: queue, policy: configuration.delivery, secrets: secrets, logger: logger)
            default: nil
            }
        }
    }
}
