import OwnerReportCore
import OwnerReportLedger

/// Every host's shipped rows as a ledger of its own, for the `--fleet` reports.
public enum FleetLedgers {
    /// For each host, the rows a report of `[start, end)` reads (`FleetTable.periodFilter`), copied into
    /// an in-memory ledger; hosts by name.
    ///
    /// The reports then read them with the queries a host's own ledger answers, so a fleet's figure is
    /// the sum of the hosts' figures by construction; a year of history is not loaded for one day.
    public static func load(_ connection: PostgresConnection, from start: Timestamp, to end: Timestamp) throws -> [(
        host: String, ledger: Ledger
    )] {
        try FleetTable.hosts(connection).map { host, _, _ in
            let ledger = try Ledger.scratch()
            try FleetTable.walk(connection, host: host, for: (start, end)) { try ledger.insertVerbatim($0) }
            return (host, ledger)
        }
    }
}
