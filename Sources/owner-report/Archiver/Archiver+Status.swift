import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger
import OwnerReportWatching

extension Archiver {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show pending reports per lane (age, attempts, next try), failed ones with reasons, the last deliveries, and each expectation."
        )

        @OptionGroup var common: CommonOptions
        @Option(help: "How many of the last deliveries to show.") var recent: Int = 10
        @Flag(name: .customLong("dry-run"), help: "Accepted for symmetry: status never writes.") var dryRun = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                let status = try QueueStatus(
                    queue: context.queue, ledger: try Ledger.open(context.queue, .reading),
                    configuration: context.configuration,
                    recent: max(0, recent))
                let now = Timestamp.now()
                let expectations = try ExpectationWatch.states(
                    configuration: context.configuration, ledger: try Ledger.open(context.queue, .reading), at: now)
                if common.json {
                    var object = status.jsonObject(now: now)
                    object["expectations"] = expectations.map { $0.jsonObject() }
                    try printJSON(object)
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
                    let next =
                        entry.nextTry.map { $0 > now ? "next try \($0.iso8601(in: zone))" : "due now" } ?? "due now"
                    print(
                        "    \(entry.report)  age \(age), \(entry.attempts) attempt(s), \(next)\(entry.problem.map { "; \($0)" } ?? "")"
                    )
                }
                print("failed: \(status.failed.count)")
                for entry in status.failed { print("  \(entry.report)  [\(entry.category)] \(entry.reason)") }
                print("last deliveries:")
                for entry in status.lastDeliveries { print("  \(entry.at)  \(entry.destination)  \(entry.report)") }
                if !expectations.isEmpty {
                    print("expectations:")
                    let width = expectations.map(\.name.count).max() ?? 0
                    for state in expectations {
                        var line =
                            "  \(state.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(state.word.padding(toLength: 7, withPad: " ", startingAt: 0))"
                        line += "  last seen \(state.lastSeen.map { $0.shortLocal(in: zone) } ?? "never")"
                        if let incident = state.openIncident {
                            line += ", \(incident.id) open since \(incident.openedAt.shortLocal(in: zone))"
                        } else if let deadline = state.deadline {
                            line += ", due by \(deadline.shortLocal(in: zone))"
                        }
                        if let running = state.runningSince {
                            line += ", running since \(running.shortLocal(in: zone))"
                        }
                        if let ran = state.lastRunTime { line += ", last run \(DurationText.describe(ran))" }
                        print(line)
                    }
                }
                return .success
            }
        }
    }
}
