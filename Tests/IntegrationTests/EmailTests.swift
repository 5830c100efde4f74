import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The `email` channel against aiosmtpd on 127.0.0.1, read back with Python's `email` parser.
@Suite struct EmailTests {
    static let title = "週報:第 47 週 部署與事件總結 🚀 (平台組、資料組與維運組的完整進度回顧)"

    @Test func aReportArrivesAsMultipartAlternativeWithTheRightHeaders() throws {
        let fixture = try ChannelFixture(smtpRejecting: [])
        let id = try fixture.enqueue(
            title: Self.title, body: "## 重點\n\n- **完成** 部署\n- 事件 `INC-42`\n\n[儀表板](https://grafana.example.com/d/1)",
            to: "mail", status: .warning)
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(directoryNames(fixture.queue.sent) == [id])

        let messages = try #require(try fixture.smtp?.messages())
        try #require(messages.count == 1)
        let mail = messages[0]
        #expect(mail.content_type == "multipart/alternative")
        #expect(mail.parts.map(\.type) == ["text/plain", "text/html"])
        #expect(mail.subject == Self.title)
        #expect(mail.raw_subject.hasPrefix("=?UTF-8?B?"), "the subject must be RFC 2047 encoded: \(mail.raw_subject)")
        #expect(mail.to == "ceo@example.com, cto@example.com")
        #expect(mail.cc == "ops@example.com")
        #expect(!mail.bcc_header, "Bcc must stay in the envelope")
        #expect(mail.rcpt_tos == ["ceo@example.com", "cto@example.com", "ops@example.com", "audit@example.com"])
        #expect(mail.mail_from == "reports@example.com")
        #expect(mail.login == SMTPSink.user)
        #expect(mail.crlf_only)
        let html = try #require(mail.parts.last?.text)
        #expect(
            html.contains("<strong>完成</strong>") && html.contains("<a href=\"https://grafana.example.com/d/1\">儀表板</a>")
        )
        #expect(html.contains("🟡"))
        let text = try #require(mail.parts.first?.text)
        #expect(text.contains(Self.title) && text.contains("team: 平台組"))
        // The message id is recorded, and the same on a resend.
        let part = try #require(try fixture.events(of: id).first { $0.kind == .partDelivered })
        #expect(part.detail == mail.message_id)
    }

    @Test func aRefusedRecipientIsNamedAndStopsTheRunWithoutLeakingTheLogin() throws {
        let fixture = try ChannelFixture(smtpRejecting: ["cto@example.com"])
        let id = try fixture.enqueue(title: "收件人錯誤", body: "x", to: "mail")
        let run = try fixture.drive()
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("recipient cto@example.com refused"), "\(run.stderr)")
        #expect(run.stderr.contains("550"))
        #expect(directoryNames(fixture.queue.pending) == [id])
        #expect(try fixture.smtp?.messages().isEmpty == true)
        let leftovers = try fixture.leftovers()
        #expect(!run.stderr.contains(SMTPSink.password) && !leftovers.contains(SMTPSink.password))
    }

    @Test func aWrongPasswordIsAConfigurationError() throws {
        let fixture = try ChannelFixture(smtpRejecting: [])
        _ = try fixture.enqueue(title: "密碼錯誤", body: "x", to: "mail")
        let run = try fixture.drive(environment: ["TEST_SMTP_PASSWORD": "not-the-password-88"])
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("destination 'mail'") && run.stderr.contains("login refused"), "\(run.stderr)")
        #expect(!run.stderr.contains("not-the-password-88"))
    }

    @Test func startTLSIsRequiredUnlessTurnedOff() throws {
        let fixture = try ChannelFixture(smtpRejecting: [])
        let id = try fixture.enqueue(title: "需要加密", body: "x", to: "mail-tls")
        let run = try fixture.drive()
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("STARTTLS"), "\(run.stderr)")
        #expect(try fixture.smtp?.messages().isEmpty == true, "a message went out in clear text")
        #expect(directoryNames(fixture.queue.pending) == [id])
    }

    @Test func anUnreachableServerIsTransientAndTheReportWaits() throws {
        let fixture = try ChannelFixture()  // no SMTP server: smtp://127.0.0.1:9
        let id = try fixture.enqueue(title: "伺服器離線", body: "x", to: "mail")
        let run = try fixture.drive()
        #expect(run.status == 75, "\(run)")
        #expect(directoryNames(fixture.queue.pending) == [id])
        #expect(try fixture.events(of: id).contains { $0.kind == .deferred })
    }
}
