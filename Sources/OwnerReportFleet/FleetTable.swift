import OwnerReportCore
import OwnerReportLedger

/// The fleet ledger's one table: every host's ledger rows, keyed by (host, seq), each with its hash,
/// append-only like a host's own ledger (a trigger refuses UPDATE and DELETE).
enum FleetTable {
    static let name = "owner_report_events"

    /// The columns a shipped row fills, in order (`shipped_at` is the database's own clock).
    static let columns = [
        "host", "seq", "at", "event", "report", "destination", "status", "part", "parts", "detail", "enqueued_at_ns",
        "sha256",
        "not_before_ns", "prev_hash", "hash", "facts",
    ]
    private static let types = [
        "text", "bigint", "text", "text", "text", "text", "integer", "integer", "integer", "text", "bigint", "text",
        "bigint", "text", "text", "text",
    ]

    /// Creates the table, its trigger and the trigger's function when the table is missing.
    ///
    /// Hosts ship at the same minute: the creation runs under a transaction-scoped advisory lock, so
    /// that two first ships do not race on the catalogue.
    static func prepare(_ connection: PostgresConnection) throws(PostgresError) {
        if try exists(connection) { return }
        try connection.execute("BEGIN")
        do {
            try connection.execute("SELECT pg_advisory_xact_lock(7237940217401)")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS \(name) (
                    host text NOT NULL,
                    seq bigint NOT NULL,
                    at text NOT NULL,
                    event text NOT NULL,
                    report text,
                    destination text,
                    status integer,
                    part integer,
                    parts integer,
                    detail text,
                    enqueued_at_ns bigint,
                    sha256 text,
                    not_before_ns bigint,
                    prev_hash text NOT NULL,
                    hash text NOT NULL,
                    facts text,
                    shipped_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (host, seq)
                )
                """)
            try connection.execute(
                """
                CREATE OR REPLACE FUNCTION \(name)_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '\(name) is append-only: % refused', TG_OP; END $$
                """)
            try connection.execute(
                """
                CREATE OR REPLACE TRIGGER \(name)_append_only BEFORE UPDATE OR DELETE ON \(name)
                FOR EACH ROW EXECUTE FUNCTION \(name)_append_only()
                """)
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    static func exists(_ connection: PostgresConnection) throws(PostgresError) -> Bool {
        try connection.execute("SELECT to_regclass($1) IS NOT NULL", [name]).rows.first?.first == "t"
    }

    /// One INSERT for a whole batch: each column's values travel as one array parameter, unnested
    /// into rows by the server, so the statement has 16 parameters however many rows it carries
    /// (a multi-row VALUES list has 16 per row, and the server's parse and bind grow with them).
    static let insertStatement =
        "INSERT INTO \(name) (\(columns.joined(separator: ", "))) SELECT * FROM unnest("
        + types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        + ") ON CONFLICT (host, seq) DO NOTHING"

    /// The batch's 16 parameters: one PostgreSQL array literal per column.
    ///
    /// Built as UTF-8 bytes, one buffer per column: appending to a String scalar by scalar was most
    /// of a ship's CPU.
    static func parameters(of events: [LedgerEvent], host: String) -> [String?] {
        let rows = events.map { parameters(of: $0, host: host) }
        return columns.indices.map { column in
            var literal: [UInt8] = [UInt8(ascii: "{")]
            for (index, row) in rows.enumerated() {
                if index > 0 { literal.append(UInt8(ascii: ",")) }
                appendArrayElement(row[column], to: &literal)
            }
            literal.append(UInt8(ascii: "}"))
            return String(decoding: literal, as: UTF8.self)
        }
    }

    /// An element of an array literal: NULL, or the text double-quoted with `\` and `"` escaped.
    static func appendArrayElement(_ value: String?, to literal: inout [UInt8]) {
        guard let value else {
            literal.append(contentsOf: "NULL".utf8)
            return
        }
        literal.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { literal.append(UInt8(ascii: "\\")) }
            literal.append(byte)
        }
        literal.append(UInt8(ascii: "\""))
    }

    /// A ledger row's values in `columns` order.
    static func parameters(of event: LedgerEvent, host: String) -> [String?] {
        [
            host, String(event.sequence), event.time, event.kind.rawValue, event.report, event.destination,
            event.status.map(String.init),
            event.part.map(String.init), event.parts.map(String.init), event.detail,
            event.enqueuedAt.map { String($0.rawValue) },
            event.sha256, event.notBefore.map { String($0.rawValue) }, event.previousHash, event.hash, event.facts,
        ]
    }

    /// The SELECT list that `event(from:)` reads, after `host`.
    static let selectList = columns.dropFirst().joined(separator: ", ")

    /// A row read back with `selectList` (its first value is `seq`).
    static func event(from row: [String?]) -> LedgerEvent {
        func integer(_ index: Int) -> Int? { row[index].flatMap { Int($0) } }
        func wide(_ index: Int) -> Int64? { row[index].flatMap { Int64($0) } }
        return LedgerEvent(
            sequence: wide(0) ?? 0, time: row[1] ?? "",
            .init(
                .init(rawValue: row[2] ?? ""), report: row[3], destination: row[4], status: integer(5),
                part: integer(6), parts: integer(7),
                detail: row[8], enqueuedAt: wide(9).map(Timestamp.init(rawValue:)), sha256: row[10],
                notBefore: wide(11).map(Timestamp.init(rawValue:)), facts: row[14]),
            previousHash: row[12] ?? "", hash: row[13] ?? "")
    }

    /// One host's rows in order, `page` at a time: all of them, or those a report of `period` reads.
    static func walk(
        _ connection: PostgresConnection, host: String, for period: (start: Timestamp, end: Timestamp)? = nil,
        page: Int = 5000,
        _ body: ([LedgerEvent]) throws -> Void
    ) throws {
        var after: Int64 = 0
        while true {
            var sql = "SELECT \(selectList) FROM \(name) WHERE host = $1 AND seq > $2"
            var parameters: [String?] = [host, String(after)]
            if let period {
                sql += " AND " + periodFilter
                parameters += [period.start.iso8601UTC, period.end.iso8601UTC]
            }
            let rows = try connection.execute(sql + " ORDER BY seq LIMIT \(page)", parameters).rows.map(event(from:))
            guard let last = rows.last else { return }
            try body(rows)
            after = last.sequence
        }
    }

    /// The rows the daily and weekly reports of [$3, $4) read, of host $1: the period's own rows, every
    /// incident's opening, resolution and acknowledgement before its end (an incident opened last month
    /// may be open still), and the `enqueued` row of each report the period saw (its latency counts
    /// from there). The rest of a long history stays in the database.
    static let periodFilter = """
        at < $4 AND (at >= $3 OR event IN ('incident_opened', 'incident_resolved', 'acknowledged') \
        OR (event = 'enqueued' AND report IN (SELECT report FROM \(name) WHERE host = $1 AND at >= $3 AND at < $4 AND report IS NOT NULL)))
        """

    /// The hosts that shipped, with their row counts and last row, by name.
    static func hosts(_ connection: PostgresConnection) throws(PostgresError) -> [(
        host: String, rows: Int, last: Int64
    )] {
        guard try exists(connection) else { return [] }
        return try connection.execute("SELECT host, count(*), max(seq) FROM \(name) GROUP BY host ORDER BY host").rows
            .map {
                ($0[0] ?? "", Int($0[1] ?? "") ?? 0, Int64($0[2] ?? "") ?? 0)
            }
    }
}
