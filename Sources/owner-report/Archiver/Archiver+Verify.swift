import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportFleet
import OwnerReportLedger

extension Archiver {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the ledger's hash chain and check the archive against it; exit 65 on any mismatch.",
            discussion: """
                Checks every ledger row's hash and link, that every file in sent/ and failed/ has ledger \
                history and the SHA-256 recorded when it was enqueued, that every report the ledger \
                says was archived or failed is there, and that every report with an enqueued row is \
                somewhere: pending/, sent/, failed/, or tmp/ where a writer killed after its commit left it \
                for the next driver, watchdog or intake to publish. For each file destination that writes \
                one file a report, every report the ledger says it delivered must be in its directory. \
                Prints a table, then each finding naming the ledger row or the file. It only reads \
                (--dry-run is accepted and changes nothing either).

                --witness SEQ:HASH (the last line of every daily report) checks that the ledger still \
                holds that row with that hash. The chain check finds an edited row; a witness also finds \
                a ledger rewritten from the start with every hash recomputed, or cut short.

                --fleet checks the fleet database instead ([fleet] database_env or database_file): \
                every host's rows there, from its row 1, by the same rules. A row edited or deleted in \
                the database is named with its host. This host's rows there ([fleet] host) are also \
                compared with this queue's ledger, hash by hash, which finds a chain rewritten in the \
                database with every hash recomputed.

                Examples:
                  owner-report-archiver verify --witness 1842:9f2c…(64 hex digits)
                  owner-report-archiver verify --fleet
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Accepted for symmetry: verify never writes.") var dryRun = false
        @Option(
            name: .customLong("witness"),
            help: ArgumentHelp(
                "A row seen outside the ledger, as the daily report prints it; repeatable.", valueName: "SEQ:HASH"))
        var witnessTexts: [String] = []
        @Flag(help: "Check every host's chain in the fleet's PostgreSQL table instead of this queue.") var fleet = false

        func validate() throws {
            for text in witnessTexts where LedgerWitness(text) == nil {
                throw ValidationError(
                    "--witness '\(text.prefix(80))' is not SEQ:HASH (a row number, a colon, 64 hex digits)")
            }
            if fleet, !witnessTexts.isEmpty {
                throw ValidationError("--witness checks this queue's ledger; give it without --fleet")
            }
        }

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                if fleet { return try verifyFleet(context) }
                let outboxes = context.configuration.destinations.values.filter { $0.channel == .file }.map {
                    ($0.name, FileOutbox($0, queue: context.queue))
                }
                let checks = try ArchiveVerifier(
                    queue: context.queue, ledger: try Ledger.open(context.queue, .reading),
                    witnesses: witnessTexts.compactMap(LedgerWitness.init),
                    outboxes: Dictionary(outboxes, uniquingKeysWith: { first, _ in first })
                ).run()
                let problems = checks.flatMap(\.findings)
                if common.json {
                    try printJSON([
                        "ok": problems.isEmpty,
                        "checks": checks.map {
                            ["name": $0.name, "examined": $0.examined, "findings": $0.findings.map(\.description)]
                        },
                    ])
                } else {
                    let width = checks.map(\.name.count).max() ?? 10
                    for check in checks {
                        let padded = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        print(
                            "\(padded)  \(String(check.examined).leftPadded(6))  \(check.findings.isEmpty ? "ok" : "FAILED (\(check.findings.count))")"
                        )
                    }
                    for finding in problems { print("  \(finding)") }
                }
                return conclude(problems.map(\.description), "verify")
            }
        }

        /// Exit 65 with one line naming the first problem; success when there is none.
        private func conclude(_ problems: [String], _ command: String) -> ExitStatus {
            guard let first = problems.first else { return .success }
            printError("owner-report-archiver: \(command) found \(problems.count) problem(s); the first: \(first)")
            return .dataError
        }

        private func verifyFleet(_ context: CommandContext) throws -> ExitStatus {
            let own = try Ledger.open(context.queue, .reading).map {
                (host: context.configuration.fleet.host, ledger: $0)
            }
            let checks = try FleetVerifier(
                connection: try FleetDatabase.connect(context.configuration, secrets: context.secrets), own: own
            ).run()
            let problems = checks.flatMap { check in check.findings.map { "host \(check.host): \($0)" } }
            if common.json {
                try printJSON([
                    "ok": problems.isEmpty,
                    "hosts": checks.map {
                        [
                            "host": $0.host, "rows": $0.rows, "last": $0.last,
                            "compared_with_ledger": $0.comparedWithLedger,
                            "findings": $0.findings.map(\.description),
                        ] as [String: Any]
                    },
                ])
            } else {
                let width = max(4, checks.map(\.host.count).max() ?? 4)
                print("\("host".padding(toLength: width, withPad: " ", startingAt: 0))    rows    last  chain")
                for check in checks {
                    let verdict =
                        check.findings.isEmpty
                        ? "ok"
                        : "FAILED (\(check.findings.count)\(check.findings.count == FleetVerifier.findingsPerHost ? "+" : ""))"
                    let compared = check.comparedWithLedger ? ", and against this host's ledger" : ""
                    print(
                        "\(check.host.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(check.rows).leftPadded(6))  \(String(check.last).leftPadded(6))  \(verdict)\(compared)"
                    )
                }
                if checks.isEmpty {
                    print("the fleet database holds no rows yet (owner-report-archiver ship copies them)")
                }
                for problem in problems { print("  \(problem)") }
            }
            return conclude(problems, "verify --fleet")
        }
    }
}
