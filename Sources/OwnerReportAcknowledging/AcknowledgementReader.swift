import Foundation
import Logging
import OwnerReportCore
import Synchronization

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
    public static func makeAll(
        for configuration: Configuration, queue: QueueDirectory, secrets: SecretResolver, logger: Logger
    ) throws -> [AcknowledgementReader] {
        try configuration.destinations.values.sorted { $0.name < $1.name }.filter(\.acknowledgements).compactMap {
            destination in
            switch destination.channel {
            case .telegram:
                try TelegramUpdates(
                    destination: destination, queue: queue, policy: configuration.delivery, secrets: secrets,
                    logger: logger)
            case .discord:
                try DiscordReactions(
                    destination: destination, queue: queue, policy: configuration.delivery, secrets: secrets,
                    logger: logger)
            default: nil
            }
        }
    }
}

/// A chat refused a read (a wrong token, a missing permission, a long rate limit, another reader).
public struct AcknowledgementReadRefused: OperatorFacingError {
    public var destination: String
    /// What was asked: `getUpdates`, or `Discord`.
    public var request: String
    public var status: Int
    public var detail: String
    public var description: String { "destination '\(destination)': \(request) answered HTTP \(status): \(detail)" }
    public var exitStatus: ExitStatus { .temporaryFailure }
}

/// The thread a reader polls on beside the daemon, until `stop()`. A failure is logged and followed
/// by a longer pause; every pause is cut in quarter seconds, so a stop is seen at once.
final class PollingThread: @unchecked Sendable {
    private let stopping = Atomic<Bool>(false)

    func start(
        name: String, destination: String, logger: Logger, pause: Duration, pauseAfterFailure: Duration,
        poll: @escaping @Sendable () throws -> Void
    ) {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                var wait = pause
                do {
                    try poll()
                } catch {
                    logger.error(
                        "reading acknowledgements failed",
                        metadata: ["destination": "\(destination)", "error": "\(error)"])
                    wait = pauseAfterFailure
                }
                for _ in 0..<Int(wait.seconds * 4) where !stopping.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 0.25)
                }
            }
        }
        thread.name = name
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
    }
}
