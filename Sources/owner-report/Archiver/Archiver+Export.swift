import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

extension Archiver {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the audit trail of a period, one row per ledger event, as CSV or JSON.",
            discussion: """
                Rows whose time is at or after --since and before --until (times in the configured zone \
                unless they carry an offset; a date alone is its midnight). Columns: \(LedgerExport.columns.joined(separator: ", ")).
                """)

        @OptionGroup var common: CommonOptions
        @Option(help: "The first instant, e.g. 2026-11-01 or 2026-11-01T08:00:00+08:00.") var since: String?
        @Option(help: "The instant after the last.") var until: String?
        @Option(help: "csv or json.") var format: String = "csv"
        @Option(
            name: .shortAndLong,
            help: ArgumentHelp("Write here (atomically) instead of standard output.", valueName: "file")) var output:
            String?
        @Flag(name: .customLong("dry-run"), help: "Say how many rows would be exported; write nothing.") var dryRun =
            false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                guard let chosen = LedgerExport.Format(rawValue: format) else {
                    throw UsageError("--format must be csv or json, not '\(format)'")
                }
                func time(_ text: String?, _ flag: String) throws -> Timestamp? {
                    guard let text else { return nil }
                    guard let time = Timestamp.parse(text, in: context.configuration.timeZone) else {
                        throw UsageError(
                            "\(flag): '\(text)' is not a date or time (e.g. 2026-11-01 or 2026-11-01T00:00:00Z)")
                    }
                    return time
                }
                let start = try time(since, "--since"), end = try time(until, "--until")
                if let start, let end, end <= start { throw UsageError("--until must be after --since") }
                let events =
                    try Ledger.open(context.queue, .reading).map {
                        try LedgerExport.events($0, since: start, until: end)
                    } ?? []
                if dryRun {
                    print(
                        "dry run: would export \(events.count) row(s) as \(chosen.rawValue)\(output.map { " to \($0)" } ?? "")"
                    )
                    return .success
                }
                if let output {
                    var text = ""
                    try LedgerExport.write(events, as: chosen) { text += $0 }
                    try DurableFile.replace(output, with: Array(text.utf8), via: DurableFile.directoryName(of: output))
                } else {
                    try LedgerExport.write(events, as: chosen) { FileHandle.standardOutput.write(Data($0.utf8)) }
                }
                return .success
            }
        }
    }
}
