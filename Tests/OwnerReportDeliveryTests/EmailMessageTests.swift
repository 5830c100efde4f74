import Foundation
import OwnerReportCore
import Testing

@testable import OwnerReportDelivery

@Suite("EmailMessage")
struct EmailMessageTests {
    static func message(title: String, body: String = "本文") -> EmailMessage {
        let destination = Destination(
            name: "mail", channel: .email, smtpURL: "smtp://127.0.0.1:25", from: "報告機器人 <bot@example.com>",
            to: ["a@example.com"], cc: ["b@example.com"], bcc: ["hidden@example.com"])
        let report = PreparedReport(
            id: "20261123T000000.000000000Z-weekly-x-1a2b3c4d.md",
            report: Report(kind: .weekly, title: title, body: body), enqueuedAt: Timestamp(seconds: 1_795_000_000))
        return EmailMessage(
            report: report, destination: destination, timeZone: TimeZone(identifier: "Asia/Taipei") ?? .current)
    }

    @Test("headers: encoded words within 75 characters, lines within 78, CRLF only, no Bcc")
    func headers() throws {
        let title = String(repeating: "第四十七週部署與事件總結 🚀 ", count: 6)
        let bytes = Self.message(title: title, body: String(repeating: "長內容 ", count: 500)).bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let lines = text.components(separatedBy: "\r\n")
        // 78 is RFC 5322's "should"; only the report id, which has no place to fold, may pass it.
        #expect(
            lines.allSatisfy { $0.utf8.count <= 78 || $0.hasPrefix("X-Owner-Report-ID:") },
            "\(lines.filter { $0.utf8.count > 78 })")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        let words = text.components(separatedBy: "=?UTF-8?B?").dropFirst().map {
            "=?UTF-8?B?" + $0.components(separatedBy: "?=")[0] + "?="
        }
        #expect(!words.isEmpty && words.allSatisfy { $0.count <= 75 })
        // Decoding the subject's words gives the title back, whatever the cuts.
        let subjectWords = lines.drop { !$0.hasPrefix("Subject: ") }.prefix {
            $0.hasPrefix("Subject: ") || $0.hasPrefix(" ")
        }
        let decoded = subjectWords.map { line in
            let word = line.replacingOccurrences(of: "Subject: ", with: "").trimmingCharacters(in: .whitespaces)
            return String(
                decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data(), as: UTF8.self)
        }.joined()
        #expect(decoded == title)
        #expect(!text.contains("hidden@example.com"))
        #expect(text.contains("From: =?UTF-8?B?") && text.contains("<bot@example.com>"))
    }

    @Test("the Message-ID is the same for every try of a report, and differs between reports")
    func stableMessageID() {
        #expect(Self.message(title: "a").messageID == Self.message(title: "b").messageID)
        #expect(
            EmailMessage.messageID(reportID: "x", from: "a@b.c") != EmailMessage.messageID(reportID: "y", from: "a@b.c")
        )
        #expect(Self.message(title: "a").messageID.hasSuffix("@example.com>"))
    }
}
