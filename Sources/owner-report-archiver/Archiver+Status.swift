import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

extension Archiver {
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
