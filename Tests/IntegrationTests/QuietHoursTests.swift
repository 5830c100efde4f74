import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `quiet_hours` across midnight in Asia/Taipei, with the clock set by OWNER_REPORT_NOW.
@Suite struct QuietHoursDeliveryTests {
    let directory = TemporaryDirectory()
    var queue: String { directory.appending("queue") }
    var config: String { directory.appending("config.toml") }

    init() throws {
        try directory.write(
            "config.toml",
            """
            timezone = "Asia/Taipei"
            default_destination = "local"
            [watchdog]
            max_pending_age = "5m"
            [destinations.local]
            channel = "file"
            path = "outbox"
            quiet_hours = "23:00-07:00"
            """)
    }

    func run(_ program: Program, _ arguments: [String], at time: String) throws -> Program.Outcome {
        try program.run(arguments + ["--queue", queue, "--config", config], environment: ["OWNER_REPORT_NOW": time])
    }

    func delivered() throws -> [String] {
        try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .delivered }.compactMap(\.report)
    }

    @Test func onlyCriticalReportsGoDuringTheWindowAndTheRestGoInOrderAtItsEnd() throws {
        // 23:30 in Taipei is 15:30 UTC.
        let first = try run(.producer, ["note", "--title", "nightly job 1 finished"], at: "2026-11-20T23:30:00+08:00")
        let second = try run(.producer, ["note", "--title", "nightly job 2 finished"], at: "2026-11-20T23:31:00+08:00")
        let urgent = try run(
            .producer, ["note", "--title", "disk full", "--status", "critical"], at: "2026-11-20T23:32:00+08:00")
        let names = [first, second, urgent].map {
            DurableFile.fileName(of: $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        let night = try run(.driver, ["--once"], at: "2026-11-20T23:33:00+08:00")
        #expect(night.status == 0, "\(night)")
        #expect(try delivered() == [names[2]], "the critical one overtakes the held ones at once")
        #expect(directoryNames("\(queue)/pending").sorted() == [names[0], names[1]].sorted())

        // 03:00: the watchdog's pass holds them too and does not call them a backlog (5 min limit).
        let pass = try run(.watchdog, ["--dry-run"], at: "2026-11-21T03:00:00+08:00")
        #expect(!pass.stdout.contains("backlog") && pass.stdout.contains("would deliver 0 message(s)"), "\(pass)")
        #expect(try run(.watchdog, [], at: "2026-11-21T03:00:00+08:00").status == 0)
        #expect(try delivered().count == 1)
        // 07:01, before any delivery: waiting counts from the window's end, one minute, not eight hours.
        let morning = try run(.watchdog, ["--dry-run"], at: "2026-11-21T07:01:00+08:00")
        #expect(
            !morning.stdout.contains("backlog") && morning.stdout.contains("would deliver 2 message(s)"), "\(morning)")

        #expect(try run(.driver, ["--once"], at: "2026-11-21T07:00:30+08:00").status == 0)
        #expect(try delivered() == [names[2], names[0], names[1]], "then the rest, in their order")
        #expect(
            try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .alert }.isEmpty,
            "no alert all night")
    }

    /// With `quiet_hours_digest = true` the held reports go as one message listing them, before a
    /// report that came after the window: the lane's order holds.
    @Test func theHeldReportsGoAsOneDigestBeforeWhatCameAfterTheWindow() throws {
        let text = try String(contentsOfFile: config, encoding: .utf8) + "\nquiet_hours_digest = true\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        var names: [String] = []
        for (title, time) in [
            ("backup done", "2026-11-20T23:40:00+08:00"), ("index rebuilt", "2026-11-21T02:10:00+08:00"),
        ] {
            let made = try run(.producer, ["note", "--title", title], at: time)
            names.append(DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        #expect(try run(.driver, ["--once"], at: "2026-11-21T03:00:00+08:00").status == 0)
        #expect(try delivered().isEmpty)
        let after = try run(.producer, ["note", "--title", "morning check"], at: "2026-11-21T07:00:10+08:00")
        names.append(DurableFile.fileName(of: after.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        let morning = try run(.driver, ["--once"], at: "2026-11-21T07:00:20+08:00")
        #expect(morning.status == 0, "\(morning)")
        let order = try delivered()
        #expect(order.first?.hasPrefix("digest-") == true, "the digest message first: \(order)")
        #expect(Array(order.dropFirst()) == names, "then its two reports' rows, then the later one")
        let outbox = directoryNames("\(queue)/outbox")
        #expect(outbox.count == 2, "one digest and one message: \(outbox)")
        let digest = try #require(outbox.first { $0.hasPrefix("digest-") })
        let shown = try String(contentsOfFile: "\(queue)/outbox/\(digest)", encoding: .utf8)
        #expect(
            shown.contains("2 report(s) held during quiet hours 23:00-07:00")
                && shown.contains("- backup done (note, 2026-11-20 23:40)")
                && shown.contains("- index rebuilt (note, 2026-11-21 02:10)"), "\(shown)")
        let rows = try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .delivered }.map {
            $0.detail ?? ""
        }
        #expect(rows.dropFirst().prefix(2).allSatisfy { $0 == "in a quiet-hours digest of 2" }, "\(rows)")
        #expect(directoryNames("\(queue)/pending").isEmpty && directoryNames("\(queue)/sent").count == 3)
        #expect(try run(.archiver, ["verify"], at: "2026-11-21T07:01:00+08:00").status == 0)
        // The daily figures count the three reports' deliveries, not the digest message as a fourth.
        #expect(try run(.producer, ["daily", "--at", "2026-11-21T08:00"], at: "2026-11-21T07:02:00+08:00").status == 0)
        let daily = try #require(directoryNames("\(queue)/pending").first { $0.contains("daily") })
        #expect(try String(contentsOfFile: "\(queue)/pending/\(daily)", encoding: .utf8).contains("- Delivered: 3\n"))
    }

    /// A digest the destination refuses for now stops the lane like any failure: its reports stay
    /// pending with a `deferred` row each, and the next pass sends the digest once.
    @Test func aFailedDigestKeepsItsReportsAndIsSentOnceLater() throws {
        let sink = try HTTPSink()
        try sink.plan([["contains": "held during quiet hours", "status": 503, "times": 1, "body": "try later"]])
        try directory.write(
            "config.toml",
            """
            timezone = "Asia/Taipei"
            default_destination = "hook"
            [delivery]
            backoff_initial = "1s"
            backoff_max = "1s"
            [destinations.hook]
            channel = "webhook"
            url = "\(sink.baseURL)/hook"
            quiet_hours = "23:00-07:00"
            quiet_hours_digest = true
            """)
        var names: [String] = []
        for (title, time) in [
            ("backup done", "2026-11-20T23:40:00+08:00"), ("index rebuilt", "2026-11-21T02:10:00+08:00"),
        ] {
            let made = try run(.producer, ["note", "--title", title], at: time)
            names.append(DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let refused = try run(.driver, ["--once"], at: "2026-11-21T07:00:20+08:00")
        #expect(refused.status == 75, "\(refused)")
        let none = try delivered()
        #expect(directoryNames("\(queue)/pending").sorted() == names.sorted() && none.isEmpty, "\(none)")
        let deferred = try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .deferred }
            .compactMap(\.report)
        #expect(deferred.sorted() == names.sorted(), "each held report has its deferred row: \(deferred)")

        #expect(try run(.driver, ["--once"], at: "2026-11-21T07:00:40+08:00").status == 0)
        #expect(try delivered().filter { !$0.hasPrefix("digest-") } == names)
        #expect(directoryNames("\(queue)/pending").isEmpty)
        let digests = try sink.requests().filter { $0.body.contains("held during quiet hours") }
        #expect(digests.map(\.status) == [503, 200], "refused once, then sent once: \(digests.map(\.status))")
    }

    @Test func aMalformedWindowIsAConfigurationErrorNamingTheKey() throws {
        try directory.write(
            "bad.toml", "[destinations.local]\nchannel = \"file\"\npath = \"outbox\"\nquiet_hours = \"late\"\n")
        let refused = try Program.driver.run(["--once", "--queue", queue, "--config", directory.appending("bad.toml")])
        #expect(
            refused.status == 78 && refused.stderr.contains("destinations.local.quiet_hours")
                && refused.stderr.contains("HH:MM-HH:MM"), "\(refused)")
    }
}
