internal import CCurl
import OwnerReportCore

/// Sends one e-mail over SMTP through libcurl, and keeps the dialogue's commands and replies
/// (never the login) so a refusal can be told by address and reply.
public final class SMTPClient {
    private let transfer: CurlTransfer

    /// One line of the SMTP dialogue: what the client sent or what the server replied.
    public struct Line: Sendable, Equatable {
        public var sent: Bool
        public var text: String
    }

    /// How a transfer ended: libcurl's error, if any, the last reply code and the dialogue.
    public struct Result: Sendable {
        public var error: CurlError?
        public var replyCode: Int
        public var dialogue: [Line]
    }

    public init(timeout: Duration, connectTimeout: Duration) throws(CurlError) {
        transfer = try CurlTransfer(timeout: timeout, connectTimeout: connectTimeout)
    }

    /// What ends a transfer in progress early (a stop), instead of its timeout.
    public var interruption: Interruption? {
        get { transfer.interruption }
        set { transfer.interruption = newValue }
    }

    /// What libcurl gives and takes while the transfer runs.
    private final class Exchange {
        let message: [UInt8]
        var offset = 0
        var dialogue: [Line] = []
        /// After AUTH, the client's lines are credentials until the server says 235 or refuses.
        var inLogin = false

        init(message: [UInt8]) { self.message = message }

        func record(sent: Bool, _ text: String) {
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = String(raw)
                if sent {
                    let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
                    if verb == "AUTH" {
                        inLogin = true
                        dialogue.append(Line(sent: true, text: "AUTH ***"))
                    } else if !inLogin,
                        ["EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "QUIT", "RSET", "NOOP"].contains(verb)
                    {
                        dialogue.append(Line(sent: true, text: line))
                    }
                } else {
                    if line.hasPrefix("334") { continue }  // a login challenge, base64
                    if inLogin, let code = Int(line.prefix(3)), code != 334 { inLogin = false }
                    dialogue.append(Line(sent: false, text: line))
                }
            }
        }
    }

    /// Sends `message` (a whole RFC 5322 message with CRLF line ends) from `sender` to `recipients`.
    ///
    /// - Parameters:
    ///   - requireTLS: for `smtp://`, refuse to go on unless STARTTLS succeeds.
    public func send(
        url: String, sender: String, recipients: [String], message: [UInt8], username: String?, password: String?,
        requireTLS: Bool
    ) -> Result {
        let exchange = Exchange(message: message)
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { list = transfer.library.slistAppend(list, "<\(recipient)>") }
        defer { transfer.library.slistFreeAll(list) }
        var failure: CurlError?
        do {
            try withExtendedLifetime(exchange) { () throws(CurlError) in
                try transfer.perform(url: url) { options in
                    options.string(CURLOPT_MAIL_FROM, "<\(sender)>")
                    options.pointer(CURLOPT_MAIL_RCPT, list)
                    if requireTLS { options.long(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
                    if let username { options.string(CURLOPT_USERNAME, username) }
                    if let password { options.string(CURLOPT_PASSWORD, password) }
                    options.long(CURLOPT_UPLOAD, 1)
                    options.long(CURLOPT_INFILESIZE, message.count)
                    options.callback(CURLOPT_READFUNCTION) { buffer, size, count, context in
                        guard let buffer, let context else { return 0 }
                        let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
                        let length = min(size * count, exchange.message.count - exchange.offset)
                        exchange.message.withUnsafeBytes { bytes in
                            guard let base = bytes.baseAddress else { return }
                            UnsafeMutableRawPointer(buffer).copyMemory(from: base + exchange.offset, byteCount: length)
                        }
                        exchange.offset += length
                        return length
                    }
                    options.pointer(CURLOPT_READDATA, context)
                    // VERBOSE feeds the debug callback, which keeps the dialogue instead of printing it.
                    options.long(CURLOPT_VERBOSE, 1)
                    options.debugCallback { _, type, data, size, context in
                        guard let data, let context, type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else {
                            return 0
                        }
                        let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
                        let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                        exchange.record(sent: type == CURLINFO_HEADER_OUT, text)
                        return 0
                    }
                    options.pointer(CURLOPT_DEBUGDATA, context)
                }
            }
        } catch {
            failure = error
        }
        return Result(error: failure, replyCode: transfer.responseCode, dialogue: exchange.dialogue)
    }
}
