import Foundation
import OwnerReportCore

/// Lays a report out as Markdown the same way for every chat channel and e-mail: the status emoji
/// and title, the fields (team, worker, task, progress first), the body, then a line naming the report.
///
/// The title and field values are escaped, so they show exactly as written; the body is the
/// report's own Markdown.
public enum ReportComposer {
    public static func markdown(_ prepared: PreparedReport, timeZone: TimeZone, includeTitle: Bool = true) -> String {
        let report = prepared.report
        var lines: [String] = []
        if includeTitle {
            lines.append("\(StatusStyle(report.status).emoji) **[\(report.kind.rawValue)] \(MarkdownInline.escaped(report.title))**")
        }
        for (key, value) in report.orderedFields where key != "destination" {
            switch value {
            case .text(let text):
                lines.append("**\(MarkdownInline.escaped(key)):** \(MarkdownInline.escaped(text))")
            case .list(let items):
                lines.append("**\(MarkdownInline.escaped(key)):**")
                lines.append(contentsOf: items.map { "- \(MarkdownInline.escaped($0))" })
            }
        }
        if !report.body.isEmpty {
            lines.append("")
            lines.append(report.body)
        }
        lines.append("")
        lines.append("_— \(MarkdownInline.escaped(prepared.id)) · \(prepared.enqueuedAt.iso8601(in: timeZone))_")
        return lines.joined(separator: "\n")
    }
}
