import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore

/// Flags every producer subcommand shares, besides the common ones.
struct SubmitOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send to this configured destination (or several, comma-separated) instead of the route for the kind.",
            valueName: "name"))
    var destination: String?

    @Flag(name: .long, help: "Print the file that would be written, and write nothing.")
    var dryRun = false
}

extension SubmitOptions {
    /// Loads the configuration and checks `--destination`: how every subcommand starts.
    func makeSubmitter(_ common: CommonOptions) throws -> ReportSubmitter {
        let submitter = ReportSubmitter(
            options: common, configuration: try common.loadConfiguration(), dryRun: dryRun, destination: destination)
        try submitter.checkDestination(destination)
        return submitter
    }
}

extension ReportStatus: ExpressibleByArgument {}
