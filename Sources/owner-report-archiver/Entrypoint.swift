import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

/// `owner-report-archiver`: files, expires, verifies, exports and requeues.
@main
struct Archiver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner-report-archiver",
        abstract: "File and expire the archive, verify it against the ledger, export the audit trail, requeue failed reports.",
        discussion: """
            Without a subcommand it makes one bounded pass (run), for a daily timer.

            Examples:
              owner-report-archiver                       # file sent/, expire, checkpoint the ledger
              owner-report-archiver verify                # exit 65 on any mismatch, naming the row or file
              owner-report-archiver export --since 2026-11-01 --until 2026-12-01 --format csv > audit.csv
              owner-report-archiver requeue --all-failed
              owner-report-archiver status --json
            """,
        version: OwnerReportVersion.string,
        subcommands: [Run.self, Verify.self, Export.self, Requeue.self, Status.self],
        defaultSubcommand: Run.self)
}

/// A ledger to read: nil when there is none yet; opened without writing for a dry run.
func readLedger(_ queue: QueueDirectory, dryRun: Bool) throws -> Ledger? {
    if dryRun { return try Ledger(readingAt: queue.ledgerPath) }
    guard FileManager.default.fileExists(atPath: queue.ledgerPath) else { return nil }
    return try Ledger(queue: queue)
}

func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

extension Archiver {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One bounded pass: file sent/ by delivery date, expire old reports, checkpoint the ledger.",
            discussion: """
                Reports at the top of sent/ are moved into sent/YYYY/MM/DD/ by the day they were \
                delivered (configured time zone). Archived reports delivered more than \
                [archive] retention_days ago (default 90) are deleted, each deletion recorded in the \
                ledger first; failed/ is kept unless [archive] failed_retention_days is set. pending/ \
                is never touched. Then the ledger's write-ahead log is checkpointed (--vacuum also \
                rebuilds the file).
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Say what would be filed and deleted; change nothing.") var dryRun = false
        @Flag(help: "Also VACUUM the ledger (needs free space about its size).") var vacuum = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                if !dryRun { common.warnIfOnNetworkFileSystem(program: "owner-report-archiver") }
                let ledger = try readLedger(context.queue, dryRun: dryRun)
                let pass = ArchivePass(queue: context.queue, ledger: ledger, configuration: context.configuration, dryRun: dryRun, logger: context.logger)
                let summary = try pass.run()
                var maintenance = "ledger: none yet"
                if let ledger, !dryRun {
                    let result = try ledger.checkpoint()
                    maintenance = result.busy ? "ledger: checkpoint incomplete (a reader holds the log); it finishes next time"
                        : "ledger: write-ahead log checkpointed (\(result.pages) pages)"
                    if vacuum {
                        try ledger.vacuum()
                        maintenance += ", vacuumed"
                    }
                } else if ledger != nil {
                    maintenance = "ledger: would checkpoint\(vacuum ? " and vacuum" : "")"
                }
                if common.json {
                    try printJSON([
                        "dry_run": dryRun, "filed": summary.filed, "expired": summary.expired, "failed_expired": summary.failedExpired,
                        "ledger": maintenance,
                    ])
                } else {
                    let verb = dryRun ? "would " : ""
                    if common.verbose || dryRun {
                        for path in summary.filed { print("\(verb)file \(path)") }
                        for path in summary.expired + summary.failedExpired { print("\(verb)delete \(path)") }
                    }
                    print("\(dryRun ? "dry run: " : "")filed \(summary.filed.count), expired \(summary.expired.count) archived and \(summary.failedExpired.count) failed; \(maintenance)")
                }
                return .success
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the ledger's hash chain and check the archive against it; exit 65 on any mismatch.",
            discussion: """
                Checks every ledger row's hash and link, that every file in sent/ and failed/ has ledger \
                history and the SHA-256 recorded when it was enqueued, and that every report the ledger \
                says was archived or failed is there. Prints a table, then each finding naming the ledger \
                row or the file. It only reads (--dry-run is accepted and changes nothing either).

                --witness SEQ:HASH (the last line of every daily report) checks that the ledger still \
                holds that row with that hash. The chain check finds an edited row; a witness also finds \
                a ledger rewritten from the start with every hash recomputed, or cut short.

                Example:
                  owner-report-archiver verify --witness 1842:9f2c…(64 hex digits)
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Accepted for symmetry: verify never writes.") var dryRun = false
        @Option(name: .customLong("witness"), help: ArgumentHelp("A row seen outside the ledger, as the daily report prints it; repeatable.", valueName: "SEQ:HASH"))
        var witnessTexts: [String] = []

        func validate() throws {
            for text in witnessTexts where LedgerWitness(text) == nil {
                throw ValidationError("--witness '\(text.prefix(80))' is not SEQ:HASH (a row number, a colon, 64 hex digits)")
            }
        }

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                let checks = try ArchiveVerifier(
                    queue: context.queue, ledger: try Ledger(readingAt: context.queue.ledgerPath), witnesses: witnessTexts.compactMap(LedgerWitness.init)
                ).run()
                let problems = checks.flatMap(\.findings)
                if common.json {
                    try printJSON([
                        "ok": problems.isEmpty,
                        "checks": checks.map { ["name": $0.name, "examined": $0.examined, "findings": $0.findings.map(\.description)] },
                    ])
                } else {
                    let width = checks.map(\.name.count).max() ?? 10
                    for check in checks {
                        let padded = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        print("\(padded)  \(String(check.examined).leftPadded(6))  \(check.findings.isEmpty ? "ok" : "FAILED (\(check.findings.count))")")
                    }
                    for finding in problems { print("  \(finding)") }
                }
                if !problems.isEmpty {
                    printError("owner-report-archiver: verify found \(problems.count) problem(s); the first: \(problems[0])")
                    return .dataError
                }
                return .success
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the audit trail of a period, one row per ledger event, as CSV or JSON.",
            discussion: """
                Rows whose time is at or after --since and before --until (times in the configured zone \
                unless they carry an offset; a date alone is its midnight). Columns: \(LedgerExport.columns.joined(separator: ", ")).
                """)

        @OptionGroup var common: CommonOptions
        @Option(help: "The first instant, e.g. 2026-11-01 or 2026-11-01T08:00:00+08:00.") var since: String?
        @Option(help: "The instant after the last.") var until: String?
        @Option(help: "csv or json.") var format: String = "csv"
        @Option(name: .shortAndLong, help: ArgumentHelp("Write here (atomically) instead of standard output.", valueName: "file")) var output: String?
        @Flag(name: .customLong("dry-run"), help: "Say how many rows would be exported; write nothing.") var dryRun = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                guard let chosen = LedgerExport.Format(rawValue: format) else { throw UsageError("--format must be csv or json, not '\(format)'") }
                func time(_ text: String?, _ flag: String) throws -> Timestamp? {
                    guard let text else { return nil }
                    guard let time = Timestamp.parse(text, in: context.configuration.timeZone) else {
                        throw UsageError("\(flag): '\(text)' is not a date or time (e.g. 2026-11-01 or 2026-11-01T00:00:00Z)")
                    }
                    return time
                }
                let start = try time(since, "--since"), end = try time(until, "--until")
                if let start, let end, end <= start { throw UsageError("--until must be after --since") }
                let events = try Ledger(readingAt: context.queue.ledgerPath).map { try LedgerExport.events($0, since: start, until: end) } ?? []
                if dryRun {
                    print("dry run: would export \(events.count) row(s) as \(chosen.rawValue)\(output.map { " to \($0)" } ?? "")")
                    return .success
                }
                if let output {
                    var text = ""
                    try LedgerExport.write(events, as: chosen) { text += $0 }
                    try DurableFile.replace(output, with: Array(text.utf8), via: DurableFile.directoryName(of: output))
                } else {
                    try LedgerExport.write(events, as: chosen) { FileHandle.standardOutput.write(Data($0.utf8)) }
                }
                return .success
            }
        }
    }

    struct Requeue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move failed reports back to pending/ with a new attempt budget.",
            discussion: """
                The ledger records `requeued` (with the file's SHA-256, in case you mended it) before the \
                move; the report keeps its place in line by its original enqueue time, its attempts and \
                max_age start over, and destinations that already accepted it are not sent it again.
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: ArgumentHelp("Report names in failed/ (the file names).", valueName: "id")) var ids: [String] = []
        @Flag(name: .customLong("all-failed"), help: "Every report in failed/.") var allFailed = false
        @Flag(name: .customLong("dry-run"), help: "Say what would be requeued; move nothing.") var dryRun = false

        func validate() throws {
            if ids.isEmpty == !allFailed { throw ValidationError("give report ids or --all-failed (not both)") }
        }

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                if !dryRun { try context.queue.prepare() }
                let ledger = dryRun ? try Ledger(readingAt: context.queue.ledgerPath) : try Ledger(queue: context.queue)
                let requeuer = Requeuer(queue: context.queue, ledger: ledger, dryRun: dryRun)
                let names = allFailed ? requeuer.allFailed() : ids.map { DurableFile.fileName(of: $0) }
                for name in names {
                    let path = try requeuer.requeue(name)
                    print(dryRun ? "would requeue \(name) as \(path)" : path)
                }
                if names.isEmpty { print("failed/ is empty: nothing to requeue") }
                return .success
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show pending reports per lane (age, attempts, next try), failed ones with reasons, the last deliveries.")

        @OptionGroup var common: CommonOptions
        @Option(help: "How many of the last deliveries to show.") var recent: Int = 10
        @Flag(name: .customLong("dry-run"), help: "Accepted for symmetry: status never writes.") var dryRun = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                let status = try QueueStatus(
                    queue: context.queue, ledger: try Ledger(readingAt: context.queue.ledgerPath), configuration: context.configuration,
                    recent: max(0, recent))
                let now = Timestamp.now()
                if common.json {
                    try printJSON(status.jsonObject(now: now))
                    return .success
                }
                let zone = context.configuration.timeZone
                print("pending: \(status.pending.count)")
                var lane = ""
                for entry in status.pending {
                    if entry.lane != lane {
                        lane = entry.lane
                        print("  lane \(lane):")
                    }
                    let age = DurationText.describe(.nanoseconds(max(0, now.rawValue - entry.enqueuedAt.rawValue)))
                    let next = entry.nextTry.map { $0 > now ? "next try \($0.iso8601(in: zone))" : "due now" } ?? "due now"
                    print("    \(entry.report)  age \(age), \(entry.attempts) attempt(s), \(next)\(entry.problem.map { "; \($0)" } ?? "")")
                }
                print("failed: \(status.failed.count)")
                for entry in status.failed { print("  \(entry.report)  [\(entry.category)] \(entry.reason)") }
                print("last deliveries:")
                for entry in status.lastDeliveries { print("  \(entry.at)  \(entry.destination)  \(entry.report)") }
                return .success
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
