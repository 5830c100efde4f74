import OwnerReportCore
import OwnerReportLedger

/// Checks every host's chain in the fleet database: `owner-report-archiver verify --fleet`.
///
/// Each host's rows are walked from its row 1 by the same rules as a host's own ledger (`ChainWalk`):
/// no number missing, each row linked to the hash before it, each hash matching its row. A row edited
/// in the database, or deleted, is named with its host.
///
/// Run on a host with a ledger, it also holds that host's rows in the database against the ledger
/// itself, hash by hash. A chain rewritten in the database with every hash recomputed passes the
/// walk, as it would on a host; it does not pass its own host's comparison.
public struct FleetVerifier {
    public struct HostCheck: Sendable {
        public var host: String
        public var rows: Int
        public var last: Int64
        public var findings: [ChainBreak]
        /// Whether the rows were also compared with this host's own ledger.
        public var comparedWithLedger: Bool
    }

    /// Findings kept per host: a rewritten table breaks at every row; the first ones say where.
    public static let findingsPerHost = 20

    private let connection: PostgresConnection
    private let own: (host: String, ledger: Ledger)?

    /// - Parameter own: this host's name and ledger, when there is one to compare its rows with.
    public init(connection: PostgresConnection, own: (host: String, ledger: Ledger)? = nil) {
        self.connection = connection
        self.own = own
    }

    /// Every host's check, hosts by name; none when nothing was shipped yet.
    public func run() throws -> [HostCheck] {
        try FleetTable.hosts(connection).map { host, rows, last in
            var walk = ChainWalk()
            var findings: [ChainBreak] = []
            func note(_ problem: ChainBreak) {
                if findings.count < Self.findingsPerHost { findings.append(problem) }
            }
            let ledger = own.flatMap { $0.host == host ? $0.ledger : nil }
            try FleetTable.walk(connection, host: host) { events in
                for event in events {
                    if let problem = walk.check(event) { note(problem) }
                }
                guard let ledger, let first = events.first, let last = events.last else { return }
                let mine = try ledger.query(
                    "WHERE seq BETWEEN ? AND ?", [.integer(first.sequence), .integer(last.sequence)])
                let hashes = Dictionary(mine.map { ($0.sequence, $0.hash) }, uniquingKeysWith: { first, _ in first })
                for event in events {
                    guard let hash = hashes[event.sequence] else {
                        note(ChainBreak(sequence: event.sequence, reason: "is not in this host's own ledger"))
                        continue
                    }
                    if hash != event.hash {
                        note(
                            ChainBreak(
                                sequence: event.sequence,
                                reason: "differs from this host's own ledger (hash \(hash.prefix(16))…)"))
                    }
                }
            }
            return HostCheck(host: host, rows: rows, last: last, findings: findings, comparedWithLedger: ledger != nil)
        }
    }
}
