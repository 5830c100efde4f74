import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportReports

extension Producer {
    /// `alertmanager`: turns a Prometheus Alertmanager webhook payload into incidents.
    struct Alertmanager: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open and resolve incidents from an Alertmanager webhook payload (version 4).",
            discussion: """
                One incident per alert, by fingerprint (id am-<fingerprint>): a firing alert opens it (once; \
                Alertmanager repeats firing alerts), a resolved one resolves it at its endsAt, with a \
                postmortem when it lasted at least the threshold. The whole payload is checked first: a \
                malformed one is refused with exit 65 and nothing is enqueued.

                Example (from an Alertmanager webhook receiver that saves the body):
                  owner-report-producer alertmanager payload.json
                  curl … | owner-report-producer alertmanager -
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Argument(help: ArgumentHelp("The payload file, or - for standard input.", valueName: "file")) var file: String = "-"

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let bytes = try InputReader.read(file, limit: 16 << 20)
                let payload = try AlertmanagerPayload(json: bytes, origin: file == "-" ? "standard input" : file)
                if payload.alerts.isEmpty {
                    context.explain("\(file): the payload has no alerts: nothing enqueued")
                    return
                }
                let ledger = try context.readableLedger()
                let zone = context.configuration.timeZone
                for alert in payload.alerts {
                    let known = try ledger.flatMap { try IncidentBook(ledger: $0).incident(id: alert.incidentID) }
                    var incident = alert.incident
                    if alert.firing {
                        if let known, known.isOpen {
                            context.explain("\(alert.incidentID) is already open since \(known.openedAt.iso8601(in: zone)): nothing enqueued")
                            continue
                        }
                        try context.announce(incident, opened: true, postmortem: nil)
                    } else if let known, known.isOpen {
                        var resolved = known
                        resolved.resolvedAt = max(incident.resolvedAt ?? .now(), known.openedAt)
                        try context.announce(resolved, opened: false, postmortem: .init())
                    } else if let known, let at = known.resolvedAt, known.openedAt == incident.openedAt {
                        context.explain("\(alert.incidentID) was already resolved at \(at.iso8601(in: zone)): nothing enqueued")
                    } else {
                        // Resolved before its firing was ever seen here: record both ends, announce the resolution.
                        if !context.dryRun {
                            var opened = incident
                            opened.resolvedAt = nil
                            try IncidentBook(ledger: try context.writableLedger()).recordOpened(opened)
                        }
                        incident.resolvedAt = incident.resolvedAt ?? .now()
                        try context.announce(incident, opened: false, postmortem: .init())
                    }
                }
            }
        }
    }
}
