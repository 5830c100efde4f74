import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

@Suite struct DriverTests {
    @Test func twentyReportsArriveInProductionOrderSignedAndArchived() throws {
        let fixture = try DriverFixture()
        var ids: [String] = []
        for index in 1...20 {
            let outcome = try Program.producer.run([
                "note", "--queue", fixture.queue.root, "--config", fixture.configPath, "--title", "report \(index)",
                "--body", "第 \(index) 份 🚀",
            ])
            #expect(outcome.status == 0, "\(outcome)")
            ids.append(String(outcome.stdout.trimmingCharacters(in: .newlines).split(separator: "/").last ?? ""))
        }
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == ids)
        #expect(directoryNames(fixture.queue.sent) == ids.sorted())
        #expect(directoryNames(fixture.queue.pending).isEmpty)
        for id in ids {
            #expect(
                try fixture.ledgerKinds(of: id) == ["enqueued", "attempt", "part_delivered", "delivered", "archived"])
        }
        #expect(try Ledger(queue: fixture.queue).verifyChain() == nil)

        // Standard Webhooks: the signature verifies with the shared secret, the id is report id + part.
        let request = try #require(try fixture.sink.requests().first)
        let id = try #require(request.headers["webhook-id"])
        let timestamp = try #require(request.headers["webhook-timestamp"])
        #expect(id == "\(ids[0]).1")
        #expect(request.headers["idempotency-key"] == id)
        // Checked with libcrypto's HMAC, not the project's own.
        let key = try #require(Data(base64Encoded: String(DriverFixture.secret.dropFirst(6))))
        let mac = try LibcryptoReference().hmacSHA256(
            key: Array(key), message: Array("\(id).\(timestamp).\(request.body)".utf8))
        #expect(request.headers["webhook-signature"] == "v1,\(Data(mac).base64EncodedString())")
        #expect(request.path == "/hooks/\(DriverFixture.urlToken)")
    }

    @Test func aTransientFailureStopsTheLaneAndALaterRunResumesInOrderWithoutDuplicates() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(20)
        try fixture.sink.plan([["contains": "report 003", "status": 503, "times": 1, "body": "upstream down"]])
        let first = try fixture.drive()
        #expect(first.status == 75, "\(first)")
        #expect(directoryNames(fixture.queue.sent) == Array(ids[0..<2]))
        #expect(directoryNames(fixture.queue.pending) == Array(ids[2...]))
        #expect(try fixture.sink.requests().count == 3, "nothing newer may be tried after the failure")
        #expect(try fixture.ledgerKinds(of: ids[2]) == ["enqueued", "attempt", "deferred"])

        // Before the backoff is over, a run sends nothing.
        let early = try fixture.drive()
        #expect(early.status == 75)
        #expect(try fixture.sink.requests().count == 3)

        Thread.sleep(forTimeInterval: 2.1)
        let later = try fixture.drive()
        #expect(later.status == 0, "\(later)")
        #expect(try fixture.acceptedIDs() == ids, "every report once, in production order")
        #expect(directoryNames(fixture.queue.sent) == ids)
    }

    @Test func aShortRetryAfterIsWaitedOutBeforeAnyNewRequest() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        try fixture.sink.plan([
            ["contains": "report 001", "status": 429, "times": 1, "headers": ["Retry-After": "3"], "body": "slow down"]
        ])
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        let requests = try fixture.sink.requests()
        try #require(requests.count == 3)
        #expect(requests[1].time - requests[0].time >= 3.0, "no request before Retry-After")
        #expect(try fixture.acceptedIDs() == ids)
        #expect(
            try fixture.ledgerKinds(of: ids[0]) == [
                "enqueued", "attempt", "deferred", "part_delivered", "delivered", "archived",
            ])
    }

    @Test func aRejectedReportIsQuarantinedWithItsSidecarAndTheLaneGoesOn() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(5)
        try fixture.sink.plan([["contains": "report 002", "status": 400, "body": #"{"error": "bad payload"}"#]])
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("\(ids[1]): moved to failed/: rejected: HTTP 400"))
        #expect(directoryNames(fixture.queue.failed) == [ids[1], "\(ids[1]).error.json"])
        #expect(try fixture.acceptedIDs() == [ids[0], ids[2], ids[3], ids[4]])
        let sidecar = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(fixture.queue.failed)/\(ids[1]).error.json")))
                as? [String: Any])
        #expect(sidecar["status"] as? Int == 400)
        #expect(sidecar["category"] as? String == "rejected")
        #expect((sidecar["response_excerpt"] as? String)?.contains("bad payload") == true)
        #expect(try fixture.ledgerKinds(of: ids[1]) == ["enqueued", "attempt", "failed"])
    }

    @Test func aDestinationRefusingAsAWholeIsAConfigurationErrorAndMovesNothing() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(3)
        try fixture.sink.plan([], default: ["status": 401, "body": "invalid token"])
        let run = try fixture.drive()
        #expect(run.status == 78, "\(run)")
        #expect(run.stderr.contains("destination 'hook' refused as a whole"))
        #expect(directoryNames(fixture.queue.pending) == ids)
        #expect(try fixture.sink.requests().count == 1)
    }

    @Test(arguments: [["hang": 4], ["close": true], ["status": 500], ["status": 408]] as [[String: any Sendable]])
    func hangsDropsAndServerErrorsAreTransient(answer: [String: any Sendable]) throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        var rule: [String: Any] = ["contains": "report 001", "times": 1]
        for (key, value) in answer { rule[key] = value }
        try fixture.sink.plan([rule])
        let run = try fixture.drive()
        #expect(run.status == 75, "\(run)")
        #expect(directoryNames(fixture.queue.pending) == ids)
        #expect(try fixture.ledgerKinds(of: ids[0]).last == "deferred")
    }

    @Test func badFilesAreQuarantinedAndTheGoodOnesAroundThemDeliveredInOrder() throws {
        let fixture = try DriverFixture()
        let before = try fixture.enqueueNotes(2, prefix: "before")
        let pending = fixture.queue.pending
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0]).write(to: URL(fileURLWithPath: "\(pending)/binary.md"))
        try Data("---\ntitle: bad ".utf8 + [0xFF, 0xFE] + Data("\n---\n".utf8)).write(
            to: URL(fileURLWithPath: "\(pending)/invalid-utf8.md"))
        try Data("---\nkind: note\ntitle: never closed\n".utf8).write(to: URL(fileURLWithPath: "\(pending)/no-end.md"))
        try Data(repeating: 0x61, count: 5 * 1024 * 1024).write(to: URL(fileURLWithPath: "\(pending)/huge.md"))
        try FileManager.default.createSymbolicLink(atPath: "\(pending)/passwd.md", withDestinationPath: "/etc/passwd")
        #expect(mkfifo("\(pending)/fifo.md", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: "\(pending)/folder.md", withIntermediateDirectories: false)
        let after = try fixture.enqueueNotes(2, prefix: "after")

        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == before + after)
        #expect(directoryNames(pending).isEmpty)
        let bad = ["binary.md", "invalid-utf8.md", "no-end.md", "huge.md", "passwd.md", "fifo.md", "folder.md"]
        for name in bad {
            let sidecar = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: "\(fixture.queue.failed)/\(name).error.json")))
                    as? [String: Any])
            #expect((sidecar["reason"] as? String)?.isEmpty == false, "\(name)")
        }
        #expect(run.stderr.contains("binary.md: moved to failed/: unreadable: pending/binary.md:1: binary content"))
        #expect(run.stderr.contains("no-end.md:1: front matter opened here is never closed"))
        #expect(
            run.stderr.contains("huge.md: moved to failed/: unreadable: 5242880 bytes, over delivery.max_report_bytes"))
        #expect(run.stderr.contains("passwd.md: moved to failed/: unreadable: symbolic link"))
        var info = stat()
        #expect(
            lstat("\(fixture.queue.failed)/passwd.md", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK,
            "the link itself is moved, never followed")
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))
    }

    @Test func aReportTheLedgerShowsDeliveredIsArchivedWithoutResending() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        // As if the driver crashed after committing `delivered` and before the rename.
        try Ledger(queue: fixture.queue).append(.init(.delivered, report: ids[0], destination: "hook", parts: 1))
        let run = try fixture.drive(["--once", "--json"])
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == [ids[1]])
        #expect(directoryNames(fixture.queue.sent) == ids)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(summary["archived_without_resend"] as? [String] == [ids[0]])
    }

    @Test func aCrashBetweenLinkAndUnlinkLeavesOneCopyInSentAndNoResend() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        // As if the driver died after link(pending/x, sent/x) and before unlink(pending/x).
        try Ledger(queue: fixture.queue).append(.init(.delivered, report: ids[0], destination: "hook", parts: 1))
        #expect(link("\(fixture.queue.pending)/\(ids[0])", "\(fixture.queue.sent)/\(ids[0])") == 0)
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == [ids[1]], "the delivered report is not sent again")
        #expect(directoryNames(fixture.queue.sent) == ids, "exactly one copy of each in sent/")
        #expect(directoryNames(fixture.queue.pending).isEmpty)
        #expect(try fixture.ledgerKinds(of: ids[0]).last == "archived")
    }

    @Test func aReportNamingAnUnknownDestinationIsQuarantinedAndItsNeighboursDelivered() throws {
        let fixture = try DriverFixture()
        let before = try fixture.enqueueNotes(1, prefix: "before")
        let lost = try fixture.enqueueNotes(1, prefix: "lost", destination: "nowhere")
        let after = try fixture.enqueueNotes(1, prefix: "after")
        let run = try fixture.drive()
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == before + after)
        #expect(directoryNames(fixture.queue.failed) == [lost[0], "\(lost[0]).error.json"])
        #expect(
            run.stderr.contains(
                "\(lost[0]): moved to failed/: unroutable: \(fixture.configPath): destination (in the report): no destination named 'nowhere' (known: hook, local)"
            ))
    }

    @Test func oneReportToTwoDestinationsIsArchivedOnlyWhenBothAccepted() throws {
        let fixture = try DriverFixture(extra: "\n[routes]\nnote = [\"hook\", \"local\"]\n")
        let ids = try fixture.enqueueNotes(1)
        try fixture.sink.plan([["contains": "report 001", "status": 503, "times": 1]])
        #expect(try fixture.drive().status == 75)
        #expect(directoryNames(fixture.queue.pending) == ids, "one destination failed: not archived")
        #expect(directoryNames(fixture.queue.root + "/outbox").count == 1, "the other lane delivered")
        Thread.sleep(forTimeInterval: 2.1)
        #expect(try fixture.drive().status == 0)
        #expect(directoryNames(fixture.queue.sent) == ids)
        let events = try Ledger(queue: fixture.queue).events(for: ids[0])
        #expect(events.filter { $0.kind == .delivered }.compactMap(\.destination).sorted() == ["hook", "local"])
        #expect(
            events.filter { $0.kind == .attempt && $0.destination == "local" }.count == 1,
            "never resent to the lane that had it")
    }

    @Test func aReportIsGivenUpAfterMaxAttempts() throws {
        let fixture = try DriverFixture(
            delivery: "max_attempts = 2\nbackoff_initial = \"100ms\"\nbackoff_max = \"200ms\"")
        let ids = try fixture.enqueueNotes(2)
        try fixture.sink.plan([["contains": "report 001", "status": 503]])
        #expect(try fixture.drive().status == 75)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try fixture.drive().status == 75)
        Thread.sleep(forTimeInterval: 0.3)
        let last = try fixture.drive()
        #expect(last.status == 0, "\(last)")
        #expect(last.stderr.contains("gave-up: gave up after 2 attempts"))
        #expect(directoryNames(fixture.queue.failed) == [ids[0], "\(ids[0]).error.json"])
        #expect(try fixture.acceptedIDs() == [ids[1]])
    }

    @Test func twoDriversAtOnceDeliverEachReportOnce() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(60)
        let drivers = try (0..<2).map { _ in try fixture.startDriver() }
        for driver in drivers { #expect([0, 75].contains(driver.wait().status)) }
        while try fixture.drive().status != 0 {}
        #expect(try fixture.acceptedIDs() == ids)
    }

    @Test func aSecondDriverExitsZeroAtOnceWhileTheLockIsHeld() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        let lock = try #require(try FileLock.acquire(at: fixture.queue.lockPath, wait: false))
        let run = try fixture.drive()
        withExtendedLifetime(lock) {}
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("another driver is delivering"))
        #expect(try fixture.sink.requests().isEmpty)
        #expect(directoryNames(fixture.queue.pending) == ids)
    }

    @Test func killedAtThirtyRandomMomentsNothingIsLostAndOrderHolds() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(300)
        var kills = 0
        for _ in 0..<30 {
            let driver = try fixture.startDriver()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.25))
            driver.signal(SIGKILL)
            _ = driver.wait()
            kills += 1
        }
        var final = try fixture.drive()
        for _ in 0..<5 where final.status != 0 { final = try fixture.drive() }
        #expect(final.status == 0, "\(final)")
        #expect(directoryNames(fixture.queue.sent) == ids, "every report archived")
        #expect(directoryNames(fixture.queue.pending).isEmpty)
        let accepted = try fixture.acceptedIDs()
        var firstSeen: [String] = []
        var seen = Set<String>()
        for id in accepted where seen.insert(id).inserted { firstSeen.append(id) }
        #expect(firstSeen == ids, "first deliveries in production order, none lost")
        let duplicates = accepted.count - ids.count
        #expect(duplicates <= kills, "at most one duplicate per kill (\(duplicates) for \(kills) kills)")
        #expect(try Ledger(queue: fixture.queue).verifyChain() == nil)
    }

    @Test func secretsAppearNowhere() throws {
        let fixture = try DriverFixture()
        _ = try fixture.enqueueNotes(3)
        try fixture.sink.plan([
            [
                "contains": "report 002", "status": 400,
                "body": "echo \(DriverFixture.urlToken) \(DriverFixture.secret)",
            ],
            ["contains": "report 003", "status": 503, "body": "down \(DriverFixture.urlToken)"],
        ])
        let dryRun = try fixture.drive(["--once", "--dry-run"])
        let run = try fixture.drive(["--once", "--verbose"])
        let ledger = try Ledger(queue: fixture.queue).allEvents().map { "\($0)" }.joined(separator: "\n")
        let sidecars = try directoryNames(fixture.queue.failed).filter { $0.hasSuffix(".json") }.map {
            try String(contentsOfFile: "\(fixture.queue.failed)/\($0)", encoding: .utf8)
        }.joined()
        #expect(dryRun.stdout.contains("POST http://127.0.0.1:\(fixture.sink.port)/***"))
        #expect(sidecars.contains("echo ***"))
        for text in [dryRun.stdout, dryRun.stderr, run.stdout, run.stderr, ledger, sidecars] {
            #expect(!text.contains(DriverFixture.urlToken))
            #expect(!text.contains(DriverFixture.secret))
            #expect(!text.contains("c2VjcmV0LXNpZ25pbmcta2V5"))
        }
    }

    @Test func dryRunShowsTheExactRequestAndChangesNothing() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(2)
        let eventsBefore = try Ledger(queue: fixture.queue).allEvents().count
        let run = try fixture.drive(["--once", "--dry-run"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("\(ids[0]) → hook (webhook) part 1/1"))
        #expect(run.stdout.contains("webhook-id: \(ids[0]).1"))
        #expect(run.stdout.contains(#""title":"report 001""#))
        #expect(try fixture.sink.requests().isEmpty)
        #expect(directoryNames(fixture.queue.pending) == ids)
        #expect(try Ledger(queue: fixture.queue).allEvents().count == eventsBefore)
    }

    @Test func theFileFlagDeliversJustThatReport() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(3)
        let run = try fixture.drive(["--file", "\(fixture.queue.pending)/\(ids[1])"])
        #expect(run.status == 0, "\(run)")
        #expect(try fixture.acceptedIDs() == [ids[1]])
        #expect(directoryNames(fixture.queue.pending) == [ids[0], ids[2]])
        let missing = try fixture.drive(["--file", "\(fixture.queue.pending)/nope.md"])
        #expect(missing.status == 66)
    }

    @Test func aMissingSecretIsAConfigurationErrorBeforeAnythingMoves() throws {
        let fixture = try DriverFixture()
        let ids = try fixture.enqueueNotes(1)
        let run = try Program.driver.run(
            ["--once", "--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: ["TEST_HOOK_URL": fixture.hookURL])
        #expect(run.status == 78)
        #expect(
            run.stderr.contains("destinations.hook.secret_env: the environment variable TEST_HOOK_SECRET is not set"))
        #expect(directoryNames(fixture.queue.pending) == ids)
    }
}
