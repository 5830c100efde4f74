import Foundation
import OwnerReportCore

/// A report as a complete RFC 5322 message: multipart/alternative with a text/plain part and an
/// HTML part rendered from the Markdown, UTF-8 throughout, CRLF line ends.
///
/// The subject is the report's title as RFC 2047 encoded words; the parts are base64, so no line
/// is ever too long and no byte is ever mangled by a relay. Bcc recipients are in the envelope
/// only. The Message-ID is the same on every try of the same report.
public struct EmailMessage: Sendable {
    public var from: String
    public var to: [String]
    public var cc: [String]
    public var subject: String
    public var text: String
    public var html: String
    public var messageID: String
    public var reportID: String
    public var date: Date

    /// The message for a report, its HTML part built from the report's Markdown with everything escaped.
    public init(report prepared: PreparedReport, destination: Destination, timeZone: TimeZone, date: Date = Date()) {
        let report = prepared.report
        let style = StatusStyle(report.status)
        from = destination.from ?? ""
        to = destination.to
        cc = destination.cc
        subject = report.title
        reportID = prepared.id
        self.date = date
        text = ReportComposer.plainText(prepared, timeZone: timeZone)
        messageID = Self.messageID(reportID: prepared.id, from: from)

        let dialect = EmailHTML()
        let fields = ReportComposer.markdown(prepared, timeZone: timeZone, includeTitle: false)
        html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(escapeHTML(report.title))</title></head>
            <body style="font-family:-apple-system,'Segoe UI','Noto Sans CJK TC','PingFang TC',sans-serif;line-height:1.5;color:#222">
            <h1 style="font-size:1.3em;border-left:6px solid \(style.colour);padding-left:8px">\(style.emoji) [\(escapeHTML(report.kind.rawValue))] \(escapeHTML(report.title))</h1>
            \(dialect.render(fields))
            </body></html>
            """
    }

    /// `<digest.owner-report@sender-domain>`: the same for every try of a report.
    public static func messageID(reportID: String, from: String) -> String {
        let digest = DigitText.hex(SHA256.hash(Array(reportID.utf8)).prefix(16))
        let domain = address(in: from).split(separator: "@").last.map(String.init) ?? "owner-report.invalid"
        return "<\(digest).owner-report@\(domain)>"
    }

    /// The bare address of `Name <a@b>` or `a@b`.
    public static func address(in mailbox: String) -> String {
        if let open = mailbox.lastIndex(of: "<"), let close = mailbox.lastIndex(of: ">"), open < close {
            return String(mailbox[mailbox.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return mailbox.trimmingCharacters(in: .whitespaces)
    }

    /// The whole message, CRLF line ends.
    public var bytes: [UInt8] {
        let boundary = "=_owner-report_\(messageID.dropFirst().prefix(24))"
        var headers = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(Self.mailbox(from))",
            "To: \(to.map(Self.mailbox).joined(separator: ", "))",
        ]
        if !cc.isEmpty { headers.append("Cc: \(cc.map(Self.mailbox).joined(separator: ", "))") }
        headers += [
            "Subject: \(Self.encodedWords(subject))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "X-Owner-Report-ID: \(reportID)",
            "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"",
        ]
        var lines = headers + ["", "This is a multipart message in MIME format."]
        for (type, content) in [("text/plain", text), ("text/html", html)] {
            lines += [
                "", "--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
            ]
            lines += Self.base64Lines(Data(content.utf8))
        }
        lines += ["", "--\(boundary)--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `Name <a@b>` with a non-ASCII name as an encoded word; a bare address as it is.
    static func mailbox(_ text: String) -> String {
        let address = address(in: text)
        guard let open = text.lastIndex(of: "<") else { return address }
        let name = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(
            in: CharacterSet(charactersIn: "\""))
        if name.isEmpty { return "<\(address)>" }
        if name.allSatisfy({ $0.isASCII && !"\"\\".contains($0) }) { return "\"\(name)\" <\(address)>" }
        return "\(encodedWords(name))\r\n <\(address)>"
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 68 characters (a header name still fits before the
    /// first within 78), cut between characters, folded;
    /// plain ASCII text stays as it is.
    static func encodedWords(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) && !text.contains("=?") && text.count <= 76 { return text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text where !character.isNewline {
            let bytes = Array(String(character).utf8)
            // 42 bytes make 56 base64 characters; with "=?UTF-8?B?" and "?=", 68.
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
