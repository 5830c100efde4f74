import Foundation
import OwnerReportCore

/// Renders a report as plain text: a status-marked title line, the fields, then the body.
///
/// The `file` channel writes exactly this; chat channels (a later step) style the same parts.
public enum PlainTextRenderer {
    /// The emoji a status is shown with, the same on every channel.
    public static func marker(for status: ReportStatus?) -> String {
        switch status {
        case .normal: "🟢"
        case .warning: "🟡"
        case .critical: "🔴"
        case .blocked: "⛔"
        case .done: "✅"
        case nil: "📝"
        }
    }

    public static func render(_ prepared: PreparedReport, timeZone: TimeZone) -> String {
        let report = prepared.report
        var lines = ["\(marker(for: report.status)) [\(report.kind.rawValue)] \(report.title)"]
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
