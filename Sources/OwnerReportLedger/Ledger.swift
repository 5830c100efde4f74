import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// The audit ledger (docs/design.md §7): an append-only, hash-chained event log in SQLite.
///
/// Triggers refuse UPDATE and DELETE; each row's hash covers its content and the previous row's hash,
/// so an edit made after dropping the triggers is still found by `verifyChain()`.
public final class Ledger {
    public let database: Database
    /// The hash the first row chains to.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Opens the ledger at `path`, creating the schema on first use.
    public init(path: String) throws(SQLiteError) {
        // Create the file 0600 first: SQLite gives its -wal and -shm files the main file's mode. Only
        // when it does not exist (O_EXCL): closing a descriptor of the open ledger would drop every
        // POSIX lock this process holds on it, the locks of its other connections included (a daemon's
        // acknowledgement reader beside its deliveries), and SQLite's locking would no longer hold.
        if access(path, F_OK) != 0 {
            let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor >= 0 {
                close(descriptor)
                // Its name is new: durable only once its directory is fsynced (SQLite syncs the directory
                // for the -wal file it makes, not for the main file it is handed).
                try? DurableFile.syncDirectory(DurableFile.directoryName(of: path))
            }
        }
        database = try Database(path: path)
        try Self.switchToWriteAheadLog(database)
        try database.execute("PRAGMA synchronous=FULL")
        try createSchema()
        try addFactsColumnIfMissing()
        try createKeyIndexes()
    }

    /// Puts a new ledger in WAL mode (which then persists in the file). The switch needs the file to
    /// itself, and SQLite answers "database is locked" at once instead of waiting out the busy timeout
    /// when another process is opening the same new ledger (eight producers started together on a
    /// fresh queue), so it is tried again for as long as a busy timeout would have waited.
    private static func switchToWriteAheadLog(_ database: Database, patience: Duration = .seconds(10))
        throws(SQLiteError)
    {
        let deadline = ContinuousClock.now + patience
        var pause = 0.002
        while true {
            do {
                try database.execute("PRAGMA journal_mode=WAL")
                return
            } catch  where error.primary == .busy && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: pause * Double.random(in: 0.5...1.5))
                pause = min(pause * 2, 0.1)
            }
        }
    }

    /// A ledger in memory, never on disk: rows shipped from elsewhere (the fleet's) are copied into it
    /// with `insertVerbatim` so that the reports read them with the same queries as a host's own ledger.
    public static func scratch() throws(SQLiteError) -> Ledger {
        try Ledger(database: try Database(path: ":memory:"))
    }

    private init(database: Database) throws(SQLiteError) {
        self.database = database
        try createSchema()
        try createKeyIndexes()
    }

    /// Rows as they were stored elsewhere (their numbers, times and hashes kept), in one transaction.
    /// Only into a `scratch()` ledger: a host's own ledger gains rows by `append`, which chains them.
    public func insertVerbatim(_ events: [LedgerEvent]) throws {
        precondition(database.path == ":memory:", "insertVerbatim is for a scratch ledger, not \(database.path)")
        let insert = try cachedStatements().insert
        try database.writeTransaction {
            for event in events {
                try insert.run(Self.columns(of: event))
            }
        }
    }

    private func createSchema() throws(SQLiteError) {
        try database.execute(
            """
            BEGIN IMMEDIATE;
            CREATE TABLE IF NOT EXISTS events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                event TEXT NOT NULL,
                report TEXT,
                destination TEXT,
                status INTEGER,
                part INTEGER,
                parts INTEGER,
                detail TEXT,
                enqueued_at_ns INTEGER,
                sha256 TEXT,
                not_before_ns INTEGER,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                facts TEXT
            );
            CREATE INDEX IF NOT EXISTS events_by_report ON events(report, seq);
            CREATE INDEX IF NOT EXISTS events_by_kind ON events(event, seq);
            CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;
            CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;
            COMMIT;
            """)
    }

    /// The indexes a retry's key is looked up by (`ReportKey`), and a task's latest report (expectations):
    /// a ledger of a million rows answers at once.
    private func createKeyIndexes() throws(SQLiteError) {
        try database.execute(
            """
            CREATE INDEX IF NOT EXISTS events_by_sender_key ON events(json_extract(facts, '$.idempotencyKey')) WHERE event = 'enqueued';
            CREATE INDEX IF NOT EXISTS events_by_cause ON events(json_extract(facts, '$.cause')) WHERE event = 'enqueued';
            CREATE INDEX IF NOT EXISTS events_by_task ON events(json_extract(facts, '$.task'), seq) WHERE event = 'enqueued';
            """)
    }

    /// Ledgers made before `facts` existed get the column; their rows keep their hashes (see `hashedContent`).
    private func addFactsColumnIfMissing() throws(SQLiteError) {
        let columns = try database.prepare("SELECT name FROM pragma_table_info('events')")
        while try columns.step() {
            if columns.text(0) == "facts" { return }
        }
        try database.execute("ALTER TABLE events ADD COLUMN facts TEXT")
    }

    /// Opens an existing ledger for reading only (dry runs, reports); nil when there is none yet.
    ///
    /// With no -wal file beside it no connection is open, and it is opened immutable so that reading
    /// creates no -wal or -shm file either; otherwise a writer may be at work and SQLite's usual
    /// read-only locking applies.
    public init?(readingAt path: String) throws(SQLiteError) {
        guard access(path, F_OK) == 0 else { return nil }
        database = try Database(path: path, readOnly: true, immutable: access("\(path)-wal", F_OK) != 0)
    }

    /// Opens the ledger of a queue directory.
    public convenience init(queue: QueueDirectory) throws(SQLiteError) {
        try self.init(path: queue.ledgerPath)
    }

    /// How a command opens its queue's ledger.
    public enum OpenMode: Sendable {
        /// Read only, creating nothing (a dry run, a status, a report): nil when there is no ledger yet.
        case reading
        /// Read and write, created with its schema on first use.
        case writing
    }

    /// A queue's ledger opened for `mode`: one place for `dryRun ? .reading : .writing`.
    public static func open(_ queue: QueueDirectory, _ mode: OpenMode) throws(SQLiteError) -> Ledger? {
        switch mode {
        case .reading: try Ledger(readingAt: queue.ledgerPath)
        case .writing: try Ledger(queue: queue)
        }
    }

    /// Appends one event in its own `BEGIN IMMEDIATE` transaction and returns it as stored.
    @discardableResult
    public func append(_ draft: LedgerEvent.Draft, at time: Timestamp = .now()) throws -> LedgerEvent {
        try append([draft], at: time)[0]
    }

    /// Appends events in one `BEGIN IMMEDIATE` transaction, chained in the order given: all of them
    /// become durable together, or none does (one commit, one fsync of the write-ahead log).
    @discardableResult
    public func append(_ drafts: [LedgerEvent.Draft], at time: Timestamp = .now()) throws -> [LedgerEvent] {
        guard !drafts.isEmpty else { return [] }
        return try database.writeTransaction { try appendInTransaction(drafts, at: time) }
    }

    /// Chains and inserts rows inside a transaction the caller holds.
    @discardableResult
    func appendInTransaction(_ drafts: [LedgerEvent.Draft], at time: Timestamp) throws -> [LedgerEvent] {
        guard !drafts.isEmpty else { return [] }
        let statements = try cachedStatements()
        defer {
            statements.last.reset()
            statements.next.reset()
        }
        try statements.last.bind([])
        let hasLast = try statements.last.step()
        var previousHash = hasLast ? (statements.last.text(1) ?? Self.genesisHash) : Self.genesisHash
        // AUTOINCREMENT never reuses a number; ask SQLite for the next one so the hash can cover it.
        try statements.next.bind([])
        _ = try statements.next.step()
        var sequence = statements.next.integer(0) ?? 1
        let stamp = time.iso8601UTC
        var stored: [LedgerEvent] = []
        stored.reserveCapacity(drafts.count)
        for draft in drafts {
            var event = LedgerEvent(sequence: sequence, time: stamp, draft, previousHash: previousHash, hash: "")
            event.hash = Self.hash(of: event)
            try statements.insert.run(Self.columns(of: event))
            previousHash = event.hash
            sequence += 1
            stored.append(event)
        }
        return stored
    }

    /// A row's values in the order of the INSERT's columns.
    private static func columns(of event: LedgerEvent) -> [Statement.Value] {
        [
            .integer(event.sequence), .text(event.time), .text(event.kind.rawValue), .optional(event.report),
            .optional(event.destination), .optional(event.status.map(Int64.init)),
            .optional(event.part.map(Int64.init)),
            .optional(event.parts.map(Int64.init)), .optional(event.detail), .optional(event.enqueuedAt?.rawValue),
            .optional(event.sha256), .optional(event.notBefore?.rawValue), .text(event.previousHash), .text(event.hash),
            .optional(event.facts),
        ]
    }

    /// The three statements every append runs, prepared once per connection.
    private struct AppendStatements {
        let last: Statement
        let next: Statement
        let insert: Statement
    }

    private var appendStatements: AppendStatements?

    private func cachedStatements() throws(SQLiteError) -> AppendStatements {
        if let appendStatements { return appendStatements }
        let statements = AppendStatements(
            last: try database.prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"),
            next: try database.prepare(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1"),
            insert: try database.prepare(
                """
                INSERT INTO events (seq, at, event, report, destination, status, part, parts, detail,
                                    enqueued_at_ns, sha256, not_before_ns, prev_hash, hash, facts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """))
        appendStatements = statements
        return statements
    }

    /// Every event about one report, oldest first.
    public func events(for report: String) throws(SQLiteError) -> [LedgerEvent] {
        // Asked once per report a pass looks at: the statement is prepared once per connection.
        let statement: Statement
        if let prepared = reportEvents {
            statement = prepared
        } else {
            statement = try database.prepare(Self.selectEvents + "WHERE report = ? ORDER BY seq")
            reportEvents = statement
        }
        return try read(statement, [.text(report)])
    }

    private var reportEvents: Statement?

    /// The statement that finds the report enqueued under a key of one kind, prepared once per connection.
    func keyLookup(_ key: ReportKey) throws(SQLiteError) -> Statement {
        if let known = keyLookups[key.factsPath] { return known }
        // The same expression and condition as the partial index, so SQLite uses it.
        let statement = try database.prepare(
            "SELECT report FROM events WHERE event = 'enqueued' AND json_extract(facts, '\(key.factsPath)') = ? ORDER BY seq LIMIT 1"
        )
        keyLookups[key.factsPath] = statement
        return statement
    }

    private var keyLookups: [String: Statement] = [:]

    /// Every event, oldest first.
    public func allEvents() throws(SQLiteError) -> [LedgerEvent] {
        try query("ORDER BY seq", [])
    }

    /// Events selected by an SQL tail (`WHERE … ORDER BY …`) with bound values.
    public func query(_ tail: String, _ values: [Statement.Value]) throws(SQLiteError) -> [LedgerEvent] {
        try read(try database.prepare(Self.selectEvents + tail), values)
    }

    private static let selectEvents =
        "SELECT seq, at, event, report, destination, status, part, parts, detail, enqueued_at_ns, sha256, not_before_ns, prev_hash, hash, facts FROM events "

    private func read(_ statement: Statement, _ values: [Statement.Value]) throws(SQLiteError) -> [LedgerEvent] {
        try statement.bind(values)
        defer { statement.reset() }
        var events: [LedgerEvent] = []
        while try statement.step() {
            events.append(
                LedgerEvent(
                    sequence: statement.integer(0) ?? 0, time: statement.text(1) ?? "",
                    .init(
                        .init(rawValue: statement.text(2) ?? ""), report: statement.text(3),
                        destination: statement.text(4),
                        status: statement.integer(5).map(Int.init), part: statement.integer(6).map(Int.init),
                        parts: statement.integer(7).map(Int.init), detail: statement.text(8),
                        enqueuedAt: statement.integer(9).map(Timestamp.init(rawValue:)), sha256: statement.text(10),
                        notBefore: statement.integer(11).map(Timestamp.init(rawValue:)), facts: statement.text(14)),
                    previousHash: statement.text(12) ?? "", hash: statement.text(13) ?? ""))
        }
        return events
    }

    /// Walks the whole chain; returns the first row whose hash or link does not match, if any.
    public func verifyChain() throws(SQLiteError) -> ChainBreak? {
        var walk = ChainWalk()
        for event in try allEvents() {
            if let problem = walk.check(event) { return problem }
        }
        return nil
    }

    static func hash(of event: LedgerEvent) -> String {
        DigitText.hex(SHA256.hash(Array(event.hashedContent.utf8)))
    }
}

/// The chain's rules, row after row from the first: numbers without a gap, each row linked to the
/// hash of the row before it, each hash matching its row's content. A host's own ledger and the rows
/// it shipped to the fleet database are checked by the same walk.
public struct ChainWalk: Sendable {
    private var expectedPrevious = Ledger.genesisHash
    private var expectedSequence: Int64 = 1

    public init() {}

    /// The row's problem, if it has one; the walk then goes on from this row as stored.
    public mutating func check(_ event: LedgerEvent) -> ChainBreak? {
        defer {
            expectedPrevious = event.hash
            expectedSequence = event.sequence + 1
        }
        if event.sequence != expectedSequence {
            return ChainBreak(
                sequence: event.sequence,
                reason: expectedSequence + 1 == event.sequence
                    ? "row \(expectedSequence) is missing"
                    : "rows \(expectedSequence) to \(event.sequence - 1) are missing")
        }
        if event.previousHash != expectedPrevious {
            return ChainBreak(sequence: event.sequence, reason: "does not chain to the row before it")
        }
        if Ledger.hash(of: event) != event.hash {
            return ChainBreak(sequence: event.sequence, reason: "content does not match its hash (edited)")
        }
        return nil
    }
}
