import OwnerReportCore

/// Builds the transport for each configured destination, reading its secrets once.
public enum TransportFactory {
    public static func make(
        _ destination: Destination, queue: QueueDirectory, policy: DeliveryPolicy, secrets: SecretResolver
    ) throws -> Transport {
        switch destination.channel {
        case .file:
            return FileTransport(destination: destination, queue: queue)
        case .webhook:
            return try WebhookTransport(destination: destination, policy: policy, secrets: secrets)
        case .discord, .telegram, .slack, .email:
            throw ConfigurationError(
                file: secrets.configurationFile, key: "destinations.\(destination.name).channel",
                message: "the \(destination.channel.rawValue) channel is not available in this version yet (file and webhook are)")
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
            let transport = try make(destination, queue: queue, policy: configuration.delivery, secrets: secrets)
            if let file = transport as? FileTransport { file.timeZone = configuration.timeZone }
            transports[name] = transport
        }
        return transports
    }
}
