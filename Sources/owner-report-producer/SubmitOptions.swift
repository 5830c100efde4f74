import ArgumentParser
import OwnerReportCore

/// Flags every producer subcommand shares, besides the common ones.
struct SubmitOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Send to this configured destination instead of the route for the kind.", valueName: "name"))
    var destination: String?

    @Flag(name: .long, help: "Print the file that would be written, and write nothing.")
    var dryRun = false
}

extension ReportStatus: ExpressibleByArgument {}
