import OwnerReportCore
import OwnerReportLedger

/// Copies a host's new ledger rows to the fleet database: `owner-report-archiver ship`.
///
/// Each batch is one INSERT (one transaction) keyed by (host, seq) with `ON CONFLICT DO NOTHING`, and
/// a ship resumes after the last row the database holds for this host. A ship killed at any moment
/// leaves whole batches behind, and the next one carries on from there: every row exactly once.
///
/// Before it copies, it checks that the database's last row for this host has the hash of this
/// ledger's row of that number, and it checks the same of any row of a batch that was there already.
/// A mismatch means another ledger ships under this host's name (a copied config, a ledger started
/// over), or the table was changed; it stops with the row named rather than mix two chains.
public struct FleetShipper {
    public struct Outcome: Sendable, Equatable {
        /// Rows this ship inserted.
        public var shipped: Int
        /// Rows of its batches the database held already (another ship of the same rows at once).
        public var alreadyThere: Int
        /// The database's last row for this host before and after.
        public var from: Int64
        public var to: Int64
    }

    private let connection: PostgresConnection
    private let ledger: Ledger
    private let host: String
    private let batch: Int

    public init(connection: PostgresConnection, ledger: Ledger, host: String, batch: Int) {
        self.connection = connection
        self.ledger = ledger
        self.host = host
        self.batch = max(1, batch)
    }

    /// Ships every row after the database's last one; `progress` hears the last row shipped after each batch.
    public func run(progress: (Int64) -> Void = { _ in }) throws -> Outcome {
        try FleetTable.prepare(connection)
        let last = try connection.execute(
            "SELECT seq, hash FROM \(FleetTable.name) WHERE host = $1 ORDER BY seq DESC LIMIT 1", [host]
        ).rows.first
        let from = last.flatMap { $0[0] }.flatMap { Int64($0) } ?? 0
        if from > 0 { try checkSame(seq: from, fleetHash: last?[1] ?? "") }
        var cursor = from, shipped = 0, alreadyThere = 0
        while true {
            let rows = try ledger.query(
                "WHERE seq > ? ORDER BY seq LIMIT ?", [.integer(cursor), .integer(Int64(batch))])
            guard let end = rows.last else { break }
            let inserted = try connection.execute(
                FleetTable.insertStatement, FleetTable.parameters(of: rows, host: host)
            ).affected
            if inserted < rows.count { try checkSame(rows) }
            shipped += inserted
            alreadyThere += rows.count - inserted
            cursor = end.sequence
            progress(cursor)
        }
        return Outcome(shipped: shipped, alreadyThere: alreadyThere, from: from, to: cursor)
    }

    /// The database's row `seq` of this host must be this ledger's row `seq`.
    private func checkSame(seq: Int64, fleetHash: String) throws {
        guard let local = try ledger.query("WHERE seq = ?", [.integer(seq)]).first else {
            let head = try ledger.query("ORDER BY seq DESC LIMIT 1", []).first?.sequence ?? 0
            throw PostgresError(
                "the fleet database holds host '\(host)' up to row \(seq), but this ledger ends at row \(head): "
                    + "another ledger ships as '\(host)' (set [fleet] host to this host's own name), or this one was started over",
                exitStatus: .dataError)
        }
        guard local.hash == fleetHash else {
            throw PostgresError(
                "row \(seq) of host '\(host)' in the fleet database has hash \(fleetHash.prefix(16))…, this ledger's has \(local.hash.prefix(16))…: "
                    + "another ledger ships as '\(host)', or the fleet table was changed (owner-report-archiver verify --fleet)",
                exitStatus: .dataError)
        }
    }

    /// Rows a batch found there already must be the same rows.
    private func checkSame(_ rows: [LedgerEvent]) throws {
        guard let first = rows.first, let last = rows.last else { return }
        let stored = try connection.execute(
            "SELECT seq, hash FROM \(FleetTable.name) WHERE host = $1 AND seq BETWEEN $2 AND $3",
            [host, String(first.sequence), String(last.sequence)])
        let hashes = Dictionary(
            stored.rows.map { (Int64($0[0] ?? "") ?? 0, $0[1] ?? "") }, uniquingKeysWith: { first, _ in first })
        for row in rows where hashes[row.sequence] != row.hash {
            try checkSame(seq: row.sequence, fleetHash: hashes[row.sequence] ?? "(none)")
        }
    }
}

extension FleetShipper {
    /// What one ship of a queue's ledger did, or would do.
    public enum PassResult: Sendable, Equatable {
        /// Rows shipped (or, for a dry run, that would be), in `seconds`.
        case shipped(Outcome, host: String, seconds: Double)
        /// The queue has no ledger yet.
        case noLedger
        /// Another ship holds `state/ship.lock` (the timer's and the archiver pass's overlapped).
        case busy
    }

    /// One ship of `queue`'s ledger to the configured fleet database, under `state/ship.lock`.
    ///
    /// A dry run connects and reads the database's last row for this host, and counts the rows that
    /// would go; it creates nothing and inserts nothing.
    public static func pass(
        queue: QueueDirectory, configuration: Configuration, secrets: SecretResolver, dryRun: Bool,
        progress: @escaping (Int64) -> Void = { _ in }
    ) throws -> PassResult {
        let host = configuration.fleet.host
        guard let ledger = try Ledger.open(queue, .reading) else { return .noLedger }
        let connection = try FleetDatabase.connect(configuration, secrets: secrets)
        let started = Timestamp.now()
        func seconds() -> Double { Double(Timestamp.now().rawValue - started.rawValue) / 1e9 }
        if dryRun {
            var from: Int64 = 0
            if try FleetTable.exists(connection) {
                from =
                    try connection.execute(
                        "SELECT COALESCE(max(seq), 0) FROM \(FleetTable.name) WHERE host = $1", [host]
                    ).rows.first?.first?.flatMap { Int64($0) } ?? 0
            }
            let head = try ledger.query("ORDER BY seq DESC LIMIT 1", []).first?.sequence ?? 0
            let waiting = Int(max(0, head - from))
            return .shipped(
                Outcome(shipped: waiting, alreadyThere: 0, from: from, to: max(from, head)), host: host,
                seconds: seconds())
        }
        try queue.prepare()
        guard let lock = try FileLock.acquire(at: "\(queue.state)/ship.lock", wait: false) else { return .busy }
        return try withExtendedLifetime(lock) {
            let outcome = try FleetShipper(
                connection: connection, ledger: ledger, host: host, batch: configuration.fleet.shipBatch
            ).run(progress: progress)
            return .shipped(outcome, host: host, seconds: seconds())
        }
    }
}
