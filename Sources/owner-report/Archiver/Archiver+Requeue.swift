import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

extension Archiver {
    struct Requeue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move failed reports back to pending/ with a new attempt budget.",
            discussion: """
                The ledger records `requeued` (with the file's SHA-256, in case you mended it) before the \
                move; the report keeps its place in line by its original enqueue time, its attempts and \
                max_age start over, and destinations that already accepted it are not sent it again.
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: ArgumentHelp("Report names in failed/ (the file names).", valueName: "id")) var ids: [String] =
            []
        @Flag(name: .customLong("all-failed"), help: "Every report in failed/.") var allFailed = false
        @Flag(name: .customLong("dry-run"), help: "Say what would be requeued; move nothing.") var dryRun = false

        func validate() throws {
            if ids.isEmpty == !allFailed { throw ValidationError("give report ids or --all-failed (not both)") }
        }

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                if !dryRun { try context.queue.prepare() }
                let ledger = try Ledger.open(context.queue, dryRun ? .reading : .writing)
                let requeuer = Requeuer(queue: context.queue, ledger: ledger, dryRun: dryRun)
                let names = allFailed ? requeuer.allFailed() : ids.map { DurableFile.fileName(of: $0) }
                for name in names {
                    let path = try requeuer.requeue(name)
                    print(dryRun ? "would requeue \(name) as \(path)" : path)
                }
                if names.isEmpty { print("failed/ is empty: nothing to requeue") }
                return .success
            }
        }
    }
}
