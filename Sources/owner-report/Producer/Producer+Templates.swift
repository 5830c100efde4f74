import ArgumentParser
import Foundation
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `templates`: shows which layouts are in use and writes the built-in ones out to start from.
    struct Templates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the report layouts in use, or write the built-in ones to a directory.",
            discussion: """
                Layouts are Mustache templates rendering a report's Markdown body. Put NAME.mustache files \
                in a directory and name it as [reports] templates in the config to replace the built-in ones; \
                a template that does not parse is a configuration error (exit 78) naming the file and line.

                Example:
                  owner-report-producer templates --dump /etc/owner-report/templates
                """)

        @OptionGroup var common: CommonOptions
        @Option(
            help: ArgumentHelp("Write the built-in templates here (existing files are left alone).", valueName: "dir"))
        var dump: String?

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let configuration = try common.loadConfiguration()
                guard let dump else {
                    let templates = try ReportTemplates(directory: configuration.reports.templatesDirectory)
                    for name in ReportTemplates.names { print("\(name)\t\(templates.sources[name] ?? "built-in")") }
                    return
                }
                try DurableFile.makeDirectories(dump)
                for name in ReportTemplates.names {
                    let path = "\(dump)/\(name).mustache"
                    if FileManager.default.fileExists(atPath: path) {
                        print("\(path): exists, left alone")
                        continue
                    }
                    try DurableFile.create(path, bytes: Array(ReportTemplates.builtInText(name).utf8))
                    print(path)
                }
            }
        }
    }
}
