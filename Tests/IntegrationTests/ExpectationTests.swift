import Foundation
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
import Testing
import TestSupport

/// `[expect.NAME]`: silence is an incident. Real producer, watchdog and intake runs on the injectable
/// clock (`OWNER_REPORT_NOW`), in Asia/Taipei.
@Suite struct ExpectationTests {
    static let expectations = """
        [expect.backup]
        every = "1d"
        grace = "1h"

        [expect.nightly]
        cron = "0 3 * * *"
        grace = "30m"

        [expect.migration]
        match = { task_id = "MIG-1" }
        every = "30m"
        grace = "5m"

        [expect.job]
        every = "1d"
        grace = "1h"
        max_runtime = "10m"
        """

    func fixture() throws -> ReportsFixture { try ReportsFixture(extra: Self.expectations) }

    @discardableResult
    func watchdog(_ fixture: ReportsFixture, at time: String, _ extra: [String] = []) throws -> Program.Outcome {
        let outcome = try Program.watchdog.run(
            extra + ["--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment.merging(["OWNER_REPORT_NOW": time]) { $1 })
        #expect(outcome.status == 0, "\(outcome)")
        return outcome
    }

    func ping(_ fixture: ReportsFixture, _ arguments: [String], at time: String) throws {
        let outcome = try fixture.produce(["ping"] + arguments, now: time)
        #expect(outcome.status == 0, "\(outcome)")
    }

    /// The incident `expect-NAME`'s history: its opened and resolved rows, oldest first.
    func history(_ fixture: ReportsFixture, _ name: String) throws -> [Incident] {
        try Ledger(queue: fixture.queue).query(
            "WHERE event IN ('incident_opened', 'incident_resolved') AND json_extract(facts, '$.id') = ? ORDER BY seq",
            [.text("expect-\(name)")]
        ).compactMap { Incident(factsJSON: $0.facts) }
    }

    /// The titles of the reports the sink took, in order.
    func titles(_ fixture: ReportsFixture) throws -> [String] {
        try fixture.sink.accepted().compactMap { request in
            (try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])?["title"] as? String
        }
    }

    @Test func aDailyBackupMetThenMissedAcrossTheTaipeiMidnightThenBack() throws {
        let fixture = try fixture()
        // 23:30 in Taipei: the watchdog starts waiting; the backup pings at 00:10, the next day.
        let armed = try watchdog(fixture, at: "2026-11-20T15:30:00Z")
        #expect(armed.stdout.isEmpty, "quiet while it waits: \(armed)")
        try ping(fixture, ["backup"], at: "2026-11-20T16:10:00Z")
        try watchdog(fixture, at: "2026-11-21T17:09:00Z")
        #expect(try history(fixture, "backup").isEmpty, "due at 00:10 + 1 h the next day: not yet")

        let missed = try watchdog(fixture, at: "2026-11-21T17:11:00Z")
        #expect(missed.stdout.contains("opened expect-backup: backup has not reported since"), "\(missed)")
        try watchdog(fixture, at: "2026-11-21T17:12:00Z")
        let opened = try history(fixture, "backup")
        #expect(
            opened.count == 1 && opened[0].isOpen
                && opened[0].openedAt == Timestamp(iso8601UTC: "2026-11-21T17:10:00.000000Z"))
        let sent = try titles(fixture)
        #expect(
            sent.contains {
                $0 == "expect-backup opened: backup has not reported since 2026-11-21 00:10 (expected every 1d + 1h)"
            }, "\(sent)")

        // Seen in status and in the metrics file while it is missed.
        let status = try fixture.archive(["status", "--json"], now: "2026-11-21T17:13:00Z")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status)")
        let listed = (object["expectations"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "backup" }
        #expect(
            listed?["state"] as? String == "missed" && listed?["incident"] as? String == "expect-backup"
                && listed?["last_seen"] as? String == "2026-11-20T16:10:00.000000Z", "\(status)")
        let text = try fixture.archive(["status"], now: "2026-11-21T17:13:00Z")
        #expect(
            text.stdout.contains(
                "backup     missed   last seen 2026-11-21 00:10, expect-backup open since 2026-11-22 01:10"), "\(text)")
        let metrics = try String(contentsOfFile: "\(fixture.queue.state)/metrics.prom", encoding: .utf8)
        #expect(metrics.contains("owner_report_expectation_missed{name=\"backup\"} 1"), "\(metrics)")
        #expect(
            metrics.contains("owner_report_expectation_last_seen_timestamp_seconds{name=\"backup\"} 1795191000"),
            "\(metrics)")

        try ping(fixture, ["backup"], at: "2026-11-21T17:40:00Z")
        let back = try watchdog(fixture, at: "2026-11-21T17:41:00Z")
        #expect(back.stdout.contains("resolved expect-backup"), "\(back)")
        let story = try history(fixture, "backup")
        #expect(story.count == 2 && story[1].resolvedAt == Timestamp(iso8601UTC: "2026-11-21T17:40:00.000000Z"))
        #expect(try titles(fixture).contains { $0.hasPrefix("expect-backup resolved") })

        // The daily reports: the day of the first ping met it; the day of the miss did not, although the
        // backup came back within it.
        let first = try fixture.produce(
            ["daily", "--at", "2026-11-21T08:00", "--dry-run"], now: "2026-11-21T00:00:01Z")
        #expect(
            first.stdout.contains(
                """
                ## Expectations
                - Met: 1 of 4 · backup
                - Missed: 2
                  - expect-migration: migration has never reported since 2026-11-20 23:30 (expected every 30m + 5m) (2026-11-21 00:05)
                  - expect-nightly: nightly has never reported since 2026-11-20 23:30 (expected cron 0 3 * * * (Asia/Taipei) + 30m) (2026-11-21 03:30)

                """), "\(first)")
        let second = try fixture.produce(
            ["daily", "--at", "2026-11-22T08:00", "--dry-run"], now: "2026-11-22T00:00:01Z")
        #expect(
            second.stdout.contains(
                """
                ## Expectations
                - Met: 0 of 4
                - Missed: 2
                  - expect-job: job has never reported since 2026-11-20 23:30 (expected every 1d + 1h) (2026-11-22 00:30)
                  - expect-backup: backup has not reported since 2026-11-21 00:10 (expected every 1d + 1h) (2026-11-22 01:10)

                """), "\(second)")
    }

    /// A ping "at" a time is recorded at that time to the nanosecond, even with the machine loaded by
    /// sixteen producers at once (the injected clock's first reading is the injected time itself).
    @Test func aPingAtAnInjectedTimeIsRecordedAtExactlyThatTimeUnderLoad() throws {
        let fixture = try fixture()
        let times = (0..<16).map { String(format: "2026-11-20T16:%02d:00Z", $0 + 10) }
        let pings = try times.map { time in
            try Program.producer.start(
                ["ping", "backup", "--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: fixture.environment.merging(["OWNER_REPORT_NOW": time]) { $1 })
        }
        for ping in pings { #expect(ping.wait().status == 0) }
        let recorded = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .ping }.map(\.time).sorted()
        #expect(recorded == times.map { $0.replacingOccurrences(of: ":00Z", with: ":00.000000Z") }, "\(recorded)")
    }

    @Test func aCronExpectationIsDueAtItsNextTimeInTheConfiguredZone() throws {
        let fixture = try fixture()
        try watchdog(fixture, at: "2026-11-20T18:00:00Z")
        // 03:05 on the 21st in Taipei; the next is 03:00 on the 22nd (19:00 UTC), missed 30 min later.
        try ping(fixture, ["nightly"], at: "2026-11-20T19:05:00Z")
        try watchdog(fixture, at: "2026-11-21T19:29:00Z")
        #expect(try history(fixture, "nightly").isEmpty)
        let missed = try watchdog(fixture, at: "2026-11-21T19:31:00Z")
        #expect(
            missed.stdout.contains(
                "opened expect-nightly: nightly has not reported since 2026-11-21 03:05 (expected cron 0 3 * * * (Asia/Taipei) + 30m)"
            ), "\(missed)")
    }

    @Test func aTaskThatGoesQuietIsNamedWithItsLastProgressAndResolvesWhenItComesBack() throws {
        let fixture = try fixture()
        let checkpoint = [
            "checkpoint", "--team", "platform", "--worker", "agent-7", "--task-id", "MIG-1", "--done",
            "copied 3 of 8 tables", "--next", "copy orders",
        ]
        #expect(try fixture.produce(checkpoint + ["--progress", "40%"], now: "2026-11-20T01:00:00Z").status == 0)
        try watchdog(fixture, at: "2026-11-20T01:34:00Z")
        #expect(try history(fixture, "migration").isEmpty)
        try watchdog(fixture, at: "2026-11-20T01:36:00Z")
        let opened = try history(fixture, "migration")
        #expect(opened.count == 1)
        #expect(
            opened.first?.summary
                == "Last checkpoint of MIG-1: 40%, normal. Done: copied 3 of 8 tables. Next: copy orders.", "\(opened)")
        #expect(try fixture.produce(checkpoint + ["--progress", "60%"], now: "2026-11-20T01:50:00Z").status == 0)
        let back = try watchdog(fixture, at: "2026-11-20T01:51:00Z")
        #expect(back.stdout.contains("resolved expect-migration"), "\(back)")
        #expect(try history(fixture, "migration").last?.isOpen == false)
    }

    @Test func aCheckpointThatExpectsTheNextWithin30mThenGoesQuietThenComesBackThenIsDone() throws {
        let fixture = try fixture()
        func checkpoint(_ progress: String, _ extra: [String], at time: String) throws {
            let made = try fixture.produce(
                [
                    "checkpoint", "--team", "data", "--worker", "agent-2", "--task-id", "MIG-2", "--progress", progress,
                    "--next", "verify counts",
                ] + extra, now: time)
            #expect(made.status == 0, "\(made)")
        }
        try checkpoint("20%", ["--expect-next", "30m"], at: "2026-11-20T01:00:00Z")
        try watchdog(fixture, at: "2026-11-20T01:29:00Z")
        #expect(try history(fixture, "next-MIG-2").isEmpty)
        let quiet = try watchdog(fixture, at: "2026-11-20T01:31:00Z")
        #expect(
            quiet.stdout.contains(
                "opened expect-next-MIG-2: MIG-2 has not reported since 2026-11-20 09:00 (its last report expected the next within 30m)"
            ), "\(quiet)")
        #expect(
            try history(fixture, "next-MIG-2").first?.summary
                == "Last checkpoint of MIG-2: 20%, normal. Next: verify counts.")
        try checkpoint("60%", ["--expect-next", "30m"], at: "2026-11-20T01:40:00Z")
        let back = try watchdog(fixture, at: "2026-11-20T01:41:00Z")
        #expect(back.stdout.contains("resolved expect-next-MIG-2"), "\(back)")
        // Done: nothing is expected any more, however long it stays quiet.
        try checkpoint("100%", ["--status", "done", "--expect-next", "30m"], at: "2026-11-20T01:50:00Z")
        let after = try watchdog(fixture, at: "2026-11-20T05:00:00Z")
        #expect(!after.stdout.contains("expect-next-MIG-2"), "\(after)")
        #expect(try history(fixture, "next-MIG-2").count == 2)
        let refused = try fixture.produce(["note", "--title", "x", "--expect-next", "30m"])
        #expect(refused.status == 64 && refused.stderr.contains("--field task=ID"), "\(refused)")
        let bad = try fixture.produce([
            "checkpoint", "--team", "t", "--worker", "w", "--task-id", "T", "--progress", "1%", "--expect-next", "soon",
        ])
        #expect(bad.status == 64 && bad.stderr.contains("'soon' is not a duration"), "\(bad)")
    }

    @Test func aJobThatStartedAndNeverFinishedWithinMaxRuntimeIsAnIncident() throws {
        let fixture = try fixture()
        try ping(fixture, ["job"], at: "2026-11-20T01:00:00Z")
        try ping(fixture, ["job", "--start"], at: "2026-11-20T02:00:00Z")
        try watchdog(fixture, at: "2026-11-20T02:09:00Z")
        #expect(try history(fixture, "job").isEmpty)
        let hung = try watchdog(fixture, at: "2026-11-20T02:11:00Z")
        #expect(
            hung.stdout.contains("opened expect-job: job started at 2026-11-20 10:00 and has not finished within 10m"),
            "\(hung)")
        try ping(fixture, ["job"], at: "2026-11-20T02:20:00Z")
        try watchdog(fixture, at: "2026-11-20T02:21:00Z")
        #expect(try history(fixture, "job").last?.isOpen == false)

        // Its run time, start to success, as healthchecks.io measures it: kept on the ping's row, shown
        // by status and in the metrics file. A success without a start before it measures nothing.
        try ping(fixture, ["job", "--start"], at: "2026-11-21T02:00:00Z")
        try ping(fixture, ["job"], at: "2026-11-21T02:04:30Z")
        let status = try fixture.archive(["status"], now: "2026-11-21T02:05:00Z")
        #expect(status.stdout.contains(", last run 4 min 30 s"), "\(status)")
        let json = try fixture.archive(["status", "--json"], now: "2026-11-21T02:05:00Z")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        let listed = (object["expectations"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "job" }
        #expect(listed?["last_run_seconds"] as? Double == 270, "\(json)")
        try watchdog(fixture, at: "2026-11-21T02:06:00Z")
        let metrics = try String(contentsOfFile: "\(fixture.queue.state)/metrics.prom", encoding: .utf8)
        #expect(metrics.contains("owner_report_expectation_last_run_seconds{name=\"job\"} 270"), "\(metrics)")
        try ping(fixture, ["job"], at: "2026-11-21T03:00:00Z")
        let pings = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .ping }.compactMap(\.detail)
        #expect(pings.suffix(3) == ["job: start", "job: success after 4 min 30 s", "job: success"], "\(pings)")
    }

    @Test func aFailPingOpensTheIncidentAtOnceAndTheNextGoodPingResolvesIt() throws {
        let fixture = try fixture()
        try ping(fixture, ["job", "--fail", "--message", "exit 3: disk full"], at: "2026-11-20T01:00:00Z")
        let opened = try history(fixture, "job")
        #expect(
            opened.count == 1 && opened[0].title == "job failed: exit 3: disk full"
                && opened[0].summary == "exit 3: disk full")
        #expect(fixture.pending("incident").count == 1, "the failure is a report")
        try ping(fixture, ["job", "--fail"], at: "2026-11-20T01:05:00Z")
        #expect(try history(fixture, "job").count == 1, "a second failure while it is open opens nothing")
        try ping(fixture, ["job"], at: "2026-11-20T01:30:00Z")
        try watchdog(fixture, at: "2026-11-20T01:31:00Z")
        #expect(try history(fixture, "job").last?.resolvedAt == Timestamp(iso8601UTC: "2026-11-20T01:30:00.000000Z"))
        let pings = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .ping }.compactMap(\.detail)
        #expect(pings == ["job: fail: exit 3: disk full", "job: fail", "job: success"])
    }

    @Test func aPingForNoExpectationIsRefusedNamingTheKnownOnes() throws {
        let fixture = try fixture()
        let refused = try fixture.produce(["ping", "bakcup"])
        #expect(
            refused.status == 64 && refused.stderr.contains("no [expect.bakcup]")
                && refused.stderr.contains("backup, job, migration, nightly"), "\(refused)")
        let dry = try fixture.produce(["ping", "backup", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would record: ping backup success"))
        #expect(
            try Ledger(readingAt: fixture.queue.ledgerPath)?.allEvents().isEmpty ?? true, "a dry run records nothing")
    }

    @Test func pingsOverHTTPAreTheSameRows() throws {
        let intake = try IntakeFixture(intake: "", extraConfig: Self.expectations)
        let good = try intake.request("POST", "/v1/ping/backup")
        #expect(good.status == 200 && good.json["recorded"] as? String == "success", "\(good)")
        let started = try intake.request("POST", "/v1/ping/job/start")
        #expect(started.status == 200 && started.json["recorded"] as? String == "start")
        let failed = try intake.request("POST", "/v1/ping/job/fail", body: Array("exit 2".utf8))
        #expect(failed.status == 200 && (failed.json["enqueued"] as? [String])?.count == 1, "\(failed)")
        let unknown = try intake.request("POST", "/v1/ping/nope")
        #expect(unknown.status == 404 && unknown.body.contains("no [expect.nope]"), "\(unknown)")
        let unauthenticated = try intake.request("POST", "/v1/ping/backup", bearer: false)
        #expect(unauthenticated.status == 401)
        let details = try intake.ledger().allEvents().filter { $0.kind == .ping }.compactMap(\.detail)
        #expect(details.prefix(2) == ["backup: success", "job: start"], "\(details)")
        #expect(
            details.count == 3 && details[2].hasPrefix("job: fail after ") && details[2].hasSuffix(" s: exit 2"),
            "the run time, start to fail: \(details)")
        #expect(intake.stop().status == 0)
    }

    @Test func fifteenPassesKilledAroundTheDeadlineLeaveOneIncident() throws {
        let fixture = try fixture()
        try ping(fixture, ["backup"], at: "2026-11-20T01:00:00Z")
        for index in 0..<15 {
            // Around the deadline (2026-11-21T02:00Z): some before, most after it.
            let now = Timestamp(iso8601UTC: "2026-11-21T01:59:00.000000Z")!.adding(
                nanoseconds: Int64(index) * 20_000_000_000)
            let pass = try Program.watchdog.start(
                ["--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: fixture.environment.merging(["OWNER_REPORT_NOW": now.iso8601UTC]) { $1 })
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...0.25))
            pass.signal(SIGKILL)
            _ = pass.wait()
        }
        try watchdog(fixture, at: "2026-11-21T02:10:00Z")
        let story = try history(fixture, "backup")
        #expect(story.count == 1 && story[0].isOpen, "one incident: \(story.map(\.openedAt))")
        let openings = try Ledger(queue: fixture.queue).allEvents().filter { event in
            event.kind == .enqueued
                && ReportFacts(json: event.facts)?.cause?.hasPrefix("incident:expect-backup:opened:") == true
        }
        #expect(openings.count == 1)
        #expect(try fixture.archive(["verify"]).status == 0)
    }
}
