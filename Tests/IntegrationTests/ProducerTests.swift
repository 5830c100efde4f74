import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

@Suite struct ProducerTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }
    var queueFlag: [String] { ["--queue", queue.root] }

    func checkpoint(_ extra: [String] = [], environment: [String: String] = [:]) throws -> Program.Outcome {
        try Program.producer.run(
            ["checkpoint"] + queueFlag + [
                "--team", "general-task", "--worker", "alice", "--task-id", "example-task", "--progress", "50%",
                "--done", "第一階段完成", "--done", "備份 ✅", "--next", "等待第二階段結果", "--status", "normal",
                "--source", "manual-checkpoint",
            ] + extra, environment: environment)
    }

    @Test func aCheckpointIsEnqueuedReadableAndRecorded() throws {
        let outcome = try checkpoint()
        #expect(outcome.status == 0, "\(outcome)")
        let path = outcome.stdout.trimmingCharacters(in: .newlines)
        #expect(path.hasPrefix(queue.pending + "/"))
        let bytes = try DurableFile.readRegularFile(path, limit: 1 << 20)
        let report = try ReportCodec.decode(bytes, format: .markdown, path: path)
        #expect(report.kind == .checkpoint)
        #expect(report.title == "example-task 50%")
        #expect(report.fields["done"] == .list(["第一階段完成", "備份 ✅"]))
        #expect(report.fields["team"] == .text("general-task"))

        let name = String(path.split(separator: "/").last ?? "")
        let events = try Ledger(queue: queue).events(for: name)
        #expect(events.map(\.kind) == [.enqueued])
        #expect(events.first?.sha256 == QueueDirectory.sha256(bytes))
        #expect(events.first?.enqueuedAt == ReportName.enqueueTime(of: name))
    }

    @Test func dryRunPrintsTheFileAndWritesNothing() throws {
        let outcome = try checkpoint(["--dry-run"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("would write \(queue.pending)/"))
        #expect(outcome.stdout.contains("title: example-task 50%"))
        #expect(!FileManager.default.fileExists(atPath: queue.root))
    }

    @Test func noteTakesItsBodyFromStandardInputAndExtraFields() throws {
        let outcome = try Program.producer.run(
            ["note"] + queueFlag + ["--title", "夜間備份", "--body-file", "-", "--field", "host=db1", "--json"],
            input: Data("三個資料庫都已備份。\n".utf8))
        #expect(outcome.status == 0, "\(outcome)")
        let reply = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let path = try #require(reply["path"] as? String)
        let report = try ReportCodec.decode(
            try DurableFile.readRegularFile(path, limit: 1 << 20), format: .markdown, path: path)
        #expect(report.body == "三個資料庫都已備份。")
        #expect(report.fields["host"] == .text("db1"))
    }

    @Test func rawEnqueuesTheBytesUnchanged() throws {
        let text = #"{"kind": "incident", "title": "db down", "fields": {"severity": "critical"}, "body": "**p1**"}"#
        let file = try directory.write("incident.json", text)
        let outcome = try Program.producer.run(["raw"] + queueFlag + [file])
        #expect(outcome.status == 0, "\(outcome)")
        let path = outcome.stdout.trimmingCharacters(in: .newlines)
        #expect(path.hasSuffix(".json"))
        #expect(path.contains("-incident-db-down-"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func rawRefusesMalformedFilesNamingFileAndLineAndEnqueuesNothing() throws {
        let bad = try directory.write("bad.md", "---\nkind: note\ntitle x\n---\n")
        let outcome = try Program.producer.run(["raw"] + queueFlag + [bad])
        #expect(outcome.status == 65)
        #expect(outcome.stderr == "owner-report-producer: \(bad):3: expected 'key: value', found 'title x'\n")
        #expect(directoryNames(queue.pending).isEmpty)

        let binary = try directory.write("binary.md", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00])
        let binaryOutcome = try Program.producer.run(["raw"] + queueFlag + [binary])
        #expect(binaryOutcome.status == 65)
        #expect(binaryOutcome.stderr.contains("\(binary):3: binary content: NUL byte at offset 8"))
    }

    @Test func rawRefusesAFileOverTheSizeLimit() throws {
        let big = try directory.write("big.md", "---\ntitle: big\n---\n" + String(repeating: "漢字 🚀\n", count: 600_000))
        let outcome = try Program.producer.run(["raw"] + queueFlag + [big])
        #expect(outcome.status == 65, "\(outcome)")
        #expect(outcome.stderr.contains("\(big): larger than the limit of 1048576 bytes"))
        #expect(directoryNames(queue.pending).isEmpty)
    }

    @Test func aMissingInputFileIsExit66() throws {
        let outcome = try Program.producer.run(["raw"] + queueFlag + [directory.appending("nope.md")])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.contains("nope.md: no such file"))
    }

    @Test func aConfigurationErrorIsExit78AndEnqueuesNothing() throws {
        let config = try directory.write(
            "config.toml", "[destinations.owner]\nchannel = \"discord\"\ntarget = \"channel:1\"\n")
        let outcome = try checkpoint(["--config", config])
        #expect(outcome.status == 78)
        #expect(
            outcome.stderr
                == "owner-report-producer: \(config): destinations.owner.token_env: missing: the bot API needs token_env or token_file\n"
        )
        #expect(!FileManager.default.fileExists(atPath: queue.pending))
    }

    @Test func anUnknownDestinationIsAUsageError() throws {
        let outcome = try checkpoint(["--destination", "nowhere"])
        #expect(outcome.status == 64)
        #expect(
            outcome.stderr.contains(
                "--destination: no destination named 'nowhere' (known: local) in (embedded default)"))
    }

    @Test func theSeedEnvironmentChoosesTheQueue() throws {
        let home = directory.appending("from-env")
        let outcome = try Program.producer.run(
            ["note", "--title", "t", "--body", "b"], environment: ["OWNER_REPORT_HOME": home])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.hasPrefix("\(home)/pending/"))
        let bad = try Program.producer.run(
            ["note", "--title", "t"], environment: ["OWNER_REPORT_HOME": home, "OWNER_REPORT_MAX_COUNT": "0"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("OWNER_REPORT_MAX_COUNT: must be a positive whole number"))
    }

    @Test(arguments: ["checkpoint", "note", "raw"])
    func everySubcommandExplainsItselfWithAnExample(subcommand: String) throws {
        let outcome = try Program.producer.run([subcommand, "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("Example:"))
        #expect(outcome.stdout.contains("owner-report-producer \(subcommand)"))
        #expect(outcome.stdout.contains("--dry-run"))
        #expect(outcome.stdout.contains("--queue"))
    }

    @Test func aProducerKilledMidWriteLeavesNothingInPending() throws {
        // Paced writes (a test-only fault hook) make the kill land inside the write for certain.
        let body = String(repeating: "部分寫入測試 partial write test\n", count: 20_000)
        let bodyFile = try directory.write("body.md", body)
        for round in 1...3 {
            let writer = try Program.producer.start(
                ["note"] + queueFlag + ["--title", "killed", "--body-file", bodyFile],
                environment: ["OWNER_REPORT_FAULT_WRITE_PACING_MS": "50"])
            #expect(eventually { directoryNames(queue.tmp).count == round })
            writer.signal(SIGKILL)
            _ = writer.wait()
            #expect(directoryNames(queue.pending).isEmpty)
        }
        #expect(directoryNames(queue.tmp).count == 3)
        #expect(
            try Ledger(queue: queue).allEvents().isEmpty, "nothing may be recorded for a report that never appeared")

        // The next producer completes normally; the driver's recovery removes the leftovers, whose
        // enqueue never committed, and says so in the ledger.
        #expect(try checkpoint().status == 0)
        #expect(directoryNames(queue.pending).count == 1)
        let driver = try Program.driver.run(
            ["--once"] + queueFlag + [
                "--config", try directory.write("file.toml", "[destinations.local]\nchannel = \"file\"\n"),
            ])
        #expect(driver.stderr.contains("removed 3 report(s) whose enqueue never committed"), "\(driver.stderr)")
        #expect(directoryNames(queue.tmp).isEmpty)
        #expect(try Ledger(queue: queue).allEvents().filter { $0.kind == .discarded }.count == 3)
    }

    @Test func concurrentProducersAllLandAndTheLedgerStaysChained() throws {
        let writers = try (0..<8).map { index in
            try Program.producer.start(
                ["note"] + queueFlag + ["--title", "parallel \(index)", "--body", "並行 \(index)"])
        }
        for writer in writers {
            let outcome = writer.wait()
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let names = directoryNames(queue.pending)
        #expect(names.count == 8)
        let ledger = try Ledger(queue: queue)
        #expect(try ledger.allEvents().count == 8)
        #expect(try ledger.verifyChain() == nil)
        let scan = try queue.scanPending(book: ledger, maxReportBytes: 1 << 20)
        #expect(scan.reports.map(\.name) == names, "producer names sort in enqueue order")
    }
}
