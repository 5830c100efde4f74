import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

extension Producer {
    /// `postmortem`: the review of a resolved incident that lasted at least the threshold.
    struct Postmortem: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue the postmortem of a resolved incident.",
            discussion: """
                The incident's times come from the ledger and are shown in the configured time zone. An \
                incident shorter than [reports] postmortem_min_minutes (10 by default) gets no postmortem: \
                the command says so and exits 0.

                Example:
                  owner-report-producer postmortem --incident INC-7 --root-cause 'connection pool exhausted' \\
                    --action 'raised the pool size, restarted api' --retries 2
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Option(help: "The incident's id.") var incident: String
        @OptionGroup var details: PostmortemOptions

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                guard
                    let found = try context.readableLedger().flatMap({
                        try IncidentBook(ledger: $0).incident(id: incident)
                    })
                else {
                    throw InputError(path: context.queue.ledgerPath, message: "no incident \(incident) in the ledger")
                }
                guard let duration = found.duration else {
                    throw ReportFormatError(
                        path: context.queue.ledgerPath, message: "incident \(incident) is still open: resolve it first")
                }
                guard context.builder.needsPostmortem(found) else {
                    context.explain(
                        "postmortem skipped: \(incident) lasted \(DurationText.describe(duration)), under the "
                            + "\(DurationText.describe(context.builder.postmortemMinimum)) threshold ([reports] postmortem_min_minutes)"
                    )
                    return
                }
                try context.submitter.submit(
                    context.builder.postmortemReport(found, details.details), origin: "postmortem")
            }
        }
    }
}
