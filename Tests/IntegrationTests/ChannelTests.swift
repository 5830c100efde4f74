import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The chat channels against a server that answers like Discord, Telegram and Slack do.
@Suite struct ChannelTests {
    /// Over 9,000 characters of CJK and emoji with a code block longer than a Discord message.
    static let longBody: String = {
        let sentence = "資料庫遷移已驗證,流量切換完成 ✅ 監控指標正常 📈 "
        var text = "今日進度:\n\n"
        for index in 1...30 { text += "第 \(index) 項:" + String(repeating: sentence, count: 9) + "\n\n" }
        text += "```bash\n" + (1...120).map { "echo 步驟\($0) 👨‍👩‍👧‍👦 完成" }.joined(separator: "\n") + "\n```\n\n總結:全部完成。"
        return text
    }()

    static let hostile = "@everyone <script>alert(1)</script> &amp; <b>bold?</b> 1 < 2 > 0"

    /// The text each accepted message showed, in order.
    static func shown(_ requests: [HTTPSink.Request]) -> [String] {
        requests.filter { ($0.status ?? 0) / 100 == 2 }.compactMap(\.shown)
    }

    @Test func aLongReportReachesEveryChatChannelInNumberedPartsWithinLimitsAndInOrder() throws {
        #expect(Self.longBody.count > 9000)
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(
            title: "每日報告 2026-11-23", body: Self.longBody, to: ChannelFixture.chatChannels.joined(separator: ", "))
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(directoryNames(fixture.queue.sent) == [id])

        let limits = ["discord-bot": 2000, "discord-hook": 2000, "telegram": 4096, "slack": 3000]
        for destination in ChannelFixture.chatChannels {
            let requests = try fixture.requests(to: destination)
            let parts = Self.shown(requests)
            #expect(requests.count == parts.count, "\(destination): a part was refused: \(requests.map(\.status))")
            #expect(parts.count >= 3, "\(destination): \(parts.count) parts")
            for (index, part) in parts.enumerated() {
                #expect(
                    part.hasPrefix("(\(index + 1)/\(parts.count))\n"),
                    "\(destination) part \(index + 1) starts \(part.prefix(12))")
                #expect(part.utf16.count <= limits[destination] ?? 0)
            }
            // Reassembled, the parts hold the whole body, in order.
            let reassembled = shownCharacters(parts)
            #expect(
                reassembled.contains(shownCharacters([Self.longBody])),
                "\(destination) lost or reordered text: \(parts.map { "\($0.prefix(12))…\($0.suffix(20))" })")
            let delivered = try fixture.events(of: id).filter {
                $0.kind == .partDelivered && $0.destination == destination
            }
            #expect(delivered.map(\.part) == Array(1...parts.count).map { Optional($0) })
        }
        // Discord's ids are recorded; Telegram's code block arrives as <pre><code>.
        let discordEvents = try fixture.events(of: id).filter {
            $0.kind == .partDelivered && $0.destination == "discord-bot"
        }
        #expect(discordEvents.allSatisfy { Int($0.detail ?? "") != nil })
        #expect(
            try fixture.requests(to: "telegram").contains { $0.body.contains(#"<pre><code class=\"language-bash\">"#) })
    }

    @Test(arguments: ["discord-bot", "telegram", "slack"])
    func aFailureOnPartTwoIsRetriedFromPartTwo(destination: String) throws {
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(title: "續傳測試", body: Self.longBody, to: destination)
        try fixture.sink.emulate(
            [
                "discord_token": ChannelFixture.discordToken, "telegram_token": ChannelFixture.telegramToken,
                "slack_paths": [ChannelFixture.slackPath],
            ], rules: [["contains": "(2/", "status": 502, "times": 1, "body": "bad gateway"]])
        let first = try fixture.drive()
        #expect(first.status == 75, "\(first)")
        #expect(directoryNames(fixture.queue.pending) == [id])
        #expect(Self.shown(try fixture.requests(to: destination)).count == 1)

        var last = first
        #expect(
            try eventually(timeout: .seconds(15)) {
                last = try fixture.drive()
                return last.status == 0
            }, "\(last)")
        let requests = try fixture.requests(to: destination)
        let parts = Self.shown(requests)
        let count = parts.count
        #expect(
            parts.enumerated().allSatisfy { $0.element.hasPrefix("(\($0.offset + 1)/\(count))") },
            "a part was sent twice or skipped")
        #expect(requests.filter { $0.body.contains("(1/") }.count == 1, "part 1 was sent again")
        #expect(requests.filter { $0.body.contains("(2/") }.count == 2)
        #expect(directoryNames(fixture.queue.sent) == [id])
    }

    @Test func hostileTextArrivesLiterallyAndHarmlesslyOnEveryChannel() throws {
        let fixture = try ChannelFixture(smtpRejecting: [])
        let id = try fixture.enqueue(
            title: "<b>title</b> & @everyone", body: Self.hostile,
            to: (ChannelFixture.chatChannels + ["mail"]).joined(separator: ","))
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(directoryNames(fixture.queue.sent) == [id])

        for destination in ["discord-bot", "discord-hook"] {
            let request = try #require(try fixture.requests(to: destination).first)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
            #expect(
                (body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [], "\(destination) could ping")
            #expect((body["content"] as? String)?.contains(Self.hostile) == true)
        }
        // Telegram accepted the HTML (its parser would answer 400) and shows the text as written.
        let telegram = try #require(try fixture.requests(to: "telegram").first)
        #expect(telegram.status == 200, "\(telegram.body)")
        #expect(telegram.shown?.contains(Self.hostile) == true)
        #expect(telegram.shown?.contains("<b>title</b> & @everyone") == true)
        // Slack: nothing can become a <!everyone> or a link.
        let slack = try #require(try fixture.requests(to: "slack").first?.shown)
        #expect(!slack.contains("<") && !slack.contains(">"))
        #expect(
            slack.contains(
                "@everyone &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &lt;b&gt;bold?&lt;/b&gt; 1 &lt; 2 &gt; 0"))
        // E-mail: the HTML part escapes, the text part is literal.
        let mail = try #require(try fixture.smtp?.messages().first)
        let html = try #require(mail.parts.first { $0.type == "text/html" }?.text)
        #expect(!html.contains("<script>") && !html.contains("<b>bold?</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;"))
        #expect(mail.parts.first { $0.type == "text/plain" }?.text.contains(Self.hostile) == true)
    }

    /// A 429 body and headers in each service's own shape, asking for `seconds`.
    static func rateLimit(_ destination: String, seconds: Double) -> [String: Any] {
        switch destination {
        case "telegram":
            [
                "status": 429, "headers": ["Retry-After": "\(Int(seconds))"],
                "body": [
                    "ok": false, "error_code": 429, "description": "Too Many Requests: retry after \(Int(seconds))",
                    "parameters": ["retry_after": Int(seconds)],
                ],
            ]
        case "slack":
            ["status": 429, "headers": ["Retry-After": "\(Int(seconds))"], "body": "rate_limited"]
        default:
            // Discord: the JSON float is exact, the header is rounded; the float must win.
            [
                "status": 429,
                "headers": ["Retry-After": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Global": "false"],
                "body": ["message": "You are being rate limited.", "retry_after": seconds, "global": false],
            ]
        }
    }

    @Test(arguments: ["discord-bot", "telegram", "slack"])
    func aShortRateLimitIsWaitedOutWithinTheRun(destination: String) throws {
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(title: "限流", body: "短訊息", to: destination)
        let seconds = destination == "discord-bot" ? 1.6 : 2
        try fixture.sink.emulate(
            [
                "discord_token": ChannelFixture.discordToken, "telegram_token": ChannelFixture.telegramToken,
                "slack_paths": [ChannelFixture.slackPath],
            ],
            rules: [Self.rateLimit(destination, seconds: seconds).merging(["contains": "限流", "times": 1]) { $1 }])
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        let requests = try fixture.requests(to: destination)
        try #require(requests.count == 2, "\(requests.map(\.status))")
        #expect(requests[0].status == 429 && requests[1].status == 200)
        let gap = requests[1].time - requests[0].time
        #expect(gap >= seconds - 0.05, "resent after \(gap) s, asked to wait \(seconds) s")
        #expect(gap < seconds + 3)
        let deferred = try fixture.events(of: id).filter { $0.kind == .deferred }
        #expect(deferred.map(\.status) == [429])
        #expect(directoryNames(fixture.queue.sent) == [id])
    }

    @Test func aLongRateLimitDefersTheReportAtLeastThatLong() throws {
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(title: "限流", body: "長等待", to: "telegram")
        try fixture.sink.emulate(
            ["telegram_token": ChannelFixture.telegramToken],
            rules: [Self.rateLimit("telegram", seconds: 120).merging(["contains": "限流"]) { $1 }])
        let before = Timestamp.now()
        let run = try fixture.drive()
        #expect(run.status == 75, "\(run)")
        let deferred = try #require(try fixture.events(of: id).last { $0.kind == .deferred })
        let notBefore = try #require(deferred.notBefore)
        #expect(notBefore.rawValue - before.rawValue >= 119_000_000_000)
        // An immediate second run does not knock again.
        let again = try fixture.drive()
        #expect(again.status == 75, "\(again)")
        #expect(try fixture.requests(to: "telegram").count == 1)
        #expect(directoryNames(fixture.queue.pending) == [id])
    }

    @Test func telegramsMigrateToChatIDIsFollowedAndLogged() throws {
        let fixture = try ChannelFixture(telegramChats: ["-1004001"], migrate: ["-4001": "-1004001"])
        let id = try fixture.enqueue(title: "群組升級", body: "訊息", to: "telegram", status: .normal)
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        let requests = try fixture.requests(to: "telegram")
        try #require(requests.count == 2)
        #expect(requests[0].status == 400 && requests[0].body.contains(#""chat_id":-4001"#))
        #expect(requests[1].status == 200 && requests[1].body.contains(#""chat_id":-1004001"#))
        #expect(requests[1].body.contains(#""disable_notification":true"#), "status normal should not ring")
        #expect(run.stderr.contains("moved to -1004001"), "\(run.stderr)")
        let part = try #require(try fixture.events(of: id).first { $0.kind == .partDelivered })
        #expect(part.detail?.contains("-1004001") == true)
    }

    @Test func anUnknownDiscordWebhookStopsTheRunAsAConfigurationError() throws {
        let fixture = try ChannelFixture()
        try fixture.sink.emulate(["discord_webhooks": [String]()])
        let id = try fixture.enqueue(title: "webhook gone", body: "x", to: "discord-hook")
        let run = try fixture.drive()
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("discord-hook") && run.stderr.contains("10015"), "\(run.stderr)")
        #expect(directoryNames(fixture.queue.pending) == [id])
        #expect(try fixture.requests(to: "discord-hook").count == 1, "it must not hammer a deleted webhook")
        for secret in ChannelFixture.secrets {
            #expect(!run.stderr.contains(secret) && !run.stdout.contains(secret))
            #expect(!(try fixture.leftovers()).contains(secret))
        }
    }

    @Test(arguments: ["discord-bot", "telegram"])
    func aWrongTokenIsAConfigurationErrorNamingTheDestinationNotTheToken(destination: String) throws {
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(title: "bad token", body: "x", to: destination)
        let wrong = "wrong-token-\(destination)-5Tg7Yh"
        let variable = destination == "telegram" ? "TEST_TELEGRAM_TOKEN" : "TEST_DISCORD_TOKEN"
        let run = try fixture.drive(environment: [variable: wrong])
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("destination '\(destination)'"), "\(run.stderr)")
        #expect(!run.stderr.contains(wrong) && !run.stdout.contains(wrong))
        #expect(!(try fixture.leftovers()).contains(wrong))
        #expect(directoryNames(fixture.queue.pending) == [id])
    }

    @Test func dryRunShowsEachChannelsExactRequestWithSecretsMasked() throws {
        let fixture = try ChannelFixture()
        let id = try fixture.enqueue(
            title: "預覽", body: "**粗體** 與 `code`", to: (ChannelFixture.chatChannels + ["mail"]).joined(separator: ","))
        let run = try fixture.drive(["--once", "--dry-run"])
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.sink.requests().isEmpty)
        #expect(directoryNames(fixture.queue.pending) == [id])
        for expected in [
            "POST \(fixture.sink.baseURL)/api/v10/channels/111222333/messages", "Authorization: Bot ***",
            #""allowed_mentions":{"parse":[]}"#,
            "/bot***/sendMessage", #""parse_mode":"HTML""#, "<b>粗體</b>", "*粗體*", "wait=true",
            "RCPT TO:<audit@example.com>",
            "Subject: =?UTF-8?B?", "multipart/alternative",
        ] {
            #expect(run.stdout.contains(expected), "dry run lacks \(expected)")
        }
        for secret in ChannelFixture.secrets { #expect(!run.stdout.contains(secret), "dry run shows a secret") }
    }
}
