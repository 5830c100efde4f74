import ArgumentParser
import Foundation
import OwnerReportAcknowledging
import OwnerReportCommandLine
import OwnerReportReports
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportWatching

/// `owner-report-watchdog`: the every-minute supervisor of the chain.
struct WatchdogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Invocation.commandName("watchdog"),
        abstract: "Check the chain's health, drain a few reports when no daemon runs, alert when it is broken.",
        discussion: """
            One bounded pass, made to run every minute. It reads the backlog, the oldest pending \
            report's age, failed/, the --follow daemon's heartbeat, the ledger and the last delivery. \
            When no live daemon holds the queue it delivers up to --max-count reports oldest-first, \
            with the driver's own code. When the chain is broken (a report pending longer than \
            watchdog.max_pending_age, new reports in failed/, a dead daemon, a configuration error, \
            an unwritable ledger) it alerts on fallback_destination: once per condition, again after \
            watchdog.reminder_interval, and once more when it clears. Every alert is in the ledger. \
            It writes state/metrics.prom for node_exporter's textfile collector. Quiet when all is \
            well, so cron mails nothing.

            Each [expect.NAME] is looked at first: when no matching report, ping or firing alert has \
            come by its every (or its cron schedule's next time) plus grace, or a job that pinged \
            start has not finished within max_runtime, the silence opens the incident expect-NAME, \
            which goes like any incident (acknowledgement, escalation, quiet hours) and resolves \
            itself when the awaited report comes. --dry-run says what it would open or resolve.

            Examples:
              * * * * * owner-report-watchdog               # crontab -e
              owner-report-watchdog --dry-run --verbose      # the health table and what it would do
              OWNER_REPORT_MAX_COUNT=20 owner-report-watchdog
            """,
        version: OwnerReportVersion.string)

    @OptionGroup var common: CommonOptions

    @Option(
        name: .customLong("max-count"),
        help: "Deliver at most this many reports (default: $OWNER_REPORT_MAX_COUNT, else 5).")
    var maxCount: Int?

    @Flag(
        name: .customLong("dry-run"), help: "Print the health and what would be delivered or alerted; change nothing.")
    var dryRun = false

    func validate() throws {
        if let maxCount, maxCount < 1 { throw ValidationError("--max-count must be at least 1") }
    }

    func run() throws {
        try common.run(program: "owner-report-watchdog") { context in
            if !dryRun { common.warnIfOnNetworkFileSystem(program: "owner-report-watchdog") }
            let options = Watchdog.Options(dryRun: dryRun, maxCount: maxCount ?? context.configuration.maxCount)
            let watchdog = Watchdog(
                queue: context.queue, configuration: context.configuration, secrets: context.secrets, options: options,
                logger: context.logger)
            // First, so that this pass's escalation and drain already see a new incident.
            let expectations = try ExpectationWatch.pass(
                queue: context.queue, configuration: context.configuration, dryRun: dryRun)
            let escalation = try escalate(context)  // before the drain, which then delivers a new step
            let outcome = try watchdog.run()
            // With no daemon, the every-minute pass reads acknowledgements itself (without waiting).
            if !dryRun, !outcome.health.daemonAlive(context.configuration.watchdog) {
                for reader in try AcknowledgementReaders.makeAll(
                    for: context.configuration, queue: context.queue, secrets: context.secrets, logger: context.logger)
                {
                    do {
                        try reader.pollOnce()
                    } catch {
                        printError(
                            "owner-report-watchdog: reading acknowledgements from '\(reader.destination.name)' failed: \(error)"
                        )
                    }
                }
            }
            try show(
                outcome, expectations: expectations, escalation: escalation, policy: context.configuration.watchdog)
            return dryRun ? .success : outcome.exitStatus
        }
    }

    /// The due steps of `[escalation]` (docs/design.md §15), one pass at a time under state/escalation.lock.
    /// Returns one line per step taken (or, on a dry run, that would be) and per report published again.
    private func escalate(_ context: CommandContext) throws -> [String] {
        let (taken, repaired) = try Escalator.pass(
            queue: context.queue, configuration: context.configuration, dryRun: dryRun)
        return taken.map { step in
            "\(dryRun ? "would escalate" : "escalated") \(step.incident): step \(step.number) of \(context.configuration.escalation.steps) → \(step.destination)"
        } + repaired.map { "escalation report \($0) published again (a pass stopped before it appeared)" }
    }

    private func show(_ outcome: Watchdog.Outcome, expectations: [String], escalation: [String], policy: WatchdogPolicy)
        throws
    {
        if common.json {
            let object: [String: Any] = [
                "dry_run": dryRun,
                "health": Dictionary(
                    uniqueKeysWithValues: outcome.health.rows(policy).map {
                        ($0.0.replacingOccurrences(of: " ", with: "_"), $0.1)
                    }),
                "drain": outcome.drain?.jsonObject ?? ["skipped": outcome.drainSkipped ?? ""],
                "alerts": outcome.alerts.map {
                    [
                        "condition": $0.message.condition, "kind": $0.message.kind.rawValue,
                        "detail": $0.message.detail,
                        "destination": $0.destination, "delivered": $0.delivered, "error": $0.error as Any,
                    ]
                },
                "escalation": escalation,
                "expectations": expectations,
            ]
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for line in expectations + escalation { print(line) }
        if let line = outcome.recovered.summary { printError("owner-report-watchdog: \(line)") }
        if dryRun || common.verbose {
            for (name, value) in outcome.health.rows(policy) {
                print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value)")
            }
        }
        if let drain = outcome.drain {
            if dryRun {
                print("would deliver \(drain.previews.count) message(s):")
                for preview in drain.previews { print("  \(preview.split(separator: "\n").first ?? "")") }
            } else if !drain.isEmpty {
                print("drain: \(drain.line)")
            }
            for item in drain.quarantined {
                printError("owner-report-watchdog: \(item.id): moved to failed/: \(item.reason)")
            }
            if let error = drain.configurationError { printError("owner-report-watchdog: \(error)") }
        } else if dryRun || common.verbose {
            print("no drain: \(outcome.drainSkipped ?? "-")")
        }
        for alert in outcome.alerts {
            let line =
                "alert \(alert.message.condition) \(alert.message.kind.rawValue) → \(alert.destination): \(alert.message.detail)"
            if dryRun {
                print("would send \(line)")
            } else if alert.delivered {
                printError("owner-report-watchdog: \(line)")
            } else {
                printError("owner-report-watchdog: could not send \(line): \(alert.error ?? "")")
            }
        }
    }
}
