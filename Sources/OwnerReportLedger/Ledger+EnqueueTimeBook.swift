import OwnerReportCore

extension Ledger: EnqueueTimeBook {
    public func enqueueTime(of name: String) throws -> Timestamp? {
        // `+event` keeps SQLite on events_by_report (a few rows) rather than events_by_kind (every enqueued row).
        try query("WHERE report = ? AND +event = 'enqueued' ORDER BY seq LIMIT 1", [.text(name)]).first?.enqueuedAt
    }

    public func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws {
        try append(
            .init(
                .enqueued, report: name, detail: "first seen in pending/ (dropped in by hand)", enqueuedAt: enqueuedAt,
                sha256: sha256))
    }
}
