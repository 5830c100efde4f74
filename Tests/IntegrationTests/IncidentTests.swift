import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Incidents, Alertmanager payloads and postmortems through the real producer and driver.
@Suite struct IncidentTests {
    /// `producer ack` from the shell: one `acknowledged` row naming the local user and the channel, the
    /// first one counts, an unknown incident is a clear error, and the daily report counts it with the
    /// median time from opening to acknowledgement.
    @Test func anAcknowledgementFromTheShellIsRecordedOnceAndCountedByTheDailyReport() throws {
        let fixture = try ReportsFixture()
        #expect(
            try fixture.produce([
                "incident", "open", "--id", "INC-A", "--title", "API 5xx", "--severity", "critical", "--at",
                "2026-11-20T08:00:00",
            ]).status == 0)
        #expect(
            try fixture.produce([
                "incident", "open", "--id", "INC-B", "--title", "disk 90%", "--severity", "warning", "--at",
                "2026-11-20T09:00:00",
            ]).status == 0)
        let first = try fixture.produce(["ack", "INC-A", "--at", "2026-11-20T08:03:00", "--note", "on it"])
        #expect(
            first.status == 0 && first.stdout.contains("INC-A acknowledged by")
                && first.stdout.contains("3 min after it opened"), "\(first)")
        let again = try fixture.produce(["ack", "INC-A", "--by", "someone-else", "--at", "2026-11-20T08:04:00"])
        #expect(
            again.status == 0 && again.stdout.contains("already acknowledged")
                && again.stdout.contains("nothing recorded"), "\(again)")
        #expect(try fixture.produce(["ack", "INC-B", "--by", "運維", "--at", "2026-11-20T09:07:00"]).status == 0)
        let unknown = try fixture.produce(["ack", "INC-NOPE"])
        #expect(unknown.status == 66 && unknown.stderr.contains("no incident INC-NOPE in the ledger"), "\(unknown)")
        #expect(try fixture.produce(["ack", "INC-B", "--dry-run"]).stdout.contains("already acknowledged"))

        let rows = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .acknowledged }
        #expect(rows.count == 2, "one row per incident: \(rows)")
        let facts = try #require(
            rows.first?.facts.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(
            facts["incident"] as? String == "INC-A" && facts["channel"] as? String == "shell"
                && facts["note"] as? String == "on it")
        #expect(facts["user_id"] as? String == "uid \(getuid())" && (facts["name"] as? String)?.isEmpty == false)
        #expect(rows.last?.detail == "INC-B acknowledged by 運維 (uid \(getuid())) via shell")
        #expect(try Ledger(queue: fixture.queue).verifyChain() == nil)

        let daily = try fixture.produce(["daily", "--at", "2026-11-21T08:00"], now: "2026-11-21T00:00:01Z")
        #expect(daily.status == 0, "\(daily)")
        let report = try fixture.onlyPending("daily")
        // 3 min and 7 min: the nearest-rank median of two is the smaller.
        #expect(
            report.contains("- Acknowledged: 2 (median time to acknowledge: 3 min); escalation steps: 0"), "\(report)")
    }

    @Test func thePostmortemThresholdHoldsOnBothSides() throws {
        let fixture = try ReportsFixture()
        // 9 min 59 s: no postmortem, and asking for one explains why and exits 0.
        #expect(
            try fixture.produce([
                "incident", "open", "--id", "INC-S", "--title", "short blip", "--severity", "warning", "--at",
                "2026-11-20T08:00:00",
            ]).status == 0)
        let short = try fixture.produce(["incident", "resolve", "--id", "INC-S", "--at", "2026-11-20T08:09:59"])
        #expect(short.status == 0, "\(short)")
        #expect(fixture.pending("postmortem").isEmpty)
        let asked = try fixture.produce(["postmortem", "--incident", "INC-S"])
        #expect(
            asked.status == 0
                && asked.stdout.hasPrefix("postmortem skipped: INC-S lasted 9 min 59 s, under the 10 min threshold"),
            "\(asked)")
        #expect(fixture.pending("postmortem").isEmpty)

        // 10 min 01 s: the resolution enqueues the postmortem by itself, with the times in Asia/Taipei.
        #expect(
            try fixture.produce([
                "incident", "open", "--id", "INC-L", "--title", "資料庫連線耗盡", "--severity", "critical", "--category",
                "database", "--at", "2026-11-20T00:00:00Z",
            ]).status == 0)
        let long = try fixture.produce([
            "incident", "resolve", "--id", "INC-L", "--at", "2026-11-20T08:10:01+08:00", "--root-cause",
            "pool too small", "--action", "raised pool to 50",
            "--retries", "2",
        ])
        #expect(long.status == 0, "\(long)")
        let postmortem = try fixture.onlyPending("postmortem")
        #expect(postmortem.contains("kind: postmortem") && postmortem.contains("title: INC-L: 資料庫連線耗盡"))
        #expect(postmortem.contains("**Duration:** 10 min 01 s"))
        #expect(postmortem.contains("**Opened → resolved:** 2026-11-20 08:00 → 2026-11-20 08:10 (Asia/Taipei)"))
        #expect(
            postmortem.contains("pool too small") && postmortem.contains("raised pool to 50")
                && postmortem.contains("after 2 retries"))
        let resolved = try fixture.onlyPending("inc-l-resolved")
        #expect(resolved.contains("status: done") && resolved.contains("duration: 10 min 01 s"))

        // An explicit postmortem of the long one is allowed; of an unknown or open one, a clear error.
        #expect(try fixture.produce(["postmortem", "--incident", "INC-L", "--auto-repaired"]).status == 0)
        #expect(fixture.pending("postmortem").count == 2)
        let unknown = try fixture.produce(["postmortem", "--incident", "INC-NOPE"])
        #expect(unknown.status == 66 && unknown.stderr.contains("no incident INC-NOPE in the ledger"), "\(unknown)")
        #expect(
            try fixture.produce(["incident", "open", "--id", "INC-O", "--title", "open", "--severity", "info"]).status
                == 0)
        let open = try fixture.produce(["postmortem", "--incident", "INC-O"])
        #expect(open.status == 65 && open.stderr.contains("still open"), "\(open)")

        // The ledger kept each incident's life.
        let ledger = try Ledger(queue: fixture.queue)
        let life = try ledger.allEvents().filter { $0.kind.rawValue.hasPrefix("incident_") }.map {
            "\($0.kind):\($0.detail ?? "")"
        }
        #expect(
            life == [
                "incident_opened:INC-S opened: short blip", "incident_resolved:INC-S resolved after 9 min 59 s",
                "incident_opened:INC-L opened: 資料庫連線耗盡", "incident_resolved:INC-L resolved after 10 min 01 s",
                "incident_opened:INC-O opened: open",
            ])
        #expect(try ledger.verifyChain() == nil)
    }

    @Test func openingTwiceAndResolvingTwiceEnqueueOnce() throws {
        let fixture = try ReportsFixture()
        #expect(
            try fixture.produce(["incident", "open", "--id", "INC-1", "--title", "t", "--severity", "critical"]).status
                == 0)
        let again = try fixture.produce(["incident", "open", "--id", "INC-1", "--title", "t", "--severity", "critical"])
        #expect(
            again.status == 0 && again.stdout.contains("INC-1 is already open since")
                && again.stdout.contains("nothing enqueued"))
        #expect(try fixture.produce(["incident", "resolve", "--id", "INC-1"]).status == 0)
        let twice = try fixture.produce(["incident", "resolve", "--id", "INC-1"])
        #expect(twice.status == 0 && twice.stdout.contains("already resolved"), "\(twice)")
        #expect(fixture.pending("incident").count == 2)
        let opened = try fixture.onlyPending("inc-1-opened")
        #expect(opened.contains("status: critical") && opened.contains("severity: critical"))
        let before = try fixture.produce(["incident", "resolve", "--id", "INC-2"])
        #expect(before.status == 66 && before.stderr.contains("no incident INC-2"), "\(before)")
    }

    /// Shaped like the example in Alertmanager's webhook documentation.
    static func payload(status: String, endsAt: String = "0001-01-01T00:00:00Z", secondEndsAt: String? = nil) -> String
    {
        """
        {
          "version": "4",
          "groupKey": "{}:{alertname=\\"HighErrorRate\\"}",
          "truncatedAlerts": 0,
          "status": "\(status)",
          "receiver": "owner-report",
          "groupLabels": {"alertname": "HighErrorRate"},
          "commonLabels": {"alertname": "HighErrorRate", "job": "api"},
          "commonAnnotations": {},
          "externalURL": "http://alertmanager.example.com:9093",
          "alerts": [
            {
              "status": "\(status)",
              "labels": {"alertname": "HighErrorRate", "severity": "critical", "instance": "api-1:8080", "job": "api", "category": "availability"},
              "annotations": {"summary": "API 5xx above 2% on api-1", "description": "error ratio 4.1% for 5m"},
              "startsAt": "2026-11-20T08:00:00.123+08:00",
              "endsAt": "\(endsAt)",
              "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=job%3Aerrors%3Aratio",
              "fingerprint": "c4f9a1b2d3e4f506"
            },
            {
              "status": "\(status)",
              "labels": {"alertname": "DiskFilling", "severity": "warning", "instance": "db-1:9100", "job": "node"},
              "annotations": {"summary": "disk on db-1 fills in 4h"},
              "startsAt": "2026-11-20T00:02:00Z",
              "endsAt": "\(secondEndsAt ?? endsAt)",
              "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=node_filesystem",
              "fingerprint": "0a1b2c3d4e5f6071"
            }
          ]
        }
        """
    }

    @Test func alertmanagerFiringThenResolvedOpensAndResolvesOneIncidentPerAlert() throws {
        let fixture = try ReportsFixture()
        let file = try fixture.directory.write("firing.json", Self.payload(status: "firing"))
        let firing = try fixture.produce(["alertmanager", file])
        #expect(firing.status == 0, "\(firing)")
        #expect(fixture.pending("incident").count == 2)
        let opened = try fixture.onlyPending("am-c4f9a1b2d3e4f506-opened")
        #expect(opened.contains("title: am-c4f9a1b2d3e4f506 opened: API 5xx above 2% on api-1"))
        #expect(
            opened.contains("status: critical") && opened.contains("category: availability")
                && opened.contains("service: api"))
        #expect(
            opened.contains("**Opened** 2026-11-20 08:00 (Asia/Taipei)") && opened.contains("error ratio 4.1% for 5m"))

        // Alertmanager repeats firing alerts: nothing new, from standard input this time.
        let repeated = try fixture.produce(["alertmanager", "-"], stdinText: Self.payload(status: "firing"))
        #expect(
            repeated.status == 0 && repeated.stdout.components(separatedBy: "already open").count == 3, "\(repeated)")
        #expect(fixture.pending("incident").count == 2)

        // Resolved: the first after 30 min (postmortem), the second after 5 min (none).
        let resolvedFile = try fixture.directory.write(
            "resolved.json",
            Self.payload(status: "resolved", endsAt: "2026-11-20T00:30:00.123Z", secondEndsAt: "2026-11-20T00:07:00Z"))
        let resolved = try fixture.produce(["alertmanager", resolvedFile])
        #expect(resolved.status == 0, "\(resolved)")
        #expect(fixture.pending("resolved").count == 2)
        let postmortem = try fixture.onlyPending("postmortem")
        #expect(postmortem.contains("am-c4f9a1b2d3e4f506") && postmortem.contains("**Duration:** 30 min"))
        let second = try fixture.onlyPending("am-0a1b2c3d4e5f6071-resolved")
        #expect(second.contains("after 5 min"))
        // Delivered in order like any report.
        let run = try fixture.drive()
        #expect(run.status == 0 && directoryNames(fixture.queue.sent).count == 5, "\(run)")
    }

    @Test func aMalformedPayloadIsRefusedWholeAndEnqueuesNothing() throws {
        let fixture = try ReportsFixture()
        var broken = Self.payload(status: "firing")
        broken = broken.replacingOccurrences(of: "\"fingerprint\": \"0a1b2c3d4e5f6071\"", with: "\"fingerprint\": \"\"")
        let cases: [(String, String)] = [
            ("{\"status\": \"firing\", \"alerts\": [", "not JSON"),
            ("{\"status\": \"firing\", \"alerts\": []}", "no \"version\""),
            (
                Self.payload(status: "firing").replacingOccurrences(
                    of: "\"version\": \"4\"", with: "\"version\": \"3\""), "version \"3\" is not supported"
            ),
            (broken, "alerts[1].fingerprint is missing"),
            (
                Self.payload(status: "firing").replacingOccurrences(of: "2026-11-20T00:02:00Z", with: "yesterday"),
                "alerts[1].startsAt"
            ),
            (Self.payload(status: "resolved"), "alerts[0] is resolved but has no endsAt"),
        ]
        for (index, (text, message)) in cases.enumerated() {
            let file = try fixture.directory.write("bad\(index).json", text)
            let run = try fixture.produce(["alertmanager", file])
            #expect(run.status == 65, "\(message): \(run)")
            #expect(
                run.stderr.hasPrefix("owner-report-producer: \(file): ") && run.stderr.contains(message),
                "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1)
        }
        #expect(directoryNames(fixture.queue.pending).isEmpty)
        let ledger = try Ledger(readingAt: fixture.queue.ledgerPath)
        #expect(try ledger?.allEvents().isEmpty ?? true)
    }
}

extension ReportsFixture {
    /// Runs the producer with `stdinText` on its standard input, its clock starting at `now` when given.
    func produce(_ arguments: [String], stdinText: String?, now: String? = nil) throws -> Program.Outcome {
        try Program.producer.run(
            arguments + ["--queue", queue.root, "--config", configPath],
            environment: environment.merging(now.map { ["OWNER_REPORT_NOW": $0] } ?? [:]) { $1 },
            input: stdinText.map { Data($0.utf8) })
    }
}
