import OwnerReportCore

/// The fleet database of a configuration: `[fleet] database_env` or `database_file`, a libpq
/// connection string read as a secret (never printed; masked wherever libpq echoes part of it).
public enum FleetDatabase {
    /// Whether `[fleet]` names a database (the archiver's pass then ships).
    public static func isConfigured(_ configuration: Configuration) -> Bool { configuration.fleet.database != nil }

    public static func connect(_ configuration: Configuration, secrets: SecretResolver) throws -> PostgresConnection {
        guard let source = configuration.fleet.database else {
            throw ConfigurationError(
                file: configuration.sourceName, key: "fleet.database_env",
                message:
                    "missing: set [fleet] database_env or database_file to a libpq connection string (docs/fleet.md)")
        }
        return try PostgresConnection(
            connectionString: try secrets.connectionString(of: source, key: "fleet.database"), secrets: secrets)
    }
}
