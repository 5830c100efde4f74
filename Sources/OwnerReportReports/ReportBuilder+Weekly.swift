import Foundation
import OwnerReportCore

/// `1 commit`, `2 commits`.
func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

extension ReportBuilder {
    /// What came of the optional summarizer: its text, or why there is none.
    public enum SummaryOutcome: Sendable {
        case none
        case text(String, command: String)
        case failed(String, command: String)
    }

    /// The weekly report of `data`.
    public func weeklyReport(_ data: WeeklyData, summary: SummaryOutcome = .none) -> Report {
        var context: [String: Any] = [
            "week": data.week.description, "start": local(data.week.start), "end": local(data.week.end),
            "zone": zoneName,
            "commits": data.commits.count,
            "repositories": data.repositories.isEmpty
                ? "no repository given" : data.repositories.map(GitLog.displayName).joined(separator: ", "),
            "checkpoints": data.checkpoints, "incidents_opened": data.incidentsOpened,
            "incidents_resolved": data.incidentsResolved, "incidents_open": data.openIncidents.count,
            "postmortems": data.postmortems, "delivered": data.delivered, "failed": data.failed.count,
            "teams": data.teams.map { team in
                [
                    "id": team.id, "name": team.name, "done": team.done,
                    "commits": team.commits.map {
                        ["subject": $0.subject, "author": $0.authorName, "hash": $0.shortHash]
                    },
                ] as [String: Any]
            },
            "risks": data.risks(timeZone: timeZone),
            "next": data.plans.map { ["team": $0.team, "task": $0.task, "item": $0.item] },
        ]
        switch summary {
        case .none: break
        case .text(let text, let command):
            context["summary_text"] = text
            context["summarizer"] = command
        case .failed(let reason, let command):
            context["summarizer_failed"] = reason
            context["summarizer"] = command
        }
        let status: ReportStatus =
            data.openIncidents.contains { $0.openStatus == .critical }
            ? .critical
            : (data.risks(timeZone: timeZone).isEmpty ? .normal : .warning)
        let fields: [String: FieldValue] = [
            "status": .text(status.rawValue), "source": .text("owner-report-producer weekly"),
            "week": .text(data.week.description), "created": .text(Timestamp.now().iso8601(in: timeZone)),
        ]
        return Report(
            kind: .weekly,
            title:
                "\(data.week): \(count(data.commits.count, "commit")), \(count(data.checkpoints, "checkpoint")), \(count(data.incidentsOpened, "incident"))",
            fields: fields, body: templates.render("weekly", context))
    }
}
