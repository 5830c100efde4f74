internal import CCurl
import Foundation
import OwnerReportCore

/// `curl_global_init` runs once, before any handle exists (libcurl requires it before threads start).
private let curlInitialized: Bool = {
    curl_global_init(Int(CURL_GLOBAL_ALL))
    return true
}()

/// One reused libcurl easy handle (a lane's connection), for HTTP POSTs.
///
/// Every transfer is bounded by connect and total timeouts, never raises signals, never follows
/// redirects, and may only speak http, https, smtp and smtps.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    public let timeout: Duration
    public let connectTimeout: Duration
    /// How much of a response body is kept: enough for error messages and message ids.
    public static let bodyLimit = 65_536

    public init(timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        _ = curlInitialized
        guard let handle = curl_easy_init() else {
            throw CurlError(code: Int32(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed", url: "")
        }
        self.handle = handle
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    deinit { curl_easy_cleanup(handle) }

    /// Collects the response while libcurl calls back.
    private final class Collector {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
    }

    /// POSTs `body` to `url` with `headers`; returns whatever the server answered, errors included.
    public func post(url: String, headers: [(String, String)], body: [UInt8]) throws(CurlError) -> HTTPResponse {
        curl_easy_reset(handle)
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers { list = curl_slist_append(list, "\(name): \(value)") }
        // An empty Expect stops libcurl from waiting a second for "100 Continue" on larger bodies.
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime(collector) {
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                CCurl_setopt_string(handle, CURLOPT_URL, url)
                CCurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                CCurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout.seconds * 1000))
                CCurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.seconds * 1000))
                CCurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps")
                CCurl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,smtp,smtps")
                CCurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                CCurl_setopt_string(handle, CURLOPT_USERAGENT, "owner-report/0.1 (+https://github.com/owner-report)")
                CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                CCurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
                CCurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
                // COPYPOSTFIELDS copies the bytes during the call, so the pointer need not outlive it.
                body.withUnsafeBytes { bytes in
                    _ = CCurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
                CCurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
                    let total = size * count
                    guard let buffer, let context else { return total }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    let room = max(0, HTTPClient.bodyLimit - collector.body.count)
                    let bytes = UnsafeRawBufferPointer(start: buffer, count: min(total, room))
                    collector.body.append(contentsOf: bytes)
                    return total
                }
                CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
                CCurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
                    let total = size * count
                    guard let buffer, let context else { return total }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: total), as: UTF8.self)
                    if line.hasPrefix("HTTP/") {
                        collector.headers = [:]  // a new response (after a 1xx) starts over
                    } else if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].lowercased()
                        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                        collector.headers[name] = value
                    }
                    return total
                }
                CCurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
                return curl_easy_perform(handle)
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw CurlError(code: Int32(code.rawValue), message: message, url: CurlError.redacted(url))
        }
        var status = 0
        CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }
}
