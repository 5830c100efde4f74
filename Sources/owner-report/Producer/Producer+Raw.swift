import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore

extension Producer {
    /// `raw`: enqueue a report file someone already wrote.
    struct Raw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a ready Markdown or JSON report and enqueue it.",
            discussion: """
                The file is checked exactly as the driver will read it (UTF-8, front matter, size); a \
                malformed file is refused with its line number and nothing is enqueued. Its bytes are \
                enqueued unchanged, unless --destination adds a destination field. Markdown or JSON is \
                told by the .md/.json extension, or for standard input by a leading '{'.

                Example:
                  owner-report-producer raw incident-summary.md
                  curl -s http://ci/report.json | owner-report-producer raw -
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions

        @Argument(help: ArgumentHelp("The report file, or - for standard input.", valueName: "file"))
        var file: String = "-"

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let submitter = try submit.makeSubmitter(common)
                var bytes = try InputReader.read(file, limit: submitter.configuration.delivery.maxReportBytes)
                let named = ReportFormat(fileName: file)
                var report = try ReportCodec.decode(bytes, format: named, path: file)
                let format = named ?? ReportFormat(sniffing: String(decoding: bytes, as: UTF8.self))
                if let destination = submit.destination {
                    report.fields["destination"] = .text(destination)
                    bytes = Array(ReportCodec.encode(report, as: format).utf8)
                }
                try submitter.submit(bytes: bytes, report: report, format: format, origin: "raw \(file)")
            }
        }
    }
}
