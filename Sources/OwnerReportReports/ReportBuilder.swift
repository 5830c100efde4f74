import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Builds the reports of incidents, postmortems and the daily KPIs: fields for every channel to show,
/// and a body laid out by the kind's template.
public struct ReportBuilder {
    public let templates: ReportTemplates
    public let timeZone: TimeZone
    public let postmortemMinimum: Duration

    public init(templates: ReportTemplates, timeZone: TimeZone, postmortemMinimum: Duration) {
        self.templates = templates
        self.timeZone = timeZone
        self.postmortemMinimum = postmortemMinimum
    }

    /// The builder a configuration asks for: its `[reports]` layouts and threshold, in its time zone.
    public init(configuration: Configuration) throws {
        self.init(
            templates: try ReportTemplates(directory: configuration.reports.templatesDirectory),
            timeZone: configuration.timeZone,
            postmortemMinimum: configuration.reports.postmortemMinimum)
    }

    /// The zone as reports name it: `Asia/Taipei`.
    var zoneName: String { timeZone.identifier }

    func local(_ time: Timestamp) -> String { time.shortLocal(in: timeZone) }

    /// Whether an incident lasted long enough for a postmortem (at least the threshold).
    public func needsPostmortem(_ incident: Incident) -> Bool {
        guard let duration = incident.duration else { return false }
        return duration >= postmortemMinimum
    }

    /// A step of an unacknowledged incident's escalation, to one destination. Its content depends on
    /// the incident and the step only, so publishing it again after a crash gives the same bytes.
    public func escalationReport(_ incident: Incident, step: Int, of steps: Int, destination: String) -> Report {
        var fields: [String: FieldValue] = [
            "incident": .text(incident.id), "severity": .text(incident.severity), "source": .text("escalation"),
            "status": .text(ReportStatus.critical.rawValue), "escalation": .text("\(step) of \(steps)"),
            "destination": .text(destination), "created": .text(incident.openedAt.iso8601(in: timeZone)),
        ]
        if let service = incident.service { fields["service"] = .text(service) }
        var lines = [
            "**Not acknowledged.** \(incident.id) opened \(local(incident.openedAt)) (\(zoneName)) and nobody has said they saw it.",
            "",
            "Escalation step \(step) of \(steps)\(step == 1 ? ": sent again where it went first." : ", to \(destination).")",
            "",
            "Acknowledge: the button under this message, a reply `ack`, or `owner-report-producer ack \(incident.id)`.",
        ]
        if let summary = incident.summary { lines += ["", summary] }
        return Report(
            kind: .incident, title: "\(incident.id) not acknowledged: \(incident.title)", fields: fields,
            body: lines.joined(separator: "\n"))
    }

    /// The report announcing an incident's opening or its resolution.
    public func incidentReport(_ incident: Incident) -> Report {
        var fields: [String: FieldValue] = [
            "incident": .text(incident.id), "severity": .text(incident.severity), "source": .text(incident.source),
            "status": .text(incident.isOpen ? incident.openStatus.rawValue : ReportStatus.done.rawValue),
            "created": .text(Timestamp.now().iso8601(in: timeZone)),
        ]
        if let category = incident.category { fields["category"] = .text(category) }
        if let service = incident.service { fields["service"] = .text(service) }
        if let destination = incident.destination { fields["destination"] = .text(destination) }
        var context: [String: Any] = [
            "id": incident.id, "title": incident.title, "severity": incident.severity,
            "opened": local(incident.openedAt),
            "zone": zoneName, "resolved": !incident.isOpen,
            "postmortem_due": needsPostmortem(incident), "threshold": DurationText.describe(postmortemMinimum),
        ]
        // Mustache takes an empty string as true: leave absent what there is not.
        if let summary = incident.summary, !summary.isEmpty { context["summary"] = summary }
        if let resolvedAt = incident.resolvedAt, let duration = incident.duration {
            context["resolved_at"] = local(resolvedAt)
            context["duration"] = DurationText.describe(duration)
            fields["duration"] = .text(DurationText.describe(duration))
        }
        let verb = incident.isOpen ? "opened" : "resolved"
        return Report(
            kind: .incident, title: "\(incident.id) \(verb): \(incident.title)", fields: fields,
            body: templates.render("incident", context))
    }

    /// What a postmortem says beyond the incident itself.
    public struct PostmortemDetails: Sendable {
        public var rootCause: String?
        public var action: String?
        public var autoRepaired: Bool
        public var retries: Int

        public init(rootCause: String? = nil, action: String? = nil, autoRepaired: Bool = false, retries: Int = 0) {
            self.rootCause = rootCause
            self.action = action
            self.autoRepaired = autoRepaired
            self.retries = retries
        }
    }

    /// The postmortem of a resolved incident.
    public func postmortemReport(_ incident: Incident, _ details: PostmortemDetails) -> Report {
        let duration = incident.duration.map(DurationText.describe) ?? "?"
        var handling = details.autoRepaired ? "✅ repaired automatically" : "👤 handled by people"
        if details.retries > 0 { handling += " (after \(details.retries) retr\(details.retries == 1 ? "y" : "ies"))" }
        let context: [String: Any] = [
            "id": incident.id, "title": incident.title, "duration": duration, "opened": local(incident.openedAt),
            "resolved_at": incident.resolvedAt.map(local) ?? "?", "zone": zoneName, "handling": handling,
            "root_cause": details.rootCause ?? "Not recorded.", "action": details.action ?? "Not recorded.",
            "auto_repaired": details.autoRepaired, "retries": details.retries,
        ]
        var fields: [String: FieldValue] = [
            "incident": .text(incident.id), "severity": .text(incident.severity), "duration": .text(duration),
            "status": .text(ReportStatus.done.rawValue), "created": .text(Timestamp.now().iso8601(in: timeZone)),
        ]
        if let category = incident.category { fields["category"] = .text(category) }
        if let service = incident.service { fields["service"] = .text(service) }
        return Report(
            kind: .postmortem, title: "\(incident.id): \(incident.title)", fields: fields,
            body: templates.render("postmortem", context))
    }

    /// The daily inspection report of `kpis`.
    ///
    /// `head` is the ledger's last row when the report is made: printed as its last line, it puts a
    /// witness of the chain in the owner's own chat history (`owner-report-archiver verify --witness`).
    public func dailyReport(_ kpis: DailyKPIs, ledgerPath: String, head: LedgerWitness? = nil) -> Report {
        let verdict = HealthVerdict(kpis)
        func seconds(_ value: Double?) -> String {
            value.map { DurationText.describe(.milliseconds(Int64($0 * 1000))) } ?? "n/a"
        }
        let context: [String: Any] = [
            "start": local(kpis.start), "end": local(kpis.end), "zone": zoneName, "verdict": verdict.label,
            "reasons": verdict.reasons, "enqueued": kpis.enqueued,
            "by_kind": kpis.enqueuedByKind.sorted { $0.key < $1.key }.map { ["kind": $0.key, "count": $0.value] },
            "delivered": kpis.delivered, "failed": kpis.failed, "deferred": kpis.deferred,
            "success_rate": kpis.successRate.map(HealthVerdict.percent) ?? "n/a (nothing finished)",
            "median": seconds(kpis.medianLatency), "p95": seconds(kpis.p95Latency),
            "incidents_opened": kpis.incidentsOpened.count, "incidents_resolved": kpis.incidentsResolved.count,
            "incidents_open": kpis.incidentsOpenAtEnd.count, "postmortems": kpis.postmortems,
            "acknowledged": kpis.acknowledgements.count, "median_ack": seconds(kpis.medianTimeToAcknowledge),
            "escalations": kpis.escalations,
            "has_categories": !kpis.topCategories.isEmpty,
            "categories": kpis.topCategories.map { ["name": $0.category, "count": $0.count] as [String: Any] },
            "has_open": !kpis.incidentsOpenAtEnd.isEmpty,
            "open_list": kpis.incidentsOpenAtEnd.map {
                ["id": $0.id, "severity": $0.severity, "title": $0.title, "opened": local($0.openedAt)]
            },
            "rules": HealthVerdict.rules, "ledger": ledgerPath,
            "has_expectations": kpis.expectationsConfigured > 0 || !kpis.expectationsMissed.isEmpty,
            "expectations_configured": kpis.expectationsConfigured, "expectations_met": kpis.expectationsMet.count,
            "met_names": kpis.expectationsMet, "expectations_missed": kpis.expectationsMissed.count,
            "missed_list": kpis.expectationsMissed.map {
                ["id": $0.id, "title": $0.title, "opened": local($0.openedAt)]
            },
            "has_hosts": !kpis.hosts.isEmpty,
            "hosts": kpis.hosts.map {
                [
                    "host": $0.host, "enqueued": $0.enqueued, "delivered": $0.delivered, "failed": $0.failed,
                    "deferred": $0.deferred,
                    "incidents_open": $0.incidentsOpen,
                ] as [String: Any]
            },
            "has_head": head != nil, "head_sequence": head.map { String($0.sequence) } ?? "",
            "witness": head?.description ?? "",
        ]
        let day = kpis.end.adding(nanoseconds: -1).wallClock(in: timeZone)
        var fields: [String: FieldValue] = [
            "status": .text(verdict.status.rawValue), "source": .text("owner-report-producer daily"),
            "period": .text("\(kpis.start.iso8601(in: timeZone)) / \(kpis.end.iso8601(in: timeZone))"),
            "created": .text(Timestamp.now().iso8601(in: timeZone)),
        ]
        if let head { fields["witness"] = .text(head.description) }
        if !kpis.hosts.isEmpty { fields["hosts"] = .list(kpis.hosts.map(\.host)) }
        return Report(
            kind: .daily,
            title: String(format: "%04d-%02d-%02d inspection: %@", day.year, day.month, day.day, verdict.label),
            fields: fields, body: templates.render("daily", context))
    }
}
