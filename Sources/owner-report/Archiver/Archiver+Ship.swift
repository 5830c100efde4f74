import ArgumentParser
import Foundation
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportFleet

extension Archiver {
    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the ledger's new rows to the fleet's PostgreSQL table, keyed by (host, seq).",
            discussion: """
                Needs [fleet] database_env or database_file: a libpq connection string (key=value or \
                postgresql://), read as a secret and never printed. The table owner_report_events is \
                created on first use. Each batch of [fleet] ship_batch rows (default 500) is one INSERT \
                … ON CONFLICT (host, seq) DO NOTHING, and a ship resumes after the last row the \
                database holds for [fleet] host (default: this machine's host name), so a ship cut \
                short ships nothing twice. Each row carries its hash: verify --fleet checks every \
                host's chain there. Exit 65 when the database's rows for this host are not this \
                ledger's (another host ships under this name); 69 when the database cannot be reached.

                The archiver's pass ships too when [fleet] names a database; the owner-report-ship \
                timer runs it every 5 minutes.

                Examples:
                  owner-report-archiver ship
                  owner-report-archiver ship --dry-run      # how many rows would go
                """)

        @OptionGroup var common: CommonOptions
        @Flag(name: .customLong("dry-run"), help: "Connect and say how many rows would be shipped; insert nothing.")
        var dryRun = false

        func run() throws {
            try common.run(program: "owner-report-archiver") { context in
                let result = try shipLedger(context, dryRun: dryRun, verbose: common.verbose)
                if common.json {
                    try printJSON(result.jsonObject(dryRun: dryRun))
                } else {
                    print(result.line(dryRun: dryRun))
                }
                return .success
            }
        }
    }
}

/// One ship, with a progress line on standard error every 50,000 rows (or every batch with --verbose).
func shipLedger(_ context: CommandContext, dryRun: Bool, verbose: Bool) throws -> FleetShipper.PassResult {
    var lastShown: Int64 = 0
    return try FleetShipper.pass(
        queue: context.queue, configuration: context.configuration, secrets: context.secrets, dryRun: dryRun
    ) { row in
        if verbose || row - lastShown >= 50_000 {
            printError("owner-report-archiver: ship: up to row \(row)")
            lastShown = row
        }
    }
}

extension FleetShipper.PassResult {
    /// One line for a person (`ship`, and the archiver pass's step).
    func line(dryRun: Bool) -> String {
        switch self {
        case .noLedger: return "ship: no ledger yet, nothing to ship"
        case .busy: return "ship: another ship is running (state/ship.lock); this one did nothing"
        case .shipped(let outcome, let host, let seconds):
            if dryRun {
                return outcome.shipped == 0
                    ? "dry run: host \(host) is shipped up to row \(outcome.from); nothing to ship"
                    : "dry run: would ship \(outcome.shipped) row(s) of host \(host) (rows \(outcome.from + 1)–\(outcome.to))"
            }
            guard outcome.to > outcome.from else {
                return "ship: host \(host) is shipped up to row \(outcome.from); nothing new"
            }
            let rate = seconds > 0 ? Int(Double(outcome.shipped) / seconds) : outcome.shipped
            var line =
                "ship: \(outcome.shipped) row(s) of host \(host) (rows \(outcome.from + 1)–\(outcome.to)) in \(String(format: "%.2f", seconds)) s, \(rate) rows/s"
            if outcome.alreadyThere > 0 { line += "; \(outcome.alreadyThere) were there already (the same rows)" }
            return line
        }
    }

    func jsonObject(dryRun: Bool) -> [String: Any] {
        switch self {
        case .noLedger: return ["dry_run": dryRun, "shipped": 0, "reason": "no ledger"]
        case .busy: return ["dry_run": dryRun, "shipped": 0, "reason": "another ship is running"]
        case .shipped(let outcome, let host, let seconds):
            return [
                "dry_run": dryRun, "host": host, "shipped": outcome.shipped, "already_there": outcome.alreadyThere,
                "from": outcome.from,
                "to": outcome.to, "seconds": seconds,
            ]
        }
    }
}
