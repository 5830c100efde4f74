extension Ledger {
    /// Copies the write-ahead log into the database and truncates it (`PRAGMA wal_checkpoint(TRUNCATE)`).
    /// Returns the pages checkpointed; a busy result (a reader holds the log) is reported, not hidden.
    @discardableResult
    public func checkpoint() throws(SQLiteError) -> (busy: Bool, pages: Int) {
        let statement = try database.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
        _ = try statement.step()
        return (statement.integer(0) == 1, Int(statement.integer(2) ?? 0))
    }

    /// Rebuilds the file without free pages (`VACUUM`); it needs free disk space about the ledger's size.
    public func vacuum() throws(SQLiteError) {
        try database.execute("VACUUM")
    }

    /// SQLite's own structural check: nil when `PRAGMA integrity_check` says ok, else its first complaint.
    public func integrityProblem() throws(SQLiteError) -> String? {
        let statement = try database.prepare("PRAGMA integrity_check")
        _ = try statement.step()
        let answer = statement.text(0) ?? "?"
        return answer == "ok" ? nil : answer
    }
}
