internal import CSQLite
import OwnerReportCore

/// One connection to an SQLite database file (the `sqlite3*` handle), closed when released.
public final class Database {
    private let handle: OpaquePointer
    public let path: String

    /// Opens (creating if needed) the database at `path` with a busy timeout.
    ///
    /// - Parameter immutable: read-only, and no -wal or -shm file is made: for a file no process is
    ///   writing (SQLite's `immutable=1`), so that a dry run leaves the directory as it was.
    public init(path: String, readOnly: Bool = false, immutable: Bool = false, busyTimeout: Duration = .seconds(10))
        throws(SQLiteError)
    {
        var pointer: OpaquePointer?
        let access = readOnly || immutable ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | (immutable ? SQLITE_OPEN_URI : 0)
        var name = path
        if immutable {
            let escaped = path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
                .replacingOccurrences(of: "#", with: "%23")
            name = "file:\(escaped)?immutable=1"
        }
        let code = sqlite3_open_v2(name, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(pointer)
            throw SQLiteError(code: code, message: message, path: path)
        }
        self.handle = pointer
        self.path = path
        sqlite3_extended_result_codes(pointer, 1)
        sqlite3_busy_timeout(pointer, Int32(busyTimeout.components.seconds * 1000))
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows (`sqlite3_exec`).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            var error = SQLiteError(code: code, message: text, sql: sql, path: path)
            error.systemErrno = sqlite3_system_errno(handle)
            throw error
        }
    }

    /// Prepares a statement (`sqlite3_prepare_v2`).
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, sql: sql) }
        return Statement(handle: statement, database: self, sql: sql)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func error(_ code: Int32, sql: String?) -> SQLiteError {
        var error = SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
        // An I/O error is only as clear as the system call under it: ENOSPC is a full disk, not corruption.
        error.systemErrno = sqlite3_system_errno(handle)
        return error
    }
}

/// A prepared statement (`sqlite3_stmt*`), finalized when released.
public final class Statement {
    private let handle: OpaquePointer
    private let database: Database
    public let sql: String

    fileprivate init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// A value bound to a `?` parameter.
    public enum Value: Hashable, Sendable {
        case integer(Int64)
        case text(String)
        case null

        static func optional(_ text: String?) -> Value { text.map(Value.text) ?? .null }
        static func optional(_ number: Int64?) -> Value { number.map(Value.integer) ?? .null }
    }

    /// Binds the parameters in order, after resetting the statement.
    public func bind(_ values: [Value]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, CSQLite_transient())
            case .null: code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw database.error(code, sql: sql) }
        }
    }

    /// Advances to the next row (`sqlite3_step`); false when there are no more.
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code, sql: sql)
        }
    }

    /// Runs a statement that returns no rows, and resets it so that it holds no lock afterwards.
    public func run(_ values: [Value] = []) throws(SQLiteError) {
        try bind(values)
        defer { reset() }
        while try step() {}
    }

    /// Ends the statement's current run (`sqlite3_reset`): a kept statement that stopped on a row would
    /// otherwise hold its read snapshot open.
    public func reset() {
        sqlite3_reset(handle)
    }

    public func integer(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    public func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }
}
