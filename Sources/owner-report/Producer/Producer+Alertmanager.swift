import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `alertmanager`: turns a Prometheus Alertmanager webhook payload into incidents.
    struct Alertmanager: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open and resolve incidents from an Alertmanager webhook payload (version 4).",
            discussion: """
                One incident per alert, by fingerprint (id am-<fingerprint>): a firing alert opens it (once; \
                Alertmanager repeats firing alerts), a resolved one resolves it at its endsAt, with a \
                postmortem when it lasted at least the threshold. The whole payload is checked first: a \
                malformed one is refused with exit 65 and nothing is enqueued.

                Example (from an Alertmanager webhook receiver that saves the body):
                  owner-report-producer alertmanager payload.json
                  curl … | owner-report-producer alertmanager -
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Argument(help: ArgumentHelp("The payload file, or - for standard input.", valueName: "file")) var file:
            String = "-"

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let bytes = try InputReader.read(file, limit: 16 << 20)
                let origin = file == "-" ? "standard input" : file
                let payload = try AlertmanagerPayload(json: bytes, origin: origin)
                let outcome = try context.incidentDesk().apply(
                    payload, origin: file, heartbeats: context.configuration.expectations.heartbeats)
                outcome.notes.forEach(context.explain)
            }
        }
    }
}
