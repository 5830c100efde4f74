import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `daily`: the key figures of the last 24 hours, from the ledger.
    struct Daily: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue the daily report: the KPIs of the 24 hours before --at, from the ledger only.",
            discussion: """
                Reports by kind, deliveries, failures, the delivery success rate, median and p95 latency \
                from enqueue to delivery, incidents opened and resolved, postmortems, top incident \
                categories, the [expect] expectations met and missed, and a health verdict whose thresholds the \
                report states. A day with nothing \
                in it still gives a report that says so. The systemd timer runs it at 08:00 Asia/Taipei. \
                One report per day that --at falls on: a second run for the same day (a timer that fired \
                twice, a rerun after a crash) enqueues nothing and says which report has it.

                --fleet builds it from every host's ledger rows in the fleet database ([fleet] \
                database_env or database_file, filled by owner-report-archiver ship): each figure is the \
                sum of the hosts' own, incidents are named host/INC-N, and a "By host" section lists each \
                host's figures. The report is enqueued here, on the host that runs it.

                Example:
                  owner-report-producer daily
                  owner-report-producer daily --at '2026-11-23 08:00' --dry-run
                  owner-report-producer daily --fleet
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The end of the 24 hours (default: now), in the configured time zone unless it has an offset.")
        var at: String?
        @Flag(help: "Every host's figures from the fleet database, not this queue's ledger.") var fleet = false

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let end = try context.time(at)
                let start = end.adding(nanoseconds: -86_400 * 1_000_000_000)
                // One daily report per day the 24 hours end on, in the configured zone: a timer that
                // fires twice, or a run after a crash, enqueues nothing new (docs/design.md §3).
                let day = String(end.iso8601(in: context.configuration.timeZone).prefix(10))
                if fleet {
                    let ledgers = try context.fleetLedgers(from: start, to: end)
                    let kpis = try DailyKPIs(fleet: ledgers, start: start, end: end)
                    let source =
                        "the fleet database (\(ledgers.count) host(s): \(ledgers.map(\.host).joined(separator: ", ")))"
                    try context.submitter.submit(
                        context.builder.dailyReport(kpis, ledgerPath: source), origin: "daily",
                        cause: "daily:fleet:\(day)")
                    return
                }
                let ledger = try context.readableLedger()
                var kpis: DailyKPIs
                if let ledger {
                    kpis = try DailyKPIs(
                        ledger: ledger, start: start, end: end, expectations: context.configuration.expectations)
                } else {
                    kpis = DailyKPIs.empty(start: start, end: end)
                    kpis.expectationsConfigured = context.configuration.expectations.count
                }
                let report = context.builder.dailyReport(
                    kpis, ledgerPath: context.queue.ledgerPath, head: try ledger?.head())
                try context.submitter.submit(report, origin: "daily", cause: "daily:\(day)")
            }
        }
    }
}
