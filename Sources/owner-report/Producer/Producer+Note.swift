import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore

extension Producer {
    /// `note`: any other message for the owner.
    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue a note: any message for the owner, with a Markdown body.",
            discussion: """
                The body comes from --body, or from --body-file (a file, or - for standard input). \
                Extra fields can be attached with --field key=value; they are kept and shown.

                Example:
                  echo '備份完成,共 3 個資料庫。' | owner-report-producer note --title 'nightly backup' --body-file - --field host=db1
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions

        @Option(help: "The note's title.") var title: String
        @Option(help: "The Markdown body.") var body: String?
        @Option(
            name: .customLong("body-file"),
            help: ArgumentHelp("Read the body from a file, or - for standard input.", valueName: "file"))
        var bodyFile: String?
        @Option(help: "normal, warning, critical, blocked or done.") var status: ReportStatus?
        @Option(name: .customLong("field"), help: ArgumentHelp("An extra field (repeatable).", valueName: "key=value"))
        var extraFields: [String] = []
        @Option(
            name: .customLong("expect-next"),
            help: ArgumentHelp(
                "The task's next report is due within this (with --field task=ID).", valueName: "duration"))
        var expectNext: String?

        func validate() throws {
            try ExpectNextOption.validate(expectNext)
            if expectNext != nil, !extraFields.contains(where: { $0.lowercased().hasPrefix("task=") }) {
                throw ValidationError("--expect-next needs the task it is about: --field task=ID")
            }
            if body != nil, bodyFile != nil { throw ValidationError("give --body or --body-file, not both") }
            if title.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--title must not be empty") }
            for field in extraFields {
                guard let equals = field.firstIndex(of: "="), Report.isValidFieldName(field[..<equals]) else {
                    throw ValidationError(
                        "--field '\(field)' must be key=value with a key of letters, digits, '_', '-', '.'")
                }
                if ["kind", "title"].contains(field[..<equals].lowercased()) {
                    throw ValidationError("--field cannot set '\(field[..<equals])'; use the subcommand and --title")
                }
            }
        }

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let submitter = try submit.makeSubmitter(common)
                var text = body ?? ""
                if let bodyFile {
                    let bytes = try InputReader.read(bodyFile, limit: submitter.configuration.delivery.maxReportBytes)
                    // Validate as the driver will, so a binary or non-UTF-8 body is refused here, not in failed/.
                    text = try ReportCodec.decode(
                        Array("---\nkind: note\n---\n".utf8) + bytes, format: .markdown, path: bodyFile
                    ).body
                }
                var fields = submitter.stampedFields(destination: submit.destination)
                for field in extraFields {
                    let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    fields[parts[0].lowercased()] = .text(parts.count > 1 ? String(parts[1]) : "")
                }
                if let status { fields["status"] = .text(status.rawValue) }
                if let expectNext { fields["expect_next"] = .text(expectNext) }
                try submitter.submit(Report(kind: .note, title: title, fields: fields, body: text), origin: "note")
            }
        }
    }
}
