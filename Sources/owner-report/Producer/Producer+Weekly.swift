import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `weekly`: the week's work by team, archived as Markdown and enqueued for delivery.
    struct Weekly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue the weekly report: commits and checkpoints by team, incidents, risks, next week.",
            discussion: """
                The week is an ISO week in the configured time zone (Monday 00:00 to Monday 00:00). Commits \
                (merges excluded) are read from each --git-repo by author date and grouped by team: by the \
                author's e-mail, else by a keyword of the conventional-commit scope, then its type, else \
                "other". Checkpoints, incidents, postmortems and deliveries come from the ledger, or with \
                --fleet from every host's rows in the fleet database (owner-report-archiver ship fills it; \
                a host's failed reports and incidents are named host/…).

                The Markdown is kept in the queue's archive/weekly/<week>.md (replaced if the week is built \
                again) and the report is enqueued, once per week: a second run for the same week archives \
                it again and enqueues nothing. An e-mail destination sends it as HTML and text.

                Teams file (TOML), also settable as [reports] teams in the config:
                  [teams.platform]
                  name = "Platform"
                  emails = ["alice@example.com"]
                  keywords = ["k8s", "ci"]

                --summarizer runs a command (e.g. an LLM CLI) with the Markdown on its standard input and \
                puts what it prints first; if it fails or runs over [reports] summarizer_timeout (2 min), the \
                report goes out without it and says why.

                Example:
                  owner-report-producer weekly --git-repo ~/src/api --git-repo ~/src/web --teams /etc/owner-report/teams.toml
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Option(help: ArgumentHelp("The ISO week, e.g. 2026-W47 (default: the current week).", valueName: "week"))
        var week: String?
        @Option(
            name: .customLong("git-repo"),
            help: ArgumentHelp("A git repository to read commits from (repeatable).", valueName: "path"))
        var gitRepos: [String] = []
        @Option(
            help: ArgumentHelp("The team mapping (TOML); default: [reports] teams in the config.", valueName: "file"))
        var teams: String?
        @Option(help: ArgumentHelp("A command that summarizes the Markdown it reads on stdin.", valueName: "command"))
        var summarizer: String?
        @Flag(help: "Checkpoints, incidents and deliveries of every host, from the fleet database.") var fleet = false

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let zone = context.configuration.timeZone
                let isoWeek: ISOWeek
                if let week {
                    guard let parsed = ISOWeek(week, timeZone: zone) else {
                        throw ValidationError("--week: '\(week)' is not an ISO week such as 2026-W47")
                    }
                    isoWeek = parsed
                } else {
                    isoWeek = ISOWeek(containing: .now(), timeZone: zone)
                }
                let teamMap =
                    try (teams ?? context.configuration.reports.teamsFile).map { try TeamMap(file: $0) } ?? TeamMap()
                let data =
                    fleet
                    ? try WeeklyData(
                        week: isoWeek, repositories: gitRepos, teams: teamMap,
                        ledgers: try context.fleetLedgers(from: isoWeek.start, to: isoWeek.end).map {
                            (host: $0.host, ledger: $0.ledger)
                        })
                    : try WeeklyData(
                        week: isoWeek, repositories: gitRepos, teams: teamMap, ledger: try context.readableLedger())
                var report = context.builder.weeklyReport(data)
                if let summarizer {
                    let outcome = Summarizer.summarize(
                        report.body, command: summarizer, timeout: context.configuration.reports.summarizerTimeout)
                    if case .failed(let reason, _) = outcome {
                        printError("owner-report-producer: warning: \(reason); sending without it")
                    }
                    report = context.builder.weeklyReport(data, summary: outcome)
                }
                if !context.dryRun {
                    let directory = "\(context.queue.root)/archive/weekly"
                    try DurableFile.makeDirectories(directory)
                    try DurableFile.replace(
                        "\(directory)/\(isoWeek).md", with: Array(ReportCodec.encode(report, as: .markdown).utf8),
                        via: context.queue.tmp)
                }
                // One weekly report per week (and per fleet-wide week): a second run archives it again, enqueues nothing.
                try context.submitter.submit(
                    report, origin: "weekly", cause: fleet ? "weekly:fleet:\(isoWeek)" : "weekly:\(isoWeek)")
            }
        }
    }
}
