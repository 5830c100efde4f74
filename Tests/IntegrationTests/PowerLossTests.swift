import Foundation
import OwnerReportArchive
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Power cuts on a disk that keeps only what was fsynced (`PowerLossDisk`), at random moments while
/// the programs work: every acknowledged report is intact afterwards, every delivered report is in
/// sent/ or still pending/, and `archiver verify` passes. A few cuts per test in `make test`, many in
/// `make faults` (OWNER_REPORT_FAULTS=full).
@Suite(
    .enabled(
        if: PowerLossDisk.unavailable == nil,
        "mounts a FUSE file system (lazyfs.py): needs root, /dev/fuse and python3-pyfuse3"))
struct PowerLossTests {
    /// First, that the disk tells: a writer that fsyncs its file and renames it without fsyncing the
    /// directory has said "done", and after the cut the file is gone; one that fsyncs the directory keeps it.
    @Test func theDiskLosesWhatAWriterNeverMadeDurable() throws {
        let disk = try PowerLossDisk()
        let writer = """
            import os, sys
            directory, name, sync_directory = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
            staging = os.path.join(directory, "." + name + ".tmp")
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, b"acknowledged " + name.encode())
            os.fsync(fd)
            os.close(fd)
            os.rename(staging, os.path.join(directory, name))
            if sync_directory:
                fd = os.open(directory, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
            print("done")
            """
        let script = try disk.directory.write("writer.py", writer)
        // Each in a directory of its own, made durable first: one writer's directory fsync must not save the other.
        let setup =
            "import os\nfor name in ('a', 'b'): os.mkdir(os.path.join('\(disk.mountpoint)', name))\nfd = os.open('\(disk.mountpoint)', os.O_RDONLY)\nos.fsync(fd)\n"
        #expect(try runTool([PowerLossDisk.python, "-c", setup]).status == 0)
        for (directory, name, sync) in [("a", "careless", "no"), ("b", "careful", "yes")] {
            let outcome = try runTool([PowerLossDisk.python, script, "\(disk.mountpoint)/\(directory)", name, sync])
            #expect(outcome.status == 0 && outcome.output.contains("done"), "\(outcome.output)")
        }
        #expect(directoryNames("\(disk.mountpoint)/a") == ["careless"], "before the cut, both are there")
        try disk.reboot()
        #expect(directoryNames("\(disk.mountpoint)/a").isEmpty, "a rename never fsynced is lost")
        #expect(directoryNames("\(disk.mountpoint)/b") == ["careful"])
        #expect(try String(contentsOfFile: "\(disk.mountpoint)/b/careful", encoding: .utf8) == "acknowledged careful")
    }

    /// Every report `path` names (the producer printed it, so it said "enqueued") is in pending/ or
    /// sent/ with the bytes its `enqueued` row recorded; the names of those that are not.
    static func lost(_ names: [String], in queue: QueueDirectory) throws -> [String] {
        let ledger = try Ledger(queue: queue)
        let sent = Set(queue.archivedReports().map(\.name))
        return try names.filter { name in
            guard let row = try ledger.events(for: name).first(where: { $0.kind == .enqueued }) else { return true }
            if sent.contains(name) { return false }
            guard let bytes = try? DurableFile.readWhole("\(queue.pending)/\(name)") else { return true }
            return QueueDirectory.sha256(bytes) != row.sha256
        }
    }

    /// After a cut: no acknowledged report lost, and `verify` passes.
    static func expectIntact(_ acknowledged: [String], _ fixture: DriverFixture, round: Int) throws {
        let lost = try Self.lost(acknowledged, in: fixture.queue)
        #expect(
            lost.isEmpty,
            "round \(round): \(lost.count) of \(acknowledged.count) acknowledged reports lost: \(lost.prefix(3))")
        let verify = try Self.verify(fixture)
        #expect(verify.status == 0, "round \(round): \(verify)")
    }

    static func verify(_ fixture: DriverFixture) throws -> Program.Outcome {
        try Program.archiver.run(
            ["verify", "--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
    }

    @Test func everyReportTheProducerAcknowledgedSurvivesACut() throws {
        let disk = try PowerLossDisk()
        let fixture = try DriverFixture(queueRoot: "\(disk.mountpoint)/queue")
        var acknowledged: [String] = []
        for round in 1...powerCutRounds(quick: 3, full: 15) {
            try disk.work(untilACutWithin: 0.05...1.0, atMost: 200) { index in
                let made = try Program.producer.run(
                    [
                        "note", "--queue", fixture.queue.root, "--config", fixture.configPath, "--title",
                        "round \(round) note \(index)", "--body", "本文 \(index)",
                    ])
                if made.status == 0 {
                    acknowledged.append(
                        DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
                }
            }
            try disk.reboot()
            try Self.expectIntact(acknowledged, fixture, round: round)
        }
        #expect(acknowledged.count > 0)
        // Whatever a cut left half-done is finished by the driver's recovery, and all is delivered.
        let drive = try fixture.drive(["--once", "--max-count", "10000"])
        #expect(drive.status == 0, "\(drive)")
        #expect(Set(try fixture.acceptedIDs()).isSuperset(of: acknowledged))
        #expect(directoryNames(fixture.queue.tmp).isEmpty)
    }

    @Test func everyReportTheIntakeAcknowledgedSurvivesACut() throws {
        let disk = try PowerLossDisk()
        let intake = try IntakeFixture(queueRoot: "\(disk.mountpoint)/queue")
        var acknowledged: [String] = []
        for round in 1...powerCutRounds(quick: 2, full: 10) {
            try disk.work(untilACutWithin: 0.1...1.5, atMost: 100) { index in
                let body = Array(
                    #"{"kind": "note", "title": "round \#(round) post \#(index)", "body": "經由 HTTP"}"#.utf8)
                if let answer = try? intake.request("POST", "/v1/reports", body: body), answer.status == 202,
                    let id = answer.json["id"] as? String
                {
                    acknowledged.append(id)
                }
            }
            try disk.reboot(killing: [intake.intake])
            intake.intake = try IntakeFixture.start(intake.fixture, port: intake.port)
            try intake.waitUntilHealthy()
            try Self.expectIntact(acknowledged, intake.fixture, round: round)
        }
        #expect(acknowledged.count > 0)
        _ = intake.stop()
    }

    @Test func everyDeliveredReportIsInSentOrStillPendingAfterACut() throws {
        let disk = try PowerLossDisk()
        let fixture = try DriverFixture(queueRoot: "\(disk.mountpoint)/queue")
        try fixture.sink.plan([], default: ["status": 200, "body": "ok", "delay": 0.01])
        for round in 1...powerCutRounds(quick: 2, full: 10) {
            // Half to the webhook, half to the file destination, whose outbox/ the first delivery makes.
            let reports =
                try fixture.enqueueNotes(20, prefix: "round \(round) hook")
                + fixture.enqueueNotes(20, prefix: "round \(round) file", destination: "local")
            let ids = reports.map { DurableFile.fileName(of: $0) }
            let driver = try fixture.startDriver(["--once", "--max-count", "10000"])
            disk.cut(atRandomWithin: 0.05...1.0)
            _ = eventually(timeout: .seconds(5)) { disk.isCut }
            try disk.reboot(killing: [driver])
            let sent = Set(fixture.queue.archivedReports().map(\.name))
            let pending = Set(directoryNames(fixture.queue.pending))
            let accepted = Set(try fixture.acceptedIDs())
            for id in ids {
                #expect(
                    sent.contains(id) || pending.contains(id), "round \(round): \(id) is neither in sent/ nor pending/")
            }
            for id in accepted where ids.contains(id) { #expect(sent.contains(id) || pending.contains(id)) }
            let verify = try Self.verify(fixture)
            #expect(verify.status == 0, "round \(round): \(verify)")
            let finish = try fixture.drive(["--once", "--max-count", "10000"])
            #expect(finish.status == 0 && directoryNames(fixture.queue.pending).isEmpty, "round \(round): \(finish)")
        }
    }

    @Test func theArchiversFilingSurvivesACut() throws {
        let disk = try PowerLossDisk()
        let fixture = try DriverFixture(queueRoot: "\(disk.mountpoint)/queue")
        var delivered: [String] = []
        for round in 1...powerCutRounds(quick: 2, full: 10) {
            let day = String(format: "2026-11-%02d", round)
            for index in 1...15 {
                let made = try Program.producer.run(
                    [
                        "note", "--queue", fixture.queue.root, "--config", fixture.configPath, "--title",
                        "day \(round) \(index)", "--body", "x",
                    ],
                    environment: ["OWNER_REPORT_NOW": "\(day)T01:00:00Z"])
                #expect(made.status == 0)
            }
            let drive = try fixture.drive(
                ["--once", "--max-count", "10000"], environment: ["OWNER_REPORT_NOW": "\(day)T02:00:00Z"])
            #expect(drive.status == 0, "\(drive)")
            delivered = Array(Set(delivered).union(fixture.queue.archivedReports().map(\.name)))
            let archiver = try Program.archiver.start(
                ["run", "--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: ["OWNER_REPORT_NOW": "\(day)T23:00:00Z"])
            disk.cut(atRandomWithin: 0.0...0.6)
            _ = eventually(timeout: .seconds(5)) { disk.isCut }
            let ran = archiver.wait()
            try disk.reboot()
            let present = Set(fixture.queue.archivedReports().map(\.name))
            let missing = delivered.filter { !present.contains($0) }
            #expect(
                missing.isEmpty, "round \(round) (archiver exit \(ran.status)): \(missing.count) filed reports lost")
            let verify = try Self.verify(fixture)
            #expect(verify.status == 0, "round \(round): \(verify)")
        }
    }

    /// Alertmanager's notifications through the producer, cut at random, then retried whole as
    /// Alertmanager retries what it never heard answered: one opened report per fingerprint, and
    /// after the resolutions one resolved report and one postmortem each.
    @Test func derivedReportsAreNeitherLostNorDoubledByACut() throws {
        let disk = try PowerLossDisk()
        let fixture = try DriverFixture(
            extra: "\n[escalation]\nafter = \"10m\"\ninterval = \"10m\"\n", queueRoot: "\(disk.mountpoint)/queue")
        let count = 12
        func payload(_ index: Int, resolved: Bool) -> String {
            let fingerprint = String(format: "%016x", 0xfeed_0000 + index)
            return """
                {"version": "4", "status": "\(resolved ? "resolved" : "firing")", "receiver": "owner-report", "groupLabels": {}, "commonLabels": {},
                 "commonAnnotations": {}, "externalURL": "http://alertmanager.example", "groupKey": "{}:{}", "truncatedAlerts": 0,
                 "alerts": [{"status": "\(resolved ? "resolved" : "firing")", "labels": {"alertname": "Disk\(index)", "severity": "critical"},
                   "annotations": {"summary": "disk \(index) full"}, "startsAt": "2026-11-20T00:00:00Z",
                   "endsAt": "\(resolved ? "2026-11-20T00:30:00Z" : "0001-01-01T00:00:00Z")", "fingerprint": "\(fingerprint)"}]}
                """
        }
        func post(_ index: Int, resolved: Bool) throws -> Program.Outcome {
            try Program.producer.run(
                ["alertmanager", "-", "--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: ["OWNER_REPORT_NOW": "2026-11-20T01:00:00Z"],
                input: Data(payload(index, resolved: resolved).utf8))
        }
        func escalate() throws -> Program.Outcome {
            try Program.watchdog.run(
                ["--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T00:11:00Z"]) { $1 })
        }
        for resolved in [false, true] {
            try disk.work(untilACutWithin: 0.05...1.0, atMost: count) { index in
                _ = try post(index - 1, resolved: resolved)
            }
            try disk.reboot()
            // Alertmanager retries every notification it did not see answered; here, all of them.
            for index in 0..<count {
                let retry = try post(index, resolved: resolved)
                #expect(retry.status == 0, "\(retry)")
            }
            let verify = try Self.verify(fixture)
            #expect(verify.status == 0, "\(verify)")
            guard !resolved else { break }
            // Eleven minutes after the opening nobody has acknowledged: the watchdog's pass takes step 1
            // of each, cut at a random moment, and runs again after the reboot.
            let pass = try Program.watchdog.start(
                ["--queue", fixture.queue.root, "--config", fixture.configPath],
                environment: fixture.environment.merging(["OWNER_REPORT_NOW": "2026-11-20T00:11:00Z"]) { $1 })
            disk.cut(atRandomWithin: 0.0...0.5)
            _ = eventually(timeout: .seconds(5)) { disk.isCut }
            try disk.reboot(killing: [pass])
            let again = try escalate()
            #expect(again.status == 0, "\(again)")
            let steps = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .escalated }.compactMap(
                \.report)
            #expect(steps.count == count && Set(steps).count == count, "one step 1 per incident: \(steps.count)")
            let sent = Set(fixture.queue.archivedReports().map(\.name))
            for step in steps {
                #expect(
                    access("\(fixture.queue.pending)/\(step)", F_OK) == 0 || sent.contains(step), "\(step) is nowhere")
            }
        }
        #expect(try fixture.drive(["--once", "--max-count", "10000"]).status == 0)
        let causes = try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .enqueued }.compactMap {
            ReportFacts(json: $0.facts)?.cause
        }
        for change in ["opened", "resolved", "postmortem"] {
            let made = causes.filter { $0.contains(":\(change):") }
            #expect(
                made.count == count && Set(made).count == count,
                "\(change): \(made.count) report(s) for \(count) alerts")
        }
        // Each incident's opening, first escalation step, resolution and postmortem reached the sink
        // (the watchdog's drain may send one twice if the cut fell between a 2xx and its commit).
        let reports = Set(
            try Ledger(queue: fixture.queue).allEvents().filter { $0.kind == .enqueued }.compactMap(\.report))
        #expect(reports.count == 4 * count)
        #expect(Set(try fixture.acceptedIDs()) == reports)
    }
}
