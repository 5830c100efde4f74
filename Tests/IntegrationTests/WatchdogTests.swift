import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `owner-report-watchdog` as cron runs it: a bounded drain, de-duplicated alerts, a dry run.
@Suite struct WatchdogTests {
    /// The webhook fixture with alerts going to a `file` destination, one file per alert.
    static func fixture(watchdog: String = "") throws -> DriverFixture {
        try DriverFixture(
            top: "fallback_destination = \"alerts\"",
            extra: "\n[destinations.alerts]\nchannel = \"file\"\npath = \"alerts\"\n\n[watchdog]\n\(watchdog)")
    }

    static func watchdog(_ fixture: DriverFixture, _ arguments: [String] = [], environment: [String: String] = [:])
        throws -> Program.Outcome
    {
        try Program.watchdog.run(
            arguments + ["--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: fixture.environment.merging(environment) { $1 })
    }

    static func alerts(_ fixture: DriverFixture) -> [String] {
        directoryNames("\(fixture.queue.root)/alerts")
    }

    /// A heartbeat as a daemon that died ten minutes ago left it.
    static func staleHeartbeat(_ fixture: DriverFixture) throws {
        try fixture.queue.prepare()
        let path = "\(fixture.queue.state)/heartbeat"
        try "pid=1\nactivity=idle\n".write(toFile: path, atomically: true, encoding: .utf8)
        let old = Date().addingTimeInterval(-600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
    }

    @Test func aStaleHeartbeatLeadsToABoundedDrainOfExactlyMaxCountAndOneAlert() throws {
        let fixture = try Self.fixture()
        let ids = try fixture.enqueueNotes(8)
        try Self.staleHeartbeat(fixture)
        let run = try Self.watchdog(fixture, environment: ["OWNER_REPORT_MAX_COUNT": "3"])
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == Array(ids.prefix(3)), "exactly the three oldest")
        #expect(directoryNames(fixture.queue.pending) == Array(ids.dropFirst(3)))
        #expect(Self.alerts(fixture).count == 1)
        #expect(run.stderr.contains("alert daemon raised"), "\(run.stderr)")
        let metrics = try String(contentsOfFile: "\(fixture.queue.state)/metrics.prom", encoding: .utf8)
        #expect(
            metrics.contains("owner_report_pending 5\n")
                && metrics.contains("owner_report_delivered_total{destination=\"hook\"} 3\n"))
        #expect(metrics.contains("owner_report_delivery_latency_seconds_count 3\n"))
    }

    @Test func aBrokenChainAlertsOnceRemindsAfterTheIntervalAndSaysOnceWhenItRecovers() throws {
        let fixture = try Self.fixture(watchdog: "max_pending_age = \"1s\"\nreminder_interval = \"3s\"")
        try fixture.sink.plan([], default: ["status": 503, "body": "down"])
        let id = try #require(try fixture.enqueueNotes(1).first)
        Thread.sleep(forTimeInterval: 1.2)
        for _ in 1...4 {
            let run = try Self.watchdog(fixture)
            #expect(run.status == 75, "\(run)")
        }
        #expect(Self.alerts(fixture).count == 1, "one alert however many runs")
        Thread.sleep(forTimeInterval: 3.1)
        _ = try Self.watchdog(fixture)
        #expect(Self.alerts(fixture).count == 2, "a reminder after reminder_interval")
        _ = try Self.watchdog(fixture)
        #expect(Self.alerts(fixture).count == 2)

        try fixture.sink.plan([])
        #expect(
            try eventually(timeout: .seconds(10)) {
                _ = try Self.watchdog(fixture)
                return directoryNames(fixture.queue.sent) == [id]
            })
        _ = try Self.watchdog(fixture)
        _ = try Self.watchdog(fixture)
        #expect(Self.alerts(fixture).count == 3, "exactly one recovery message: \(Self.alerts(fixture))")
        let alerts = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .alert }.compactMap(\.detail)
        #expect(
            alerts.map { $0.split(separator: ":")[0] } == ["backlog raised", "backlog reminder", "backlog recovered"])
        let recovery = try #require(Self.alerts(fixture).first { $0.contains("-recovered-") })
        let text = try String(contentsOfFile: "\(fixture.queue.root)/alerts/\(recovery)", encoding: .utf8)
        #expect(text.contains("backlog recovered"))
    }

    @Test func aReportNewInFailedIsAlertedOnce() throws {
        let fixture = try Self.fixture()
        try fixture.queue.prepare()
        try Data([0x2D, 0x2D, 0x2D, 0x0A, 0x00, 0xFF, 0xFE]).write(
            to: URL(fileURLWithPath: "\(fixture.queue.pending)/broken.md"))
        Thread.sleep(forTimeInterval: 1.1)  // a file dropped in by hand is read once it has settled
        let first = try Self.watchdog(fixture)
        #expect(directoryNames(fixture.queue.failed).contains("broken.md"), "\(first)")
        #expect(Self.alerts(fixture).count == 1)
        _ = try Self.watchdog(fixture)
        #expect(Self.alerts(fixture).count == 1, "the same failed report is not alerted again")
    }

    @Test func aLiveDaemonIsLeftToDeliver() throws {
        let fixture = try Self.fixture()
        let daemon = try fixture.startDriver(["--follow"])
        #expect(eventually { FileManager.default.fileExists(atPath: "\(fixture.queue.state)/heartbeat") })
        let run = try Self.watchdog(fixture, ["--json"])
        daemon.signal(SIGTERM)
        _ = daemon.wait()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(
            (object["drain"] as? [String: Any])?["skipped"] as? String == "a --follow daemon holds the queue", "\(run)")
        #expect((object["health"] as? [String: Any])?["daemon"] as? String == "alive")
    }

    /// Names, modes, sizes and contents of every file under `root`.
    static func fingerprint(_ root: String) throws -> String {
        var lines: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let name = enumerator?.nextObject() as? String {
            let path = "\(root)/\(name)"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let data = FileManager.default.contents(atPath: path) ?? Data()
            let digest = SHA256.hash(data).map { String(format: "%02x", $0) }.joined()
            lines.append(
                "\(name) \(attributes[.posixPermissions] ?? "") \(attributes[.modificationDate] ?? "") \(digest)")
        }
        return lines.sorted().joined(separator: "\n")
    }

    @Test func aDryRunChangesNothing() throws {
        let fixture = try Self.fixture(watchdog: "max_pending_age = \"1s\"")
        _ = try fixture.enqueueNotes(4)
        try Self.staleHeartbeat(fixture)
        try "---\nkind: note\n".write(toFile: "\(fixture.queue.failed)/old.md", atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 1.1)
        let before = try Self.fingerprint(fixture.queue.root)
        let run = try Self.watchdog(fixture, ["--dry-run"])
        #expect(run.status == 0, "\(run)")
        let after = try Self.fingerprint(fixture.queue.root)
        #expect(
            after == before,
            "the dry run changed the queue: \(Set(after.split(separator: "\n")).symmetricDifference(before.split(separator: "\n")))"
        )
        #expect(try fixture.sink.requests().isEmpty)
        #expect(run.stdout.contains("would deliver 4 message(s)"))
        #expect(
            run.stdout.contains("would send alert backlog raised")
                && run.stdout.contains("would send alert daemon raised"))
        #expect(run.stdout.contains("would send alert failed raised"))
    }
}
