import OwnerReportCore
import OwnerReportLedger

/// Checks every host's chain in the fleet database: `owner-report-archiver verify --fleet`.
///
/// Each host's rows are walked from its row 1 by the same rules as a host's own ledger (`ChainWalk`):
/// no number missing, each row linked to the hash before it, each hash matching its row. A row edited
/// in the database, or deleted, is named with its host.
public struct FleetVerifier {
    public struct HostCheck: Sendable {
        public var host: String
        public var rows: Int
        public var last: Int64
        public var findings: [ChainBreak]
    }

    /// Findings kept per host: a rewritten table breaks at every row; the first ones say where.
    public static let findingsPerHost = 20

    private let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Every host's check, hosts by name; none when nothing was shipped yet.
    public func run() throws -> [HostCheck] {
        try FleetTable.hosts(connection).map { host, rows, last in
            var walk = ChainWalk()
            var findings: [ChainBreak] = []
            try FleetTable.walk(connection, host: host) { events in
                for event in events {
                    if let problem = walk.check(event), findings.count < Self.findingsPerHost { findings.append(problem) }
                }
            }
            return HostCheck(host: host, rows: rows, last: last, findings: findings)
        }
    }
}

/// Every host's shipped rows as a ledger of its own, for the `--fleet` reports.
public enum FleetLedgers {
    /// Each host's rows recorded before `end`, copied into an in-memory ledger, hosts by name.
    ///
    /// The reports then read them with the queries a host's own ledger answers, so a fleet's figure is
    /// the sum of the hosts' figures by construction.
    public static func load(_ connection: PostgresConnection, before end: Timestamp) throws -> [(host: String, ledger: Ledger)] {
        try FleetTable.hosts(connection).map { host, _, _ in
            let ledger = try Ledger.scratch()
            try FleetTable.walk(connection, host: host, before: end) { try ledger.insertVerbatim($0) }
            return (host, ledger)
        }
    }
}
