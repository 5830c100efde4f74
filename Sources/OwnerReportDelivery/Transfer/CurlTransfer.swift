internal import CCurl
import OwnerReportCore

/// `curl_global_init` runs once, before any handle exists (libcurl requires it before threads start).
private let curlInitialized: Bool = {
    curl_global_init(Int(CURL_GLOBAL_ALL))
    return true
}()

/// One reused libcurl easy handle (a lane's connection) with the options every transfer shares.
///
/// Every transfer is bounded by connect and total timeouts, never raises signals, never follows
/// redirects, and may only speak http, https, smtp and smtps. `HTTPClient` and `SMTPClient` add
/// what their protocol needs.
final class CurlTransfer {
    let handle: UnsafeMutableRawPointer
    let timeout: Duration
    let connectTimeout: Duration

    init(timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        _ = curlInitialized
        guard let handle = curl_easy_init() else {
            throw CurlError(code: Int32(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed", url: "")
        }
        self.handle = handle
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    deinit { curl_easy_cleanup(handle) }

    /// Resets the handle (keeping its connections), sets the shared options, lets `configure` add
    /// its own, and runs the transfer (`curl_easy_perform`).
    func perform(url: String, configure: (UnsafeMutableRawPointer) -> Void) throws(CurlError) {
        curl_easy_reset(handle)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            CCurl_setopt_string(handle, CURLOPT_URL, url)
            CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout.seconds * 1000))
            CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.seconds * 1000))
            CCurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps")
            CCurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,smtp,smtps")
            CCurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
            configure(handle)
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw CurlError(code: Int32(code.rawValue), message: message, url: CurlError.redacted(url))
        }
    }

    /// The last response code: the HTTP status, or the SMTP reply code (`CURLINFO_RESPONSE_CODE`).
    var responseCode: Int {
        var code = 0
        CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}
