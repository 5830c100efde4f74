internal import CPQ
#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore

/// One connection to PostgreSQL through libpq: parameterised statements, text results.
///
/// Synchronous on purpose: `ship` and the fleet reports are one-shot programs that send a statement and
/// wait for its answer, and the archiver's pass is no event loop. Every message is one line, with the
/// connection string's secrets masked.
public final class PostgresConnection {
    private let library: PostgresLibrary
    private let handle: OpaquePointer
    private let secrets: SecretResolver

    /// Connects with a libpq connection string (`host=… dbname=…` or `postgresql://…`), read through
    /// `secrets.connectionString(of:key:)` so that it and its password are masked in libpq's messages.
    ///
    /// Unless the environment says otherwise, a connection attempt gives up after 10 s
    /// (`PGCONNECT_TIMEOUT`) and the server sees the application name `owner-report` (`PGAPPNAME`).
    public init(connectionString: String, secrets: SecretResolver) throws(PostgresError) {
        self.secrets = secrets
        switch PostgresLibrary.shared {
        case .success(let library): self.library = library
        case .failure(let error): throw error
        }
        setenv("PGCONNECT_TIMEOUT", "10", 0)
        setenv("PGAPPNAME", "owner-report", 0)
        guard let handle = library.connect(connectionString) else {
            throw PostgresError("cannot connect to the fleet database: out of memory")
        }
        guard library.status(handle) == CONNECTION_OK else {
            let reason = Self.oneLine(library.errorMessage(handle).map { String(cString: $0) } ?? "no reason given")
            library.finish(handle)
            throw PostgresError("cannot connect to the fleet database: \(secrets.redact(reason))")
        }
        self.handle = handle
        _ = library.setNoticeProcessor(handle, CPQ_ignore_notice, nil)
    }

    deinit { library.finish(handle) }

    /// What a statement returned: its rows (text, nil for NULL) and how many rows it changed.
    public struct Result: Sendable {
        public var rows: [[String?]]
        /// For INSERT, UPDATE and DELETE: the rows affected (`PQcmdTuples`); 0 otherwise.
        public var affected: Int
    }

    /// Runs one statement with `$1…$n` bound to `parameters` (text; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> Result {
        // The values are copied into C strings that live until the statement returns.
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let result = copies.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                library.execParams(handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        guard let result else {
            throw PostgresError(
                "the fleet database did not answer: \(secrets.redact(Self.oneLine(library.errorMessage(handle).map { String(cString: $0) } ?? "")))"
            )
        }
        defer { library.clear(result) }
        let status = library.resultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let reason = library.resultErrorMessage(result).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw PostgresError("the fleet database refused a statement: \(secrets.redact(Self.oneLine(reason)))")
        }
        var rows: [[String?]] = []
        let count = library.rowCount(result), columns = library.columnCount(result)
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            var values: [String?] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns {
                values.append(
                    library.isNull(result, row, column) != 0
                        ? nil : library.value(result, row, column).map { String(cString: $0) })
            }
            rows.append(values)
        }
        let affected = library.commandTuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return Result(rows: rows, affected: affected)
    }

    /// libpq's messages end in a newline and may span lines (DETAIL, HINT): one line, parts kept.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
