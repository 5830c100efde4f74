import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

/// `owner-report-archiver`: files, expires, verifies, exports and requeues.
struct Archiver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Invocation.commandName("archiver"),
        abstract:
            "File and expire the archive, verify it against the ledger, export the audit trail, requeue failed reports, ship the ledger to the fleet.",
        discussion: """
            Without a subcommand it makes one bounded pass (run), for a daily timer.

            Examples:
              owner-report-archiver                       # file sent/, expire, checkpoint the ledger
              owner-report-archiver verify                # exit 65 on any mismatch, naming the row or file
              owner-report-archiver export --since 2026-11-01 --until 2026-12-01 --format csv > audit.csv
              owner-report-archiver requeue --all-failed
              owner-report-archiver status --json
              owner-report-archiver ship                  # new ledger rows to the fleet's PostgreSQL ([fleet])
              owner-report-archiver verify --fleet        # every host's chain in the fleet database
            """,
        version: OwnerReportVersion.string,
        subcommands: [Run.self, Verify.self, Export.self, Requeue.self, Status.self, Ship.self],
        defaultSubcommand: Run.self)
}

/// A ledger to read: nil when there is none yet; opened without writing for a dry run.
func readLedger(_ queue: QueueDirectory, dryRun: Bool) throws -> Ledger? {
    if dryRun { return try Ledger.open(queue, .reading) }
    guard FileManager.default.fileExists(atPath: queue.ledgerPath) else { return nil }
    return try Ledger(queue: queue)
}

func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
