import ArgumentParser
import Foundation
import OwnerReportCommandLine
import OwnerReportCore

/// `owner-report`: the one program. Run as `owner-report-producer` (a link to it), it is the producer,
/// and so on for the driver, watchdog, archiver and intake; run as `owner-report PROGRAM …`, the same.
@main
struct OwnerReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner-report",
        abstract: "Reports to their owners: every one delivered, in order, never lost or faked as sent.",
        discussion: """
            One program under five names. The links owner-report-producer, owner-report-driver, \
            owner-report-watchdog, owner-report-archiver and owner-report-intake run it as that program; \
            `owner-report producer …` is the same as `owner-report-producer …`, and so on.

            Examples:
              owner-report producer note --title hello   # as owner-report-producer note --title hello
              owner-report driver --once
              owner-report watchdog --dry-run --verbose
            """,
        version: OwnerReportVersion.string,
        subcommands: Invocation.programs)

    /// The program the name chooses, given the arguments after argv[0]; else `owner-report` itself.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let program = Invocation.linkedProgram { return program.main(arguments) }
        // Said here, naming it, rather than as whatever option comes after it.
        if let first = arguments.first, !first.hasPrefix("-"), first != "help",
            !Invocation.programs.contains(where: { $0.configuration.commandName == first })
        {
            printError("owner-report: no program '\(first)': the programs are \(Invocation.listed)")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(arguments)
    }
}

/// The name the process was run as, and what it chooses.
enum Invocation {
    /// The five programs, in the order of the chain.
    static let programs: [any ParsableCommand.Type] = [
        Producer.self, Driver.self, WatchdogCommand.self, Archiver.self, Intake.self,
    ]

    /// "producer, driver, watchdog, archiver and intake".
    static var listed: String {
        let names = programs.compactMap { $0.configuration.commandName }
        return names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
    }

    /// The last path component of argv[0]: `owner-report-driver` when run through that link.
    static let name: String = {
        let path = CommandLine.arguments.first ?? "owner-report"
        return path.split(separator: "/").last.map(String.init) ?? path
    }()

    /// The program run directly through its link, or nil for `owner-report` (and any other name).
    static let linkedProgram: (any ParsableCommand.Type)? = programs.first {
        $0.configuration.commandName == name
    }

    /// A program's command name: `owner-report-PROGRAM` when that link runs it, else the bare `PROGRAM`
    /// under `owner-report`, so that help, manual pages and completions name the command as it is typed.
    static func commandName(_ program: String) -> String {
        name == "owner-report-\(program)" ? name : program
    }
}
