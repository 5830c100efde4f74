import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `owner-report-archiver` against queues filled by real producer and driver runs on chosen days.
@Suite struct ArchiverTests {
    /// Enqueues and delivers one note at `time`; returns its id.
    @discardableResult
    static func deliver(_ fixture: ReportsFixture, _ title: String, at time: String) throws -> String {
        let made = try fixture.produce(["note", "--title", title, "--body", "x"], now: time)
        #expect(made.status == 0, "\(made)")
        let run = try fixture.drive(now: time)
        #expect(run.status == 0, "\(run)")
        return DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aMultiDayRunIsFiledByDeliveryDateAndRetentionDeletesExactlyTheExpired() throws {
        let fixture = try ReportsFixture(extra: "[archive]\nretention_days = 90")
        let old = try Self.deliver(fixture, "old", at: "2026-08-20T10:00:00Z")
        let edge = try Self.deliver(fixture, "edge", at: "2026-08-25T17:30:00Z")  // 01:30 on the 26th in Taipei
        let mid = try Self.deliver(fixture, "mid", at: "2026-11-20T03:00:00Z")
        let lateSunday = try Self.deliver(fixture, "late", at: "2026-11-22T15:59:59Z")  // 23:59:59 in Taipei
        let monday = try Self.deliver(fixture, "monday", at: "2026-11-22T16:00:00Z")  // 00:00 on the 23rd
        // A malformed file quarantined long ago, and a report still waiting: neither is the archive's.
        try FileManager.default.createDirectory(atPath: fixture.queue.pending, withIntermediateDirectories: true)
        try Data([0x66, 0xFF]).write(to: URL(fileURLWithPath: "\(fixture.queue.pending)/broken.md"))
        // Dropped in by hand on that day (a file from the future would still be settling).
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_785_542_400 - 60)],
            ofItemAtPath: "\(fixture.queue.pending)/broken.md")
        #expect(try fixture.drive(now: "2026-08-01T00:00:00Z").status == 0)
        #expect(
            try fixture.produce(["note", "--title", "waiting", "--body", "x"], now: "2026-06-01T00:00:00Z").status == 0)
        let pendingBefore = directoryNames(fixture.queue.pending)

        let dry = try fixture.archive(["--dry-run"], now: "2026-11-23T12:00:00Z")
        #expect(dry.status == 0 && dry.stdout.contains("dry run: filed 5, expired 1 archived and 0 failed"), "\(dry)")
        #expect(
            fixture.tree("sent").count == 5 && fixture.tree("sent").allSatisfy { $0.split(separator: "/").count == 2 },
            "a dry run moves nothing")

        let run = try fixture.archive([], now: "2026-11-23T12:00:00Z")
        #expect(run.status == 0, "\(run)")
        #expect(
            fixture.tree("sent") == [
                "sent/2026/08/26/\(edge)", "sent/2026/11/20/\(mid)", "sent/2026/11/22/\(lateSunday)",
                "sent/2026/11/23/\(monday)",
            ])
        #expect(
            !FileManager.default.fileExists(atPath: "\(fixture.queue.sent)/2026/08/20"), "an emptied day folder goes")
        #expect(directoryNames(fixture.queue.pending) == pendingBefore, "pending/ is never touched")
        #expect(
            fixture.tree("failed") == ["failed/broken.md", "failed/broken.md.error.json"], "failed/ is kept by default")

        let ledger = try Ledger(queue: fixture.queue)
        let expired = try ledger.allEvents().filter { $0.kind == .expired }
        #expect(expired.map(\.report) == [old])
        #expect(expired.first?.detail?.contains("older than archive.retention_days = 90") == true)
        #expect(try ledger.allEvents().filter { $0.kind == .filed }.count == 5)

        // A second pass has nothing to do; failed/ retention applies once configured.
        let again = try fixture.archive([], now: "2026-11-23T12:00:00Z")
        #expect(again.stdout.hasPrefix("filed 0, expired 0 archived and 0 failed"), "\(again)")
        let strict = try ReportsFixture(
            extra: "[archive]\nretention_days = 90\nfailed_retention_days = 30", queueRoot: fixture.queue.root)
        let failedPass = try strict.archive([], now: "2026-11-23T12:00:00Z")
        #expect(failedPass.stdout.hasPrefix("filed 0, expired 0 archived and 1 failed"), "\(failedPass)")
        #expect(fixture.tree("failed").isEmpty)
        #expect(try fixture.archive(["verify"]).status == 0)
    }

    /// The daily report's last line is a witness of the ledger's head. Rewriting the ledger from an
    /// early row on, with every hash recomputed by the ledger's own code, passes the chain check (that
    /// is what a rewrite can do) and fails the witness; so does a ledger cut short.
    @Test func theDailyReportsWitnessFindsALedgerRewrittenWithEveryHashRecomputed() throws {
        let fixture = try ReportsFixture()
        for (index, hour) in ["01", "02", "03"].enumerated() {
            try Self.deliver(fixture, "note \(index)", at: "2026-11-20T\(hour):00:00Z")
        }
        let daily = try fixture.produce(["daily", "--at", "2026-11-21T08:00"], now: "2026-11-21T00:00:01Z")
        #expect(daily.status == 0, "\(daily)")
        let text = try fixture.onlyPending("daily")
        let line = try #require(text.split(separator: "\n").first { $0.contains("verify --witness") }, "\(text)")
        let witness = try #require(
            line.split(separator: " ").first { $0.contains(":") && $0.count > 64 }.map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "`."))
            })
        let events = try Ledger(queue: fixture.queue).allEvents()
        // The head when the report was made: the row before the report's own `enqueued`.
        let head = try #require(events.dropLast().last.map { LedgerWitness(sequence: $0.sequence, hash: $0.hash) })
        #expect(events.last?.kind == .enqueued && events.last?.report?.contains("daily") == true)
        #expect(witness == head.description, "the report names the head as it was when the report was made")
        #expect(text.contains("witness: \(head.description)"), "and carries it as a field")
        let honest = try fixture.archive(["verify", "--witness", witness])
        #expect(honest.status == 0 && honest.stdout.contains("witnessed rows"), "\(honest)")

        // The forger's ledger: every row as it was, but row 2's detail changed, chained afresh.
        let forged = TemporaryDirectory("owner-report-forged")
        let copy = try Ledger(path: forged.appending("ledger.sqlite3"))
        for event in events {
            let draft = LedgerEvent.Draft(
                event.kind, report: event.report, destination: event.destination, status: event.status,
                part: event.part, parts: event.parts,
                detail: event.sequence == 2 ? "nothing to see" : event.detail, enqueuedAt: event.enqueuedAt,
                sha256: event.sha256,
                notBefore: event.notBefore, facts: event.facts)
            try copy.append(draft, at: try #require(Timestamp(iso8601UTC: event.time)))
        }
        #expect(try copy.verifyChain() == nil, "a rewrite recomputes every hash: the chain alone cannot tell")
        try copy.checkpoint()
        let path = fixture.queue.ledgerPath
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: forged.appending("ledger.sqlite3"), toPath: path)
        #expect(try fixture.archive(["verify"]).status == 0, "without the witness the rewrite passes")
        let caught = try fixture.archive(["verify", "--witness", witness])
        #expect(caught.status == 65, "\(caught)")
        #expect(
            caught.stdout.contains("witness \(head.sequence): row \(head.sequence)'s hash is")
                && caught.stdout.contains("the chain was rewritten"), "\(caught)")

        // Cut short: the witnessed row is gone.
        let short = TemporaryDirectory("owner-report-short")
        let truncated = try Ledger(path: short.appending("ledger.sqlite3"))
        for event in events.prefix(3) {
            try truncated.append(
                LedgerEvent.Draft(
                    event.kind, report: event.report, destination: event.destination, detail: event.detail,
                    enqueuedAt: event.enqueuedAt, sha256: event.sha256),
                at: try #require(Timestamp(iso8601UTC: event.time)))
        }
        try truncated.checkpoint()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: short.appending("ledger.sqlite3"), toPath: path)
        let gone = try fixture.archive(["verify", "--witness", witness])
        #expect(
            gone.status == 65
                && gone.stdout.contains(
                    "witness \(head.sequence): row \(head.sequence) is gone (the ledger ends at row 3)"),
            "\(gone)")

        let malformed = try fixture.archive(["verify", "--witness", "12:abc"])
        #expect(malformed.status == 64 && malformed.stderr.contains("is not SEQ:HASH"), "\(malformed)")
    }

    /// A report whose `enqueued` row committed and whose file is nowhere (not pending, sent or
    /// failed: a crash between the row and the link, or a file removed by hand) is named; a row a
    /// minute old or less is left alone, since a producer commits it just before it links the file.
    @Test func verifyNamesAnEnqueuedReportThatIsNowhere() throws {
        let fixture = try ReportsFixture()
        let sent = try Self.deliver(fixture, "sent", at: "2026-11-20T01:00:00Z")
        let waiting = try fixture.produce(["note", "--title", "waiting", "--body", "x"], now: "2026-11-20T01:05:00Z")
        let lost = try fixture.produce(["note", "--title", "lost", "--body", "x"], now: "2026-11-20T01:06:00Z")
        #expect(waiting.status == 0 && lost.status == 0)
        let lostName = DurableFile.fileName(of: lost.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        // Back in tmp/, as a producer killed between its commit and its link leaves it: recovery's to publish.
        let staging = "\(fixture.queue.tmp)/.\(lostName).7.tmp"
        #expect(rename("\(fixture.queue.pending)/\(lostName)", staging) == 0)
        let recoverable = try fixture.archive(["verify"], now: "2026-11-20T01:10:00Z")
        #expect(recoverable.status == 0, "bytes waiting in tmp/ for recovery are somewhere: \(recoverable)")

        try FileManager.default.removeItem(atPath: staging)
        let caught = try fixture.archive(["verify"], now: "2026-11-20T01:10:00Z")
        #expect(caught.status == 65, "\(caught)")
        let row = try #require(
            try Ledger(queue: fixture.queue).events(for: lostName).first { $0.kind == .enqueued }?.sequence)
        #expect(
            caught.stdout.contains(
                "ledger row \(row): \(lostName) was enqueued, but is nowhere: not in tmp/, pending/, sent/ or failed/"),
            "\(caught)")
        #expect(
            caught.stdout.components(separatedBy: "was enqueued, but is nowhere").count == 2,
            "only the lost one: \(caught)")
        #expect(caught.stderr.contains(lostName), "the one error line names the report: \(caught)")
        _ = sent
    }

    @Test func verifyNamesAReportAFileDestinationTookAndNoLongerHolds() throws {
        let fixture = try ReportsFixture(extra: "[destinations.local]\nchannel = \"file\"\n")
        let made = try fixture.produce(
            ["note", "--title", "to the outbox", "--body", "x", "--destination", "local"], now: "2026-11-20T01:00:00Z")
        let drive = try fixture.drive(now: "2026-11-20T01:00:00Z")
        #expect(made.status == 0 && drive.status == 0, "\(made) \(drive)")
        let name = DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let honest = try fixture.archive(["verify"])
        #expect(
            honest.status == 0 && honest.stdout.contains("file destinations hold what they took       1  ok"),
            "\(honest)")
        let written = "\(fixture.queue.root)/outbox/\(name.dropLast(3)).txt"
        try FileManager.default.removeItem(atPath: written)
        let caught = try fixture.archive(["verify"])
        #expect(caught.status == 65, "\(caught)")
        let row = try #require(
            try Ledger(queue: fixture.queue).events(for: name).first { $0.kind == .delivered }?.sequence)
        #expect(
            caught.stdout.contains("ledger row \(row): \(name) was delivered to 'local', but \(written) is not there"),
            "\(caught)")
    }

    @Test func verifyPassesOnAnHonestQueueAndNamesEachKindOfTampering() throws {
        let fixture = try ReportsFixture()
        let first = try Self.deliver(fixture, "first", at: "2026-11-20T01:00:00Z")
        let second = try Self.deliver(fixture, "second", at: "2026-11-20T02:00:00Z")
        let third = try Self.deliver(fixture, "third", at: "2026-11-20T03:00:00Z")
        #expect(try fixture.archive([], now: "2026-11-21T00:00:00Z").status == 0)
        let honest = try fixture.archive(["verify"])
        #expect(honest.status == 0 && honest.stdout.components(separatedBy: "  ok").count == 6, "\(honest)")

        // (a) One byte of an archived report changed.
        let firstPath = "\(fixture.queue.sent)/2026/11/20/\(first)"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: firstPath)))
        bytes[bytes.count - 1] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: firstPath))
        let changed = try fixture.archive(["verify"])
        #expect(changed.status == 65, "\(changed)")
        #expect(
            changed.stdout.contains("sent/2026/11/20/\(first): SHA-256")
                && changed.stdout.contains("recorded in ledger row 1"), "\(changed)")
        #expect(changed.stderr.split(separator: "\n").count == 1)
        bytes[bytes.count - 1] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: firstPath))
        #expect(try fixture.archive(["verify"]).status == 0)

        // (b) A ledger row edited with the sqlite3 CLI, after dropping the trigger that refuses it.
        let ledgerPath = fixture.queue.ledgerPath
        let refused = try sqlite3(ledgerPath, "UPDATE events SET detail = 'nothing happened' WHERE seq = 3;")
        #expect(
            refused.status != 0 && refused.output.contains("append-only"),
            "the trigger refuses first: \(refused.output)")
        let edited = try sqlite3(
            ledgerPath, "DROP TRIGGER events_refuse_update; UPDATE events SET destination = 'elsewhere' WHERE seq = 3;")
        #expect(edited.status == 0, "\(edited.output)")
        let tampered = try fixture.archive(["verify"])
        #expect(
            tampered.status == 65 && tampered.stdout.contains("ledger row 3: content does not match its hash (edited)"),
            "\(tampered)")

        // (c) On a fresh, honest copy: an archived file deleted.
        let other = try ReportsFixture()
        _ = try Self.deliver(other, "kept", at: "2026-11-20T01:00:00Z")
        let gone = try Self.deliver(other, "gone", at: "2026-11-20T02:00:00Z")
        #expect(try other.archive([], now: "2026-11-21T00:00:00Z").status == 0)
        try FileManager.default.removeItem(atPath: "\(other.queue.sent)/2026/11/20/\(gone)")
        let missing = try other.archive(["verify", "--json"])
        #expect(missing.status == 65)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])
        let findings = (report["checks"] as? [[String: Any]])?.flatMap { $0["findings"] as? [String] ?? [] } ?? []
        let archivedRow = try #require(
            try Ledger(queue: other.queue).events(for: gone).first { $0.kind == .archived }?.sequence)
        #expect(findings == ["ledger row \(archivedRow): \(gone) was delivered and archived, but is not in sent/"])
        _ = (second, third)
    }

    @Test func exportRoundTripsThroughPythonsCSVAndJSONReaders() throws {
        let fixture = try ReportsFixture()
        try Self.deliver(fixture, "quotes \" and, commas", at: "2026-11-19T23:00:00Z")
        try Self.deliver(fixture, "報告 ✅ in the window", at: "2026-11-20T01:00:00Z")
        try Self.deliver(fixture, "after the window", at: "2026-11-21T00:00:00Z")
        let ledger = try Ledger(queue: fixture.queue)
        // 2026-11-20 in Asia/Taipei: 2026-11-19T16:00Z to 2026-11-20T16:00Z.
        let expected = try ledger.allEvents().filter {
            $0.time >= "2026-11-19T16:00:00" && $0.time < "2026-11-20T16:00:00"
        }
        #expect(expected.count >= 8)
        let csvPath = fixture.directory.appending("audit.csv")
        let csv = try fixture.archive([
            "export", "--since", "2026-11-20", "--until", "2026-11-21", "--format", "csv", "--output", csvPath,
        ])
        #expect(csv.status == 0, "\(csv)")
        let json = try fixture.archive(["export", "--since", "2026-11-20", "--until", "2026-11-21", "--format", "json"])
        #expect(json.status == 0)
        let jsonPath = try fixture.directory.write("audit.json", json.stdout)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            with open(sys.argv[2], encoding="utf-8") as f:
                objects = json.load(f)
            assert [r["hash"] for r in rows] == [o["hash"] for o in objects], "csv and json disagree"
            print(json.dumps([{"seq": int(r["seq"]), "event": r["event"], "report": r["report"], "detail": r["detail"],
                               "facts": r["facts"], "hash": r["hash"], "json_seq": o["seq"], "json_facts": o["facts"]}
                              for r, o in zip(rows, objects)]))
            """
        let parsed = try runPython(script, [csvPath, jsonPath])
        #expect(parsed.status == 0, "\(parsed.output)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [[String: Any]])
        #expect(rows.count == expected.count)
        for (row, event) in zip(rows, expected) {
            #expect(row["seq"] as? Int == Int(event.sequence) && row["json_seq"] as? Int == Int(event.sequence))
            #expect(row["event"] as? String == event.kind.rawValue && row["hash"] as? String == event.hash)
            #expect(
                row["report"] as? String == (event.report ?? "") && row["detail"] as? String == (event.detail ?? ""))
            #expect(row["facts"] as? String == (event.facts ?? ""))
            #expect(
                (row["json_facts"] as? String) == event.facts || (event.facts == nil && row["json_facts"] is NSNull))
        }
        #expect(rows.contains { ($0["facts"] as? String)?.contains("報告 ✅") == true })
        let bad = try fixture.archive(["export", "--since", "last week"])
        #expect(bad.status == 64 && bad.stderr.contains("--since: 'last week' is not a date or time"), "\(bad)")
    }

    @Test func aRequeuedReportIsDeliveredOnceWithANewBudget() throws {
        let fixture = try ReportsFixture()
        try fixture.sink.plan([["contains": "flaky-report", "status": 400, "body": "{\"error\":\"bad\"}", "times": 1]])
        #expect(try fixture.produce(["note", "--title", "flaky-report", "--body", "x"]).status == 0)
        #expect(try fixture.drive().status == 0)
        let failed = fixture.tree("failed")
        #expect(failed.count == 2, "\(failed)")
        let name = DurableFile.fileName(of: try #require(failed.first { $0.hasSuffix(".md") }))

        let dry = try fixture.archive(["requeue", name, "--dry-run"])
        #expect(
            dry.status == 0 && dry.stdout.hasPrefix("would requeue \(name)") && fixture.tree("failed").count == 2,
            "\(dry)")
        let unknown = try fixture.archive(["requeue", "nope.md"])
        #expect(
            unknown.status == 66 && unknown.stderr.contains("failed/nope.md: no such report in failed/"), "\(unknown)")

        let requeued = try fixture.archive(["requeue", name])
        #expect(requeued.status == 0 && requeued.stdout.contains("pending/\(name)"), "\(requeued)")
        #expect(fixture.tree("failed").isEmpty, "the report and its sidecar left failed/")
        #expect(try fixture.drive().status == 0)
        #expect(try fixture.sink.accepted().filter { $0.body.contains("flaky-report") }.count == 1)
        #expect(try fixture.drive().status == 0)
        #expect(
            try fixture.sink.requests().filter { $0.body.contains("flaky-report") }.count == 2,
            "one refusal, one delivery, nothing more")
        let kinds = try Ledger(queue: fixture.queue).events(for: name).map(\.kind.rawValue)
        #expect(
            kinds == [
                "enqueued", "attempt", "failed", "requeued", "attempt", "part_delivered", "delivered", "archived",
            ])
        #expect(try fixture.archive(["verify"]).status == 0)
    }

    @Test func aRequeuedReportOlderThanMaxAgeGetsANewAgeToo() throws {
        let fixture = try ReportsFixture()
        let refuseOnce: [[String: Any]] = [["contains": "stale-report", "status": 503, "body": "busy", "times": 1]]
        try fixture.sink.plan(refuseOnce)
        // Enqueued three weeks ago: past delivery.max_age (24h) as soon as one try has failed.
        let made = try fixture.produce(["note", "--title", "stale-report", "--body", "x"], now: "2026-11-01T00:00:00Z")
        let name = DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try fixture.drive().status == 75)
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try fixture.drive().status == 0)
        #expect(fixture.tree("failed").contains("failed/\(name)"), "given up: older than max_age")

        #expect(try fixture.archive(["requeue", name]).status == 0)
        // A new rule (the sink counts each rule's uses), refusing once more.
        try fixture.sink.plan([["contains": "stale-report", "status": 503, "body": "busy again", "times": 1]])
        #expect(try fixture.drive().status == 75, "one more refusal after the requeue")
        Thread.sleep(forTimeInterval: 1.2)
        let retried = try fixture.drive()
        #expect(retried.status == 0, "\(retried)")
        #expect(fixture.tree("failed").isEmpty, "its age counts from the requeue, so it is tried again, not given up")
        #expect(fixture.tree("sent") == ["sent/\(name)"])
        #expect(try fixture.sink.accepted().filter { $0.body.contains("stale-report") }.count == 1)
    }

    @Test func statusJSONMatchesTheQueue() throws {
        let fixture = try ReportsFixture()
        try fixture.sink.plan([
            ["contains": "refused-for-good", "status": 400, "body": "{\"error\":\"no\"}"],
            ["contains": "busy-one", "status": 503, "body": "busy"],
        ])
        let delivered = try Self.deliver(fixture, "fine", at: "2026-11-20T00:00:00Z")
        #expect(
            try fixture.produce(["note", "--title", "refused-for-good", "--body", "x"], now: "2026-11-20T00:01:00Z")
                .status == 0)
        #expect(
            try fixture.produce(["note", "--title", "busy-one", "--body", "x"], now: "2026-11-20T00:02:00Z").status == 0
        )
        #expect(
            try fixture.produce(["note", "--title", "behind-it", "--body", "x"], now: "2026-11-20T00:03:00Z").status
                == 0)
        #expect(try fixture.drive(now: "2026-11-20T00:04:00Z").status == 75)

        let run = try fixture.archive(["status", "--json"], now: "2026-11-20T00:05:00Z")
        #expect(run.status == 0, "\(run)")
        let status = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let pending = try #require(status["pending"] as? [[String: Any]])
        #expect(pending.map { $0["report"] as? String ?? "" } == directoryNames(fixture.queue.pending))
        #expect(pending.map { $0["lane"] as? String } == ["hook", "hook"])
        #expect(pending.map { $0["attempts"] as? Int } == [1, 0])
        let busyAge = try #require(pending.first?["age_seconds"] as? Double)
        #expect(busyAge > 179 && busyAge < 185, "enqueued 00:02, asked at 00:05: \(busyAge)")
        #expect((pending.first?["next_try"] as? String)?.hasPrefix("2026-11-20T00:04:0") == true, "\(pending)")
        #expect(pending.last?["next_try"] is NSNull)
        let failed = try #require(status["failed"] as? [[String: Any]])
        #expect(failed.count == 1 && (failed[0]["report"] as? String)?.contains("refused-for-good") == true)
        #expect(failed[0]["category"] as? String == "rejected")
        let last = try #require(status["last_deliveries"] as? [[String: Any]])
        #expect(last.map { $0["report"] as? String } == [delivered])
        let text = try fixture.archive(["status"], now: "2026-11-20T00:05:00Z")
        #expect(
            text.stdout.contains("pending: 2\n  lane hook:\n") && text.stdout.contains("1 attempt(s), due now"),
            "\(text)")
        let early = try fixture.archive(["status"], now: "2026-11-20T00:04:00.5Z")
        #expect(early.stdout.contains("1 attempt(s), next try 2026-11-20T08:04:0"), "\(early)")
    }
}

/// Runs the sqlite3 CLI on a database with `sql`.
func sqlite3(_ database: String, _ sql: String) throws -> (status: Int32, output: String) {
    try runTool(["sqlite3", database, sql])
}

/// Runs a Python script with arguments.
func runPython(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    try runTool(["python3", "-c", script] + arguments)
}
