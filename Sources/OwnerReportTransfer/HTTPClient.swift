internal import CCurl
import Foundation
import OwnerReportCore

/// HTTP POSTs over one reused libcurl handle (a lane's connection), with `CurlTransfer`'s limits.
public final class HTTPClient {
    private let transfer: CurlTransfer
    /// How much of a response body is kept: enough for error messages and message ids.
    public static let bodyLimit = 65_536

    public init(timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        transfer = try CurlTransfer(timeout: timeout, connectTimeout: connectTimeout)
    }

    /// What ends a transfer in progress early (a stop), instead of its timeout.
    public var interruption: Interruption? {
        get { transfer.interruption }
        set { transfer.interruption = newValue }
    }

    /// Collects the response while libcurl calls back.
    private final class Collector {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
    }

    /// POSTs `body` to `url` with `headers`; returns whatever the server answered, errors included.
    public func post(url: String, headers: [(String, String)], body: [UInt8]) throws(CurlError) -> HTTPResponse {
        try request(url: url, headers: headers, body: body)
    }

    /// GETs `url` with `headers` (reading acknowledgements back); whatever the server answered.
    public func get(url: String, headers: [(String, String)]) throws(CurlError) -> HTTPResponse {
        try request(url: url, headers: headers, body: nil)
    }

    /// A POST of `body`, or a GET when it is nil.
    private func request(url: String, headers: [(String, String)], body: [UInt8]?) throws(CurlError) -> HTTPResponse {
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers { list = transfer.library.slistAppend(list, "\(name): \(value)") }
        // An empty Expect stops libcurl from waiting a second for "100 Continue" on larger bodies.
        list = transfer.library.slistAppend(list, "Expect:")
        defer { transfer.library.slistFreeAll(list) }

        try withExtendedLifetime(collector) { () throws(CurlError) in
            try transfer.perform(url: url) { options in
                options.string(
                    CURLOPT_USERAGENT, "owner-report/\(OwnerReportVersion.string) (+https://github.com/owner-report)")
                options.pointer(CURLOPT_HTTPHEADER, list)
                if let body {
                    options.long(CURLOPT_POSTFIELDSIZE, body.count)
                    // COPYPOSTFIELDS copies the bytes during the call, so the pointer need not outlive it.
                    body.withUnsafeBytes { bytes in
                        _ = options.pointer(
                            CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                    }
                } else {
                    options.long(CURLOPT_HTTPGET, 1)
                }
                options.callback(CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
                    let total = size * count
                    guard let buffer, let context else { return total }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    let room = max(0, HTTPClient.bodyLimit - collector.body.count)
                    let bytes = UnsafeRawBufferPointer(start: buffer, count: min(total, room))
                    collector.body.append(contentsOf: bytes)
                    return total
                }
                options.pointer(CURLOPT_WRITEDATA, context)
                options.callback(CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
                    let total = size * count
                    guard let buffer, let context else { return total }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: total), as: UTF8.self)
                    if line.hasPrefix("HTTP/") {
                        collector.headers = [:]  // a new response (after a 1xx) starts over
                    } else if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].lowercased()
                        var value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                        // "\r\n" is one Character: isWhitespace removes it whole.
                        while let last = value.last, last.isWhitespace { value.removeLast() }
                        collector.headers[name] = String(value)
                    }
                    return total
                }
                options.pointer(CURLOPT_HEADERDATA, context)
            }
        }
        return HTTPResponse(status: transfer.responseCode, headers: collector.headers, body: collector.body)
    }
}

extension String {
    /// The string without trailing `/`, so a base URL joins with a path cleanly.
    public var trimmingTrailingSlashes: String {
        var result = self
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
