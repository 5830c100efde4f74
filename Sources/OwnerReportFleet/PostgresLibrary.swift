internal import CPQ
import OwnerReportCore
#if canImport(Glibc)
    import Glibc
#endif

/// libpq, opened with `dlopen(3)` on first use rather than linked (see Sources/CPQ/shim.h).
///
/// Only `ship`, `verify --fleet` and the `--fleet` reports talk to PostgreSQL; every other start of the
/// producer and the archiver stays as light as before. `shared` is opened once per process.
struct PostgresLibrary: @unchecked Sendable {
    /// The soname of libpq 9.x to 17.x, which Debian's libpq5 provides (the package depends on it).
    static let soname = "libpq.so.5"

    let connect: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    let status: @convention(c) (OpaquePointer?) -> ConnStatusType
    let errorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let finish: @convention(c) (OpaquePointer?) -> Void
    let setNoticeProcessor:
        @convention(c) (OpaquePointer?, PQnoticeProcessor?, UnsafeMutableRawPointer?) -> PQnoticeProcessor?
    let execParams:
        @convention(c) (
            OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?,
            UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
        ) -> OpaquePointer?
    let resultStatus: @convention(c) (OpaquePointer?) -> ExecStatusType
    let resultErrorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let rowCount: @convention(c) (OpaquePointer?) -> Int32
    let columnCount: @convention(c) (OpaquePointer?) -> Int32
    let value: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let isNull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let commandTuples: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let clear: @convention(c) (OpaquePointer?) -> Void

    /// The library, or why it could not be opened (a clear error, never a crash).
    static let shared: Result<PostgresLibrary, PostgresError> = load()

    private static func load() -> Result<PostgresLibrary, PostgresError> {
        do {
            return .success(try open())
        } catch {
            return .failure(error)
        }
    }

    private static func open() throws(PostgresError) -> PostgresLibrary {
        let shared: SharedLibrary
        do {
            shared = try SharedLibrary(soname: soname, package: "libpq5", purpose: "libpq")
        } catch {
            throw PostgresError(error.message)
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(PostgresError) -> T {
            do {
                return try shared.symbol(name, as: type)
            } catch {
                throw PostgresError(error.message)
            }
        }
        return PostgresLibrary(
            connect: try symbol("PQconnectdb", (@convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?).self),
            status: try symbol("PQstatus", (@convention(c) (OpaquePointer?) -> ConnStatusType).self),
            errorMessage: try symbol(
                "PQerrorMessage", (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?).self),
            finish: try symbol("PQfinish", (@convention(c) (OpaquePointer?) -> Void).self),
            setNoticeProcessor: try symbol(
                "PQsetNoticeProcessor",
                (@convention(c) (OpaquePointer?, PQnoticeProcessor?, UnsafeMutableRawPointer?) -> PQnoticeProcessor?)
                    .self),
            execParams: try symbol(
                "PQexecParams",
                (@convention(c) (
                    OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?,
                    UnsafePointer<UnsafePointer<CChar>?>?,
                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
                ) -> OpaquePointer?).self),
            resultStatus: try symbol("PQresultStatus", (@convention(c) (OpaquePointer?) -> ExecStatusType).self),
            resultErrorMessage: try symbol(
                "PQresultErrorMessage", (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?).self),
            rowCount: try symbol("PQntuples", (@convention(c) (OpaquePointer?) -> Int32).self),
            columnCount: try symbol("PQnfields", (@convention(c) (OpaquePointer?) -> Int32).self),
            value: try symbol(
                "PQgetvalue", (@convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?).self),
            isNull: try symbol("PQgetisnull", (@convention(c) (OpaquePointer?, Int32, Int32) -> Int32).self),
            commandTuples: try symbol(
                "PQcmdTuples", (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?).self),
            clear: try symbol("PQclear", (@convention(c) (OpaquePointer?) -> Void).self))
    }
}
