import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `ping NAME`: a job's sign of life for `[expect.NAME]`, without writing a report.
    struct Ping: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell an [expect.NAME] that its job ran (or started, or failed): a ledger row, no report.",
            discussion: """
                A good ping is recorded and nothing is sent: the watchdog counts it as the awaited sign \
                of life. --start says the job began, so a [expect.NAME] with max_runtime can tell a job \
                that hangs, and the good or failed ping after it records how long the job ran (archiver \
                status shows it). --fail opens the incident expect-NAME at once, with --message as its \
                summary; the next good ping resolves it. A NAME with no [expect.NAME] is refused (exit \
                64), since a ping nobody waits for is a silence nobody sees. The intake takes the same \
                pings over HTTP: POST /v1/ping/NAME, /v1/ping/NAME/start and /v1/ping/NAME/fail.

                Examples (a crontab line, healthchecks-style):
                  0 3 * * * owner-report-producer ping backup --start && /usr/local/bin/backup && owner-report-producer ping backup || owner-report-producer ping backup --fail --message "exit $?"
                  owner-report-producer ping backup
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Argument(help: "The expectation's name, as in [expect.NAME].") var name: String
        @Flag(help: "The job started (a good ping must follow within max_runtime).") var start = false
        @Flag(help: "The job failed: opens the incident expect-NAME.") var fail = false
        @Option(help: "What went wrong (with --fail), or a note.") var message: String?
        @Option(help: "When it happened (default: now).") var at: String?

        func validate() throws {
            if start && fail { throw ValidationError("give --start or --fail, not both") }
        }

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let time = try context.time(at)
                let state: PingDesk.State = fail ? .fail : start ? .start : .success
                if let problem = PingDesk.problem(with: name, in: context.configuration) {
                    throw UsageError("ping \(name): \(problem)")
                }
                if context.dryRun {
                    print(
                        "would record: ping \(name) \(state.rawValue)\(state == .fail ? " (and open expect-\(name) unless it is open)" : "")"
                    )
                    return
                }
                let desk = PingDesk(
                    configuration: context.configuration, ledger: try context.writableLedger(),
                    incidents: try context.incidentDesk())
                let enqueued = try desk.record(name, state, message: message, at: time)
                if enqueued.isEmpty { context.explain("\(name): \(state.rawValue) recorded") }
            }
        }
    }
}
