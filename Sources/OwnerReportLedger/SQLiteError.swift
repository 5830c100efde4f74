#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// A failed SQLite call: the result code, SQLite's message and the statement it was about.
public struct SQLiteError: OperatorFacingError, Equatable {
    /// The extended result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT` = 19, `SQLITE_FULL` = 13, …).
    public var code: Int32
    public var message: String
    public var sql: String?
    /// The database file.
    public var path: String
    /// The errno of the system call that failed under an I/O error (`sqlite3_system_errno`), else 0.
    public var systemErrno: Int32 = 0

    /// Whether the disk (or the file system's quota) is full.
    public var isDiskFull: Bool { primary == .full || systemErrno == ENOSPC || systemErrno == EDQUOT }

    /// The primary result code (the low byte of the extended one).
    public var primary: Code { Code(rawValue: code & 0xFF) }

    public init(code: Int32, message: String, sql: String? = nil, path: String) {
        self.code = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    public var description: String {
        let hint: String
        switch primary {
        case _ where isDiskFull: hint = " (the disk is full: free space, then run again; nothing was lost)"
        case .busy, .locked: hint = " (the ledger is locked by another process; try again)"
        case .ioError where systemErrno != 0: hint = " (\(String(cString: strerror(systemErrno))))"
        case .corrupt, .notADatabase: hint = " (the file is not a usable SQLite database)"
        default: hint = ""
        }
        return "\(path): ledger: \(message)\(hint)"
    }

    public var exitStatus: ExitStatus {
        if isDiskFull { return .ioError }
        return switch primary {
        case .busy, .locked: .temporaryFailure
        case .cannotOpen: .cannotCreate
        default: .ioError
        }
    }

    /// A primary SQLite result code, for matching.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let busy = Code(rawValue: 5)
        public static let locked = Code(rawValue: 6)
        public static let ioError = Code(rawValue: 10)
        public static let corrupt = Code(rawValue: 11)
        public static let full = Code(rawValue: 13)
        public static let cannotOpen = Code(rawValue: 14)
        public static let constraint = Code(rawValue: 19)
        public static let notADatabase = Code(rawValue: 26)

        /// Matches an error by primary result code in a `catch` pattern: `catch SQLiteError.Code.busy`.
        public static func ~= (pattern: Code, error: any Error) -> Bool {
            guard let error = error as? SQLiteError else { return false }
            return error.primary == pattern
        }
    }
}
