import Foundation
import OwnerReportCore

/// Builds the transport for each configured destination, reading its secrets once.
public enum TransportFactory {
    /// - Parameter host: this host's name in a fleet (`[fleet] host`), which the `webhook` channel sends.
    /// - Parameter pace: the destination's pace when another lane already sends to it.
    public static func make(
        _ destination: Destination, queue: QueueDirectory, policy: DeliveryPolicy, secrets: SecretResolver,
        timeZone: TimeZone, host: String,
        pace: Pace = Pace()
    ) throws -> Transport {
        switch destination.channel {
        case .file:
            return FileTransport(destination: destination, queue: queue, timeZone: timeZone)
        case .webhook:
            return try WebhookTransport(destination: destination, policy: policy, secrets: secrets, host: host)
        case .email:
            return try EmailTransport(destination: destination, policy: policy, secrets: secrets, timeZone: timeZone)
        case .discord:
            return try ChatTransport(
                service: DiscordService(destination: destination, secrets: secrets), policy: policy, secrets: secrets,
                timeZone: timeZone, pace: pace)
        case .telegram:
            return try ChatTransport(
                service: TelegramService(destination: destination, secrets: secrets), policy: policy, secrets: secrets,
                timeZone: timeZone, pace: pace)
        case .slack:
            return try ChatTransport(
                service: SlackService(destination: destination, secrets: secrets), policy: policy, secrets: secrets,
                timeZone: timeZone, pace: pace)
        }
    }
}

extension TransportFactory {
    /// One transport (and so one reused connection) per configured destination: the lanes.
    ///
    /// Every destination's secrets are read here, before anything moves, so a missing token is a
    /// configuration error at the start of a run and never a half-done run.
    public static func makeAll(
        for configuration: Configuration, queue: QueueDirectory, secrets: SecretResolver
    ) throws -> [String: Transport] {
        var transports: [String: Transport] = [:]
        for (name, destination) in configuration.destinations {
            transports[name] = try make(
                destination, queue: queue, policy: configuration.delivery, secrets: secrets,
                timeZone: configuration.timeZone, host: configuration.fleet.host)
        }
        return transports
    }
}

extension TransportFactory {
    /// A transport for another lane of `transport`'s destination (a relayed origin's lane): its own
    /// connection, the destination's pace shared.
    public static func sibling(
        of transport: Transport, queue: QueueDirectory, configuration: Configuration, secrets: SecretResolver
    ) throws -> Transport {
        try make(
            transport.destination, queue: queue, policy: configuration.delivery, secrets: secrets,
            timeZone: configuration.timeZone,
            host: configuration.fleet.host, pace: (transport as? ChatTransport)?.pace ?? Pace())
    }
}
