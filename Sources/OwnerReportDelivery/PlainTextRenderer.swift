import Foundation
import OwnerReportCore

/// Renders a report as plain text: a status-marked title line, the fields, then the body.
///
/// The `file` channel writes exactly this; `ReportComposer` lays out the same parts in Markdown for the
/// chat channels and e-mail.
public enum PlainTextRenderer {
    public static func render(_ prepared: PreparedReport, timeZone: TimeZone) -> String {
        let report = prepared.report
        var lines = ["\(StatusStyle(report.status).emoji) [\(report.kind.rawValue)] \(report.title)"]
        for (key, value) in report.orderedFields where key != "destination" {
            switch value {
            case .text(let text):
                lines.append("\(key): \(text)")
            case .list(let items):
                lines.append("\(key):")
                lines.append(contentsOf: items.map { "  • \($0)" })
            }
        }
        if !report.body.isEmpty {
            lines.append("")
            lines.append(report.body)
        }
        lines.append("")
        lines.append("— \(prepared.id), enqueued \(prepared.enqueuedAt.iso8601(in: timeZone))")
        return lines.joined(separator: "\n") + "\n"
    }
}
