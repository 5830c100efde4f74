import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportFleet
import OwnerReportLedger

extension Archiver {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One bounded pass: file sent/ by delivery date, expire old reports, checkpoint the ledger.",
            discussion: """
                Reports at the top of sent/ are moved into sent/YYYY/MM/DD/ by the day they were \
                delivered (configured time zone). Archived reports delivered more than \
                [archive] retention_days ago (default 90) are deleted, each deletion recorded in the \
                ledger first; failed/ is kept unless [archive] failed_retention_days is set. pending/ \
                is never touched. Then the ledger's write-ahead log is checkpointed (--vacuum also \
                rebuilds the file), and when [fleet] names a database the ledger's new rows are \
                shipped there (as `ship` does). A failed ship is reported after the rest is done, with \
                its exit status (69 when the database cannot be reached).
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Say what would be filed and deleted; change nothing.") var dryRun =
            false
        @Flag(help: "Also VACUUM the ledger (needs free space about its size).") var vacuum = false
        @Flag(
            name: .customLong("no-ship"),
            help: "Leave the fleet step to `ship` (the owner-report-ship timer, which may reach the network).")
        var noShip = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                if !dryRun { common.warnIfOnNetworkFileSystem(program: "owner-report-archiver") }
                let ledger = try readLedger(context.queue, dryRun: dryRun)
                let pass = ArchivePass(
                    queue: context.queue, ledger: ledger, configuration: context.configuration, dryRun: dryRun,
                    logger: context.logger)
                let summary = try pass.run()
                var maintenance = "ledger: none yet"
                if let ledger, !dryRun {
                    let result = try ledger.checkpoint()
                    maintenance =
                        result.busy
                        ? "ledger: checkpoint incomplete (a reader holds the log); it finishes next time"
                        : "ledger: write-ahead log checkpointed (\(result.pages) pages)"
                    if vacuum {
                        try ledger.vacuum()
                        maintenance += ", vacuumed"
                    }
                } else if ledger != nil {
                    maintenance = "ledger: would checkpoint\(vacuum ? " and vacuum" : "")"
                }
                // The fleet step runs after the local work, whose result stands whatever the database says.
                var ship: Result<FleetShipper.PassResult, Error>?
                if FleetDatabase.isConfigured(context.configuration), !noShip {
                    ship = Result { try shipLedger(context, dryRun: dryRun, verbose: common.verbose) }
                }
                if common.json {
                    var object: [String: Any] = [
                        "dry_run": dryRun, "filed": summary.filed, "expired": summary.expired,
                        "failed_expired": summary.failedExpired,
                        "ledger": maintenance,
                    ]
                    switch ship {
                    case .success(let result): object["ship"] = result.jsonObject(dryRun: dryRun)
                    case .failure(let error): object["ship"] = ["error": "\(error)"]
                    case nil: break
                    }
                    try printJSON(object)
                } else {
                    let verb = dryRun ? "would " : ""
                    if common.verbose || dryRun {
                        for path in summary.filed { print("\(verb)file \(path)") }
                        for path in summary.expired + summary.failedExpired { print("\(verb)delete \(path)") }
                    }
                    print(
                        "\(dryRun ? "dry run: " : "")filed \(summary.filed.count), expired \(summary.expired.count) archived and \(summary.failedExpired.count) failed; \(maintenance)"
                    )
                    if case .success(let result) = ship { print(result.line(dryRun: dryRun)) }
                }
                if case .failure(let error) = ship { throw error }
                return .success
            }
        }
    }
}
