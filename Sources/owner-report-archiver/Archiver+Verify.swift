import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

extension Archiver {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the ledger's hash chain and check the archive against it; exit 65 on any mismatch.",
            discussion: """
                Checks every ledger row's hash and link, that every file in sent/ and failed/ has ledger \
                history and the SHA-256 recorded when it was enqueued, and that every report the ledger \
                says was archived or failed is there. Prints a table, then each finding naming the ledger \
                row or the file. It only reads (--dry-run is accepted and changes nothing either).

                --witness SEQ:HASH (the last line of every daily report) checks that the ledger still \
                holds that row with that hash. The chain check finds an edited row; a witness also finds \
                a ledger rewritten from the start with every hash recomputed, or cut short.

                Example:
                  owner-report-archiver verify --witness 1842:9f2c…(64 hex digits)
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Accepted for symmetry: verify never writes.") var dryRun = false
        @Option(name: .customLong("witness"), help: ArgumentHelp("A row seen outside the ledger, as the daily report prints it; repeatable.", valueName: "SEQ:HASH"))
        var witnessTexts: [String] = []

        func validate() throws {
            for text in witnessTexts where LedgerWitness(text) == nil {
                throw ValidationError("--witness '\(text.prefix(80))' is not SEQ:HASH (a row number, a colon, 64 hex digits)")
            }
        }

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                let checks = try ArchiveVerifier(
                    queue: context.queue, ledger: try Ledger(readingAt: context.queue.ledgerPath), witnesses: witnessTexts.compactMap(LedgerWitness.init)
                ).run()
                let problems = checks.flatMap(\.findings)
                if common.json {
                    try printJSON([
                        "ok": problems.isEmpty,
                        "checks": checks.map { ["name": $0.name, "examined": $0.examined, "findings": $0.findings.map(\.description)] },
                    ])
                } else {
                    let width = checks.map(\.name.count).max() ?? 10
                    for check in checks {
                        let padded = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        print("\(padded)  \(String(check.examined).leftPadded(6))  \(check.findings.isEmpty ? "ok" : "FAILED (\(check.findings.count))")")
                    }
                    for finding in problems { print("  \(finding)") }
                }
                if !problems.isEmpty {
                    printError("owner-report-archiver: verify found \(problems.count) problem(s); the first: \(problems[0])")
                    return .dataError
                }
                return .success
            }
        }
    }
}
