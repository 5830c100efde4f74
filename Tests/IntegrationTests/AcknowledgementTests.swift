import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Acknowledgements read back from Telegram by the --follow daemon, through a local server that
/// answers getUpdates, answerCallbackQuery and editMessageReplyMarkup as the Bot API documents them.
@Suite struct AcknowledgementTests {
    static let chat = -4001

    func openIncident(_ fixture: ChannelFixture, _ id: String, severity: String = "critical") throws {
        let opened = try Program.producer.run(
            [
                "incident", "open", "--id", id, "--title", "\(id) is down", "--severity", severity, "--destination",
                "telegram",
                "--queue", fixture.queue.root, "--config", fixture.configPath,
            ], environment: fixture.environment)
        #expect(opened.status == 0, "\(opened)")
    }

    /// The message the bot sent for an incident: its id (from the server's answer) and its button's data.
    func sentMessage(_ fixture: ChannelFixture, _ id: String) throws -> (messageID: Int, data: String?) {
        let sent = try #require(
            try fixture.requests(to: "telegram").first {
                $0.path.hasSuffix("/sendMessage") && $0.body.contains("\(id) is down")
            })
        let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data((sent.answer ?? "").utf8)) as? [String: Any])
        let messageID = try #require((answer["result"] as? [String: Any])?["message_id"] as? Int)
        let rows = (body["reply_markup"] as? [String: Any])?["inline_keyboard"] as? [[[String: Any]]]
        return (messageID, rows?.first?.first?["callback_data"] as? String)
    }

    func press(
        _ update: Int, data: String, message: Int, chat: Int = chat, user: Int = 5001, username: String? = "alice"
    ) -> [String: Any] {
        var from: [String: Any] = ["id": user, "is_bot": false, "first_name": "Alice"]
        if let username { from["username"] = username }
        return [
            "update_id": update,
            "callback_query": [
                "id": "cbq-\(update)", "from": from, "chat_instance": "42", "data": data,
                "message": [
                    "message_id": message, "date": 1_795_421_700, "chat": ["id": chat, "type": "group"],
                    "text": "incident",
                ],
            ],
        ]
    }

    @Test func aPressOfTheButtonOrAnAckReplyIsRecordedOnceAnsweredAndShown() throws {
        let fixture = try ChannelFixture(telegramAcknowledgements: true)
        try openIncident(fixture, "INC-1")
        try openIncident(fixture, "INC-2")
        try openIncident(fixture, "INC-3", severity: "info")
        #expect(try fixture.drive().status == 0)
        let first = try sentMessage(fixture, "INC-1"), second = try sentMessage(fixture, "INC-2")
        #expect(
            first.data == "ack:INC-1" && second.data == "ack:INC-2", "an open incident's message carries the button")
        #expect(try sentMessage(fixture, "INC-3").data == "ack:INC-3", "whatever its severity")

        // Alice presses INC-1's button; Bob presses it too, later; someone in another chat presses it;
        // Carol replies "ACK, on it" to INC-2's message.
        let reply: [String: Any] = [
            "update_id": 13,
            "message": [
                "message_id": 900, "date": 1_795_421_800, "chat": ["id": Self.chat, "type": "group"],
                "text": "ACK, on it",
                "from": ["id": 5003, "is_bot": false, "first_name": "Carol", "last_name": "Chen"],
                "reply_to_message": [
                    "message_id": second.messageID, "chat": ["id": Self.chat, "type": "group"], "text": "INC-2 is down",
                    "reply_markup": ["inline_keyboard": [[["text": "✅ Acknowledge", "callback_data": "ack:INC-2"]]]],
                ],
            ],
        ]
        try fixture.offerTelegramUpdates([
            press(10, data: "ack:INC-1", message: first.messageID),
            press(11, data: "ack:INC-1", message: first.messageID, user: 5002, username: "bob"),
            press(12, data: "ack:INC-1", message: first.messageID, chat: -999, user: 6000, username: "mallory"),
            reply,
        ])
        let daemon = try Program.driver.start(
            ["--follow", "--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment)
        let settled = eventually(timeout: .seconds(20)) {
            ((try? Ledger(queue: fixture.queue).allEvents()) ?? []).filter { $0.kind == .acknowledged }.count == 2
                && (try? String(contentsOfFile: "\(fixture.queue.state)/telegram-telegram.offset", encoding: .utf8))
                    == "14"
                && ((try? fixture.requests(to: "telegram")) ?? []).filter { $0.path.hasSuffix("/getUpdates") }.count
                    >= 2
        }
        daemon.signal(SIGTERM)
        let stopped = daemon.wait()
        #expect(settled, "\(stopped)")
        let rows = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .acknowledged }
        #expect(
            rows.map(\.detail) == [
                "INC-1 acknowledged by @alice (telegram:5001) via telegram",
                "INC-2 acknowledged by Carol Chen (telegram:5003) via telegram",
            ])
        let calls = try fixture.requests(to: "telegram")
        let answers = calls.filter { $0.path.hasSuffix("/answerCallbackQuery") }.compactMap(\.shown)
        #expect(
            answers == ["Acknowledged: INC-1", "Already acknowledged by @alice"],
            "mallory's press from another chat is ignored: \(answers)")
        let edits = calls.filter { $0.path.hasSuffix("/editMessageReplyMarkup") }
        #expect(
            edits.compactMap(\.shown) == [
                "✅ Acknowledged by @alice", "✅ Acknowledged by @alice", "✅ Acknowledged by Carol Chen",
            ], "\(edits.compactMap(\.shown))")
        #expect(edits.allSatisfy { $0.status == 200 })
        // Updates already read are not read again: every getUpdates after the first asks from 14 on.
        let polls = calls.filter { $0.path.hasSuffix("/getUpdates") }
        #expect(
            polls.count >= 2 && polls.dropFirst().allSatisfy { $0.body.contains(#""offset":14"#) },
            "\(polls.map(\.body))")
        #expect(try fixture.leftovers().contains(ChannelFixture.telegramToken) == false)
    }

    /// A critical report that belongs to no incident carries a button too; its acknowledgement names the report.
    @Test func aCriticalReportWithoutAnIncidentIsAcknowledgedByItsName() throws {
        let fixture = try ChannelFixture(telegramAcknowledgements: true)
        let made = try Program.producer.run(
            [
                "note", "--title", "disk 98% on db-1", "--status", "critical", "--destination", "telegram",
                "--queue", fixture.queue.root, "--config", fixture.configPath,
            ], environment: fixture.environment)
        let name = DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let quiet = try Program.producer.run(
            [
                "note", "--title", "all fine", "--destination", "telegram", "--queue", fixture.queue.root, "--config",
                fixture.configPath,
            ],
            environment: fixture.environment)
        #expect(made.status == 0 && quiet.status == 0)
        #expect(try fixture.drive().status == 0)
        let sent = try fixture.requests(to: "telegram").filter { $0.path.hasSuffix("/sendMessage") }
        let critical = try #require(sent.first { $0.body.contains("disk 98%") })
        #expect(
            !(sent.first { $0.body.contains("all fine") }?.body.contains("reply_markup") ?? true),
            "a normal report has no button")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(critical.body.utf8)) as? [String: Any])
        let data = try #require(
            ((body["reply_markup"] as? [String: Any])?["inline_keyboard"] as? [[[String: Any]]])?.first?.first?[
                "callback_data"] as? String)
        #expect(data.hasPrefix("ackr:") && data.utf8.count <= 64, "\(data)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data((critical.answer ?? "").utf8)) as? [String: Any])
        let messageID = try #require((answer["result"] as? [String: Any])?["message_id"] as? Int)
        try fixture.offerTelegramUpdates([press(50, data: data, message: messageID)])
        _ = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
        let rows = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .acknowledged }
        #expect(
            rows.map(\.report) == [name]
                && rows.first?.detail == "\(name) acknowledged by @alice (telegram:5001) via telegram", "\(rows)")
    }

    /// Without a daemon (cron only), the watchdog's pass reads the updates once, without waiting.
    @Test func withNoDaemonTheWatchdogsPassReadsThePresses() throws {
        let fixture = try ChannelFixture(telegramAcknowledgements: true)
        try openIncident(fixture, "INC-5")
        #expect(try fixture.drive().status == 0)
        let sent = try sentMessage(fixture, "INC-5")
        try fixture.offerTelegramUpdates([
            press(40, data: try #require(sent.data), message: sent.messageID, username: nil)
        ])
        let pass = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
        #expect([0, 69].contains(pass.status), "\(pass)")
        let rows = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .acknowledged }
        #expect(
            rows.map(\.detail) == ["INC-5 acknowledged by Alice (telegram:5001) via telegram"],
            "no username: the first name")
        let poll = try #require(try fixture.requests(to: "telegram").first { $0.path.hasSuffix("/getUpdates") })
        #expect(poll.body.contains(#""timeout":0"#), "a pass does not wait: \(poll.body)")
    }

    @Test func onlyATelegramDestinationCanReadAcknowledgementsAndAResolvedIncidentHasNoButton() throws {
        let fixture = try ChannelFixture(telegramAcknowledgements: true)
        try openIncident(fixture, "INC-9")
        let resolved = try Program.producer.run(
            [
                "incident", "resolve", "--id", "INC-9", "--destination", "telegram", "--queue", fixture.queue.root,
                "--config", fixture.configPath,
            ],
            environment: fixture.environment)
        #expect(resolved.status == 0, "\(resolved)")
        #expect(try fixture.drive().status == 0)
        let sent = try fixture.requests(to: "telegram").filter { $0.path.hasSuffix("/sendMessage") }
        #expect(
            sent.count == 2 && sent[0].body.contains("reply_markup") && !sent[1].body.contains("reply_markup"),
            "\(sent.map(\.body))")

        let directory = TemporaryDirectory()
        let wrong = try directory.write(
            "config.toml", "[destinations.s]\nchannel = \"slack\"\nurl_env = \"X\"\nacknowledgements = true\n")
        let refused = try Program.driver.run(["--once", "--queue", fixture.queue.root, "--config", wrong])
        #expect(
            refused.status == 78 && refused.stderr.contains("destinations.s.acknowledgements")
                && refused.stderr.contains("only a telegram destination or a discord bot"), "\(refused)")
    }
}

/// Acknowledgements read back from a Discord bot's channel: a ✅ reaction by a member, or an `ack`
/// reply, through a local server that answers Discord's reactions and messages reads, 429 included.
@Suite struct DiscordAcknowledgementTests {
    func messageID(_ fixture: ChannelFixture, _ incident: String) throws -> String {
        let sent = try #require(
            try fixture.requests(to: "discord-bot").first {
                $0.method == "POST" && $0.body.contains("\(incident) is down")
            })
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data((sent.answer ?? "").utf8)) as? [String: Any])
        return try #require(answer["id"] as? String)
    }

    @Test func aReactionOrAnAckReplyByAMemberIsRecordedOnceAndAnswered() throws {
        let fixture = try ChannelFixture(discordAcknowledgements: true)
        for id in ["INC-D1", "INC-D2", "INC-D3"] {
            let opened = try Program.producer.run(
                [
                    "incident", "open", "--id", id, "--title", "\(id) is down", "--severity", "critical",
                    "--destination", "discord-bot",
                    "--queue", fixture.queue.root, "--config", fixture.configPath,
                ], environment: fixture.environment)
            #expect(opened.status == 0, "\(opened)")
        }
        #expect(try fixture.drive().status == 0)
        let (first, second, third) = (
            try messageID(fixture, "INC-D1"), try messageID(fixture, "INC-D2"), try messageID(fixture, "INC-D3")
        )
        try fixture.changeService(
            [
                "discord_reactions": [
                    first: [
                        ["id": "9001", "username": "owner-report", "bot": true],
                        ["id": "7001", "username": "alice", "global_name": "Alice Wang"],
                    ]
                ],
                "discord_messages": [
                    [
                        "id": "\(Int(second)! + 5)", "content": "ack — looking",
                        "author": ["id": "7002", "username": "bob"], "message_reference": ["message_id": second],
                    ],
                    [
                        "id": "\(Int(second)! + 6)", "content": "ack",
                        "author": ["id": "9001", "username": "owner-report", "bot": true],
                        "message_reference": ["message_id": third],
                    ],
                    [
                        "id": "\(Int(second)! + 7)", "content": "acknowledging nothing",
                        "author": ["id": "7003", "username": "carol"], "message_reference": ["message_id": third],
                    ],
                ],
            ],
            rules: [
                [
                    "contains": "/reactions/", "times": 1, "status": 429, "headers": ["Retry-After": "1"],
                    "body": ["message": "You are being rate limited.", "retry_after": 0.3, "global": false],
                ]
            ])
        let pass = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
        #expect([0, 69].contains(pass.status) && !pass.stderr.contains("failed"), "\(pass)")
        let rows = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .acknowledged }.compactMap(\.detail)
            .sorted()
        #expect(
            rows == [
                "INC-D1 acknowledged by Alice Wang (discord:7001) via discord-bot",
                "INC-D2 acknowledged by @bob (discord:7002) via discord-bot",
            ], "\(rows)")
        let calls = try fixture.requests(to: "discord-bot")
        #expect(calls.contains { $0.status == 429 }, "the server rate-limited once")
        let replies = calls.filter { $0.method == "POST" && $0.body.contains("message_reference") }.compactMap(\.shown)
            .sorted()
        #expect(replies == ["✅ INC-D1 acknowledged by Alice Wang", "✅ INC-D2 acknowledged by @bob"], "\(replies)")
        // The next pass looks at INC-D3 only: the acknowledged ones are no longer watched.
        let before = try fixture.requests(to: "discord-bot").count
        _ = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
        let later = try fixture.requests(to: "discord-bot").dropFirst(before)
        #expect(!later.isEmpty && later.allSatisfy { $0.path.contains(third) }, "\(later.map(\.path))")
        #expect(try fixture.leftovers().contains(ChannelFixture.discordToken) == false)
    }
}

/// `[escalation]` run by the watchdog's every-minute pass, with the clock set by OWNER_REPORT_NOW.
@Suite struct EscalationTests {
    static let opened = "2026-11-20T08:00:00Z"

    func fixture() throws -> ChannelFixture {
        let fixture = try ChannelFixture(telegramAcknowledgements: true)
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try
            (config.replacingOccurrences(
                of: "default_destination = \"discord-bot\"", with: "default_destination = \"telegram\"")
            + "\n\n[escalation]\nafter = \"10m\"\ninterval = \"10m\"\nchain = [\"slack\", \"discord-bot\"]\n")
            .write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        return fixture
    }

    func pass(_ fixture: ChannelFixture, at time: String) throws -> Program.Outcome {
        let outcome = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath, "--max-count", "20"],
            environment: fixture.environment.merging(["OWNER_REPORT_NOW": time]) { $1 })
        #expect([0, 69].contains(outcome.status), "\(outcome)")
        return outcome
    }

    func steps(_ fixture: ChannelFixture) throws -> [String] {
        try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .escalated }.compactMap(\.detail)
    }

    func produce(_ fixture: ChannelFixture, _ arguments: [String]) throws {
        let run = try Program.producer.run(
            arguments + ["--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment)
        #expect(run.status == 0, "\(run)")
    }

    @Test func anUnacknowledgedIncidentClimbsTheChainUntilSomeoneAcknowledges() throws {
        let fixture = try fixture()
        try produce(
            fixture,
            [
                "incident", "open", "--id", "INC-E", "--title", "payments down", "--severity", "critical", "--at",
                Self.opened,
            ])
        try produce(
            fixture,
            [
                "incident", "open", "--id", "INC-Q", "--title", "seen at once", "--severity", "critical", "--at",
                Self.opened,
            ])
        try produce(
            fixture,
            [
                "incident", "open", "--id", "INC-W", "--title", "only a warning", "--severity", "warning", "--at",
                Self.opened,
            ])
        try produce(fixture, ["ack", "INC-Q", "--at", "2026-11-20T08:02:00Z"])
        _ = try pass(fixture, at: "2026-11-20T08:05:00Z")
        #expect(try steps(fixture).isEmpty, "not due yet")

        let first = try pass(fixture, at: "2026-11-20T08:10:00Z")
        let rows = try Ledger(queue: fixture.queue).allEvents().map {
            "\($0.kind) \($0.time) \($0.detail ?? "") \($0.facts ?? "")"
        }
        #expect(first.stdout.contains("escalated INC-E: step 1 of 3 → telegram"), "\(first) \(rows)")
        _ = try pass(fixture, at: "2026-11-20T08:10:30Z")
        #expect(
            try steps(fixture) == ["INC-E escalation 1 to telegram"],
            "once, however many passes; INC-Q was acknowledged, INC-W is a warning")
        let resent = try fixture.requests(to: "telegram").filter { $0.body.contains("INC-E not acknowledged") }
        #expect(
            resent.count == 1 && resent[0].body.contains("ack:INC-E"),
            "the re-send carries the button: \(resent.map(\.body))")

        _ = try pass(fixture, at: "2026-11-20T08:20:00Z")
        #expect(try steps(fixture) == ["INC-E escalation 1 to telegram", "INC-E escalation 2 to slack"])
        let slack = try fixture.requests(to: "slack")
        #expect(slack.count == 1 && slack[0].body.contains("INC-E not acknowledged"), "\(slack.map(\.body))")

        try produce(fixture, ["ack", "INC-E", "--at", "2026-11-20T08:21:00Z"])
        _ = try pass(fixture, at: "2026-11-20T08:40:00Z")
        #expect(try steps(fixture).count == 2, "the acknowledgement stops the chain before discord-bot")
        #expect(try fixture.requests(to: "discord-bot").filter { $0.body.contains("INC-E not acknowledged") }.isEmpty)
        #expect(try Ledger(queue: fixture.queue).verifyChain() == nil)
        try produce(fixture, ["daily", "--at", "2026-11-21T08:00"])
        let daily = try #require(
            try FileManager.default.contentsOfDirectory(atPath: fixture.queue.pending).first { $0.contains("daily") })
        let text = try String(contentsOfFile: "\(fixture.queue.pending)/\(daily)", encoding: .utf8)
        #expect(text.contains("- Acknowledged: 2 (median time to acknowledge: 2 min); escalation steps: 2"), "\(text)")
    }

    /// Passes killed with SIGKILL at random moments while the steps come due: every step is recorded
    /// exactly once, in order, and every step's report reaches its destination.
    @Test func killMinus9DuringPassesNeitherRepeatsNorSkipsAStep() throws {
        let fixture = try fixture()
        try produce(
            fixture,
            [
                "incident", "open", "--id", "INC-K", "--title", "killed passes", "--severity", "critical", "--at",
                Self.opened,
            ])
        for round in 0..<15 {
            let minute = 10 + (round / 5) * 10  // five killed passes at each of 08:10, 08:20, 08:30
            let pass = try Program.watchdog.start(
                ["--queue", fixture.queue.root, "--config", fixture.configPath, "--max-count", "20"],
                environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T08:\(minute):0\(round % 5)Z"])
                { $1 })
            Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.12))
            pass.signal(SIGKILL)
            _ = pass.wait()
        }
        for time in ["2026-11-20T08:35:00Z", "2026-11-20T08:36:00Z", "2026-11-20T08:37:00Z"] {
            _ = try pass(fixture, at: time)
        }
        #expect(
            try steps(fixture) == [
                "INC-K escalation 1 to telegram", "INC-K escalation 2 to slack", "INC-K escalation 3 to discord-bot",
            ])
        #expect(directoryNames(fixture.queue.pending).isEmpty, "every step's report was delivered")
        for destination in ["telegram", "slack", "discord-bot"] {
            let received = try fixture.requests(to: destination).filter {
                $0.body.contains("INC-K not acknowledged") && ($0.status ?? 0) / 100 == 2
            }
            #expect(
                (1...16).contains(received.count),
                "\(destination): \(received.count) (a kill between a 2xx and its commit may repeat one)")
        }
        #expect(try Ledger(queue: fixture.queue).verifyChain() == nil)
    }

    @Test func aStepThatNeverAppearedIsPublishedAgainAndALongGapSkipsNone() throws {
        let fixture = try fixture()
        try produce(
            fixture,
            ["incident", "open", "--id", "INC-G", "--title", "gap", "--severity", "critical", "--at", Self.opened])
        // The watchdog was away for 35 minutes: all three steps are due, and all three are taken, in order.
        let dry = try Program.watchdog.run(
            ["--dry-run", "--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T08:35:00Z"]) { $1 })
        let none = try steps(fixture)
        #expect(
            dry.stdout.contains("would escalate INC-G: step 3 of 3 → discord-bot") && none.isEmpty,
            "a dry run records nothing: \(dry)")
        let json = try Program.watchdog.run(
            ["--dry-run", "--json", "--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T08:35:00Z"]) { $1 })
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any],
            "--json prints JSON only: \(json)")
        #expect((object["escalation"] as? [String])?.count == 3)
        let gap = try Program.watchdog.run(
            ["--max-count", "1", "--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T08:35:00Z"]) { $1 })
        #expect(
            try steps(fixture) == [
                "INC-G escalation 1 to telegram", "INC-G escalation 2 to slack", "INC-G escalation 3 to discord-bot",
            ], "\(gap)")
        // Put step 3's file back in tmp/ before anything delivered it, as a writer killed between the
        // commit and the link leaves it.
        let third = try #require(try Ledger(queue: fixture.queue).allEvents().last { $0.kind == .escalated }?.report)
        let path = "\(fixture.queue.pending)/\(third)"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(rename(path, "\(fixture.queue.tmp)/.\(third).42.tmp") == 0)
        let repair = try pass(fixture, at: "2026-11-20T08:36:00Z")
        #expect(repair.stdout.contains("published again"), "\(repair)")
        #expect(try steps(fixture).count == 3, "no step twice")
        let delivered = try fixture.requests(to: "discord-bot").filter { $0.body.contains("INC-G not acknowledged") }
        #expect(delivered.count == 1, "step 3 reached its destination once")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: "\(fixture.queue.sent)/\(third)")) == bytes,
            "the same bytes, under the same name")
    }
}
