internal import CCurl
import OwnerReportCore

/// One reused libcurl easy handle (a lane's connection) with the options every transfer shares.
///
/// Every transfer is bounded by connect and total timeouts, never raises signals, never follows
/// redirects, and may only speak http, https, smtp and smtps. `HTTPClient` and `SMTPClient` add
/// what their protocol needs.
final class CurlTransfer {
    let handle: UnsafeMutableRawPointer
    let library: CurlLibrary
    let timeout: Duration
    let connectTimeout: Duration
    /// Asked while a transfer runs (libcurl calls back at least once a second, more often while data
    /// moves): a stop aborts the transfer, which then fails as a transient error, instead of running
    /// to its timeout.
    var interruption: Interruption?
    /// How long a transfer under way may still run after a stop: long enough for a destination that
    /// answers to be heard (and the report recorded as delivered), short enough that a hanging one
    /// never holds a daemon's shutdown.
    static let stopGrace: Duration = .seconds(2)

    /// Opens libcurl on first use (`CurlLibrary.shared`) and makes the handle.
    init(timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        let library = try CurlLibrary.shared.get()
        guard let handle = library.easyInit() else {
            throw CurlError(code: Int32(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed", url: "")
        }
        self.handle = handle
        self.library = library
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    deinit { library.easyCleanup(handle) }

    /// Resets the handle (keeping its connections), sets the shared options, lets `configure` add
    /// its own, and runs the transfer (`curl_easy_perform`).
    func perform(url: String, configure: (CurlOptions) -> Void) throws(CurlError) {
        library.easyReset(handle)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let options = CurlOptions(handle: handle, library: library)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            options.string(CURLOPT_URL, url)
            options.long(CURLOPT_NOSIGNAL, 1)
            options.long(CURLOPT_TIMEOUT_MS, Int(timeout.seconds * 1000))
            options.long(CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.seconds * 1000))
            options.string(CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps")
            options.string(CURLOPT_REDIR_PROTOCOLS_STR, "http,https,smtp,smtps")
            options.long(CURLOPT_FOLLOWLOCATION, 0)
            options.pointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress))
            if interruption != nil {
                options.long(CURLOPT_NOPROGRESS, 0)
                options.progressCallback { context, _, _, _, _ in
                    guard let context else { return 0 }
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.interruption?.isRequested(for: CurlTransfer.stopGrace) == true ? 1 : 0
                }
                options.pointer(CURLOPT_XFERINFODATA, Unmanaged.passUnretained(self).toOpaque())
            }
            configure(options)
            return library.easyPerform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message =
                detail.isEmpty ? library.easyStrerror(code).map { String(cString: $0) } ?? "curl error" : detail
            throw CurlError(code: Int32(code.rawValue), message: message, url: CurlError.redacted(url))
        }
    }

    /// The last response code: the HTTP status, or the SMTP reply code (`CURLINFO_RESPONSE_CODE`).
    var responseCode: Int {
        var code = 0
        CCurl_getinfo_long(library.getinfo, handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}
