import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

extension Producer {
    /// `incident open|resolve`: the life of an incident, kept in the ledger.
    struct IncidentCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "incident",
            abstract: "Open or resolve an incident; each change is enqueued as a report and kept in the ledger.",
            discussion: """
                The ledger keeps each incident's life (opened, resolved). Resolving computes how long it \
                lasted and, when that is at least [reports] postmortem_min_minutes (10 by default), also \
                enqueues a postmortem.

                Example:
                  owner-report-producer incident open --id INC-7 --title 'API 5xx above 2%' --severity critical --category availability --service api
                  owner-report-producer incident resolve --id INC-7 --root-cause 'bad deploy' --action 'rolled back'
                """,
            subcommands: [Open.self, Resolve.self])

        struct Open: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Open an incident and enqueue its report.")

            @OptionGroup var common: CommonOptions
            @OptionGroup var submit: SubmitOptions
            @Option(help: "A stable id of the incident, e.g. INC-7.") var id: String
            @Option(help: "What is wrong, in a line.") var title: String
            @Option(help: "critical, warning or info (critical reports are sent as critical).") var severity: String
            @Option(help: "A category, counted in the daily report's top categories.") var category: String?
            @Option(help: "The service affected.") var service: String?
            @Option(help: "A longer description.") var summary: String?
            @Option(help: "When it started (default: now), e.g. 2026-11-23T08:00 in the configured time zone.") var at:
                String?

            func validate() throws {
                for (flag, value) in [("--id", id), ("--title", title), ("--severity", severity)]
                where value.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw ValidationError("\(flag) must not be empty")
                }
            }

            func run() throws {
                try reportingErrors(program: "owner-report-producer") {
                    let context = try BuiltReportContext(common, submit)
                    let openedAt = try context.time(at)
                    if let existing = try context.readableLedger().flatMap({
                        try IncidentBook(ledger: $0).incident(id: id)
                    }), existing.isOpen {
                        context.explain(
                            "\(id) is already open since \(existing.openedAt.iso8601(in: context.configuration.timeZone)): nothing enqueued"
                        )
                        return
                    }
                    let incident = Incident(
                        id: id, title: title, severity: severity, category: category, service: service,
                        summary: summary,
                        openedAt: openedAt)
                    try context.announce(incident, opened: true, postmortem: nil)
                }
            }
        }

        struct Resolve: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Resolve an open incident; enqueue its report, and a postmortem when it lasted long enough.")

            @OptionGroup var common: CommonOptions
            @OptionGroup var submit: SubmitOptions
            @Option(help: "The id the incident was opened with.") var id: String
            @Option(help: "When it ended (default: now).") var at: String?
            @Option(help: "What the resolution report should say.") var summary: String?
            @OptionGroup(title: "Postmortem (used when the incident lasted at least the threshold)") var postmortem:
                PostmortemOptions

            func run() throws {
                try reportingErrors(program: "owner-report-producer") {
                    let context = try BuiltReportContext(common, submit)
                    let resolvedAt = try context.time(at)
                    guard
                        var incident = try context.readableLedger().flatMap({
                            try IncidentBook(ledger: $0).incident(id: id)
                        })
                    else {
                        throw InputError(
                            path: context.queue.ledgerPath, message: "no incident \(id) in the ledger (open it first)")
                    }
                    let zone = context.configuration.timeZone
                    if let resolved = incident.resolvedAt {
                        context.explain("\(id) was already resolved at \(resolved.iso8601(in: zone)): nothing enqueued")
                        return
                    }
                    guard resolvedAt >= incident.openedAt else {
                        throw UsageError(
                            "--at \(resolvedAt.iso8601(in: zone)) is before \(id) was opened (\(incident.openedAt.iso8601(in: zone)))"
                        )
                    }
                    incident.resolvedAt = resolvedAt
                    if let summary { incident.summary = summary }
                    try context.announce(incident, opened: false, postmortem: postmortem.details)
                }
            }
        }
    }
}
