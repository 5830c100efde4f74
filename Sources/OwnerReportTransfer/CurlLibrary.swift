internal import CCurl
import OwnerReportCore
#if canImport(Glibc)
    import Glibc
#endif

/// libcurl, opened with `dlopen(3)` on first use rather than linked (see Sources/CCurl/shim.h).
///
/// Loading libcurl maps it and about thirty libraries under it (TLS, IDN, HTTP/2, SSH, LDAP…): several
/// milliseconds and megabytes that a one-shot program with nothing to send should not pay.
/// `shared` is opened once per process, then `curl_global_init` runs before any handle exists.
struct CurlLibrary: @unchecked Sendable {
    /// The soname of libcurl 7.x and 8.x, which Debian's libcurl4 provides (the package depends on it).
    static let soname = "libcurl.so.4"

    let easyInit: @convention(c) () -> UnsafeMutableRawPointer?
    let easyCleanup: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let easyReset: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let easyPerform: @convention(c) (UnsafeMutableRawPointer?) -> CURLcode
    let easyStrerror: @convention(c) (CURLcode) -> UnsafePointer<CChar>?
    let slistAppend:
        @convention(c) (UnsafeMutablePointer<curl_slist>?, UnsafePointer<CChar>?) -> UnsafeMutablePointer<curl_slist>?
    let slistFreeAll: @convention(c) (UnsafeMutablePointer<curl_slist>?) -> Void
    /// The variadic functions, called through the shim's typed wrappers.
    let setopt: UnsafeMutableRawPointer
    let getinfo: UnsafeMutableRawPointer

    /// The library, or why it could not be opened (a clear error, never a crash).
    static let shared: Result<CurlLibrary, CurlError> = load()

    private static func load() -> Result<CurlLibrary, CurlError> {
        do {
            return .success(try open())
        } catch {
            return .failure(error)
        }
    }

    private static func open() throws(CurlError) -> CurlLibrary {
        func failure(_ message: String) -> CurlError {
            CurlError(code: Int32(CURLE_FAILED_INIT.rawValue), message: message, url: soname)
        }
        let shared: SharedLibrary
        do {
            shared = try SharedLibrary(soname: soname, package: "libcurl4", purpose: "libcurl")
        } catch {
            throw failure(error.message)
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(CurlError) -> T {
            do {
                return try shared.symbol(name, as: type)
            } catch {
                throw failure(error.message)
            }
        }
        let library = CurlLibrary(
            easyInit: try symbol("curl_easy_init", (@convention(c) () -> UnsafeMutableRawPointer?).self),
            easyCleanup: try symbol("curl_easy_cleanup", (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
            easyReset: try symbol("curl_easy_reset", (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
            easyPerform: try symbol("curl_easy_perform", (@convention(c) (UnsafeMutableRawPointer?) -> CURLcode).self),
            easyStrerror: try symbol("curl_easy_strerror", (@convention(c) (CURLcode) -> UnsafePointer<CChar>?).self),
            slistAppend: try symbol(
                "curl_slist_append",
                (@convention(c) (UnsafeMutablePointer<curl_slist>?, UnsafePointer<CChar>?) -> UnsafeMutablePointer<
                    curl_slist
                >?).self),
            slistFreeAll: try symbol(
                "curl_slist_free_all", (@convention(c) (UnsafeMutablePointer<curl_slist>?) -> Void).self),
            setopt: try symbol("curl_easy_setopt", UnsafeMutableRawPointer.self),
            getinfo: try symbol("curl_easy_getinfo", UnsafeMutableRawPointer.self))
        let globalInit = try symbol("curl_global_init", (@convention(c) (Int) -> CURLcode).self)
        let code = globalInit(Int(CURL_GLOBAL_ALL))
        guard code == CURLE_OK else { throw failure("curl_global_init failed (curl error \(code.rawValue))") }
        return library
    }
}

/// The options of one transfer, set on its handle through the library's `curl_easy_setopt`.
struct CurlOptions {
    let handle: UnsafeMutableRawPointer
    let library: CurlLibrary

    func long(_ option: CURLoption, _ value: Int) { _ = CCurl_setopt_long(library.setopt, handle, option, value) }
    func string(_ option: CURLoption, _ value: String) {
        _ = CCurl_setopt_string(library.setopt, handle, option, value)
    }
    func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) {
        _ = CCurl_setopt_pointer(library.setopt, handle, option, value)
    }
    func callback(_ option: CURLoption, _ value: CCurl_data_callback) {
        _ = CCurl_setopt_callback(library.setopt, handle, option, value)
    }
    func debugCallback(_ value: CCurl_debug_callback) { _ = CCurl_setopt_debug_callback(library.setopt, handle, value) }
    func progressCallback(_ value: CCurl_progress_callback) {
        _ = CCurl_setopt_progress_callback(library.setopt, handle, value)
    }
}
