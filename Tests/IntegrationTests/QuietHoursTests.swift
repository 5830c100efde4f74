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
        let urgent = try run(.producer, ["note", "--title", "disk full", "--status", "critical"], at: "2026-11-20T23:32:00+08:00")
        let names = [first, second, urgent].map { DurableFile.fileName(of: $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }

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
        #expect(!morning.stdout.contains("backlog") && morning.stdout.contains("would deliver 2 message(s)"), "\(morning)")

        #expect(try run(.driver, ["--once"], at: "2026-11-21T07:00:30+08:00").status == 0)
        #expect(try delivered() == [names[2], names[0], names[1]], "then the rest, in their order")
        #expect(try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .alert }.isEmpty, "no alert all night")
    }

    /// With `quiet_hours_digest = true` the held reports go as one message listing them, before a
    /// report that came after the window: the lane's order holds.
    @Test func theHeldReportsGoAsOneDigestBeforeWhatCameAfterTheWindow() throws {
        let text = try String(contentsOfFile: config, encoding: .utf8) + "\nquiet_hours_digest = true\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        var names: [String] = []
        for (title, time) in [("backup done", "2026-11-20T23:40:00+08:00"), ("index rebuilt", "2026-11-21T02:10:00+08:00")] {
            let made = try run(.producer, ["note", "--title", title], at: time)
            names.append(DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        #expect(try run(.driver, ["--once"], at: "2026-11-21T03:00:00+08:00").status == 0)
        #expect(try delivered().isEmpty)
        let after = try run(.producer, ["note", "--title", "morning check"], at: "2026-11-21T07:00:10+08:00")
        names.append(DurableFile.fileName(of: after.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        let morning = try run(.driver, ["--once"], at: "2026-11-21T07:00:20+08:00")
        #expect(morning.status == 0, "\(morning)")
        #expect(try delivered() == names, "the two held ones (in the digest), then the later one")
        let outbox = directoryNames("\(queue)/outbox")
        #expect(outbox.count == 2, "one digest and one message: \(outbox)")
        let digest = try #require(outbox.first { $0.hasPrefix("digest-") })
        let shown = try String(contentsOfFile: "\(queue)/outbox/\(digest)", encoding: .utf8)
        #expect(shown.contains("2 report(s) held during quiet hours 23:00-07:00") && shown.contains("- backup done (note, 2026-11-20 23:40)")
            && shown.contains("- index rebuilt (note, 2026-11-21 02:10)"), "\(shown)")
        let rows = try Ledger(path: "\(queue)/ledger.sqlite3").allEvents().filter { $0.kind == .delivered }.map { $0.detail ?? "" }
        #expect(rows.prefix(2).allSatisfy { $0 == "in a quiet-hours digest of 2" }, "\(rows)")
        #expect(directoryNames("\(queue)/pending").isEmpty && directoryNames("\(queue)/sent").count == 3)
        #expect(try run(.archiver, ["verify"], at: "2026-11-21T07:01:00+08:00").status == 0)
    }

    @Test func aMalformedWindowIsAConfigurationErrorNamingTheKey() throws {
        try directory.write("bad.toml", "[destinations.local]\nchannel = \"file\"\npath = \"outbox\"\nquiet_hours = \"late\"\n")
        let refused = try Program.driver.run(["--once", "--queue", queue, "--config", directory.appending("bad.toml")])
        #expect(refused.status == 78 && refused.stderr.contains("destinations.local.quiet_hours") && refused.stderr.contains("HH:MM-HH:MM"), "\(refused)")
    }
}
