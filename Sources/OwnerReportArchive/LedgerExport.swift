import Foundation
import OwnerReportCore
import OwnerReportLedger

/// The audit trail of a period, one row per ledger event, as CSV (RFC 4180) or a JSON array.
public enum LedgerExport {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json
    }

    public static let columns = [
        "seq", "at", "event", "report", "destination", "status", "part", "parts", "detail", "enqueued_at", "sha256",
        "not_before", "facts", "prev_hash", "hash",
    ]

    /// Events with `since ≤ at < until`, oldest first.
    public static func events(_ ledger: Ledger, since: Timestamp?, until: Timestamp?) throws -> [LedgerEvent] {
        var conditions: [String] = []
        var values: [Statement.Value] = []
        if let since {
            conditions.append("at >= ?")
            values.append(.text(since.iso8601UTC))
        }
        if let until {
            conditions.append("at < ?")
            values.append(.text(until.iso8601UTC))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
        return try ledger.query("\(filter)ORDER BY seq", values)
    }

    static func fields(_ event: LedgerEvent) -> [String?] {
        [
            String(event.sequence), event.time, event.kind.rawValue, event.report, event.destination,
            event.status.map(String.init),
            event.part.map(String.init), event.parts.map(String.init), event.detail, event.enqueuedAt?.iso8601UTC,
            event.sha256,
            event.notBefore?.iso8601UTC, event.facts, event.previousHash, event.hash,
        ]
    }

    /// Writes the rows to `output` as they are made, so a long ledger needs no memory for its text.
    public static func write(_ events: [LedgerEvent], as format: Format, to output: (String) throws -> Void) throws {
        switch format {
        case .csv:
            try output(columns.joined(separator: ",") + "\r\n")
            for event in events {
                try output(fields(event).map { csvField($0 ?? "") }.joined(separator: ",") + "\r\n")
            }
        case .json:
            try output("[")
            for (index, event) in events.enumerated() {
                var object: [String: Any] = [:]
                for (column, value) in zip(columns, fields(event)) {
                    switch column {
                    case "seq", "status", "part", "parts": object[column] = value.flatMap(Int.init) ?? NSNull()
                    default: object[column] = value ?? NSNull()
                    }
                }
                let data = try JSONSerialization.data(
                    withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                try output((index == 0 ? "\n" : ",\n") + String(decoding: data, as: UTF8.self))
            }
            try output(events.isEmpty ? "]\n" : "\n]\n")
        }
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> String {
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { ",\"\r\n".unicodeScalars.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
