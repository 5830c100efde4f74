import Foundation
import OwnerReportCore

/// Lays a report out the same way on every channel: the status emoji, kind and title; the fields
/// (team, worker, task, progress first); the body; then a line naming the report and its enqueue time.
///
/// Two forms: plain text, which the `file` channel writes and e-mail carries as its text part, and
/// Markdown, which the chat channels and e-mail's HTML part render. In Markdown the title and field
/// values are escaped, so they show exactly as written; the body is the report's own Markdown.
public enum ReportComposer {
    public static func plainText(_ prepared: PreparedReport, timeZone: TimeZone) -> String {
        compose(prepared, timeZone: timeZone, markdown: false, includeTitle: true) + "\n"
    }

    /// - Parameter includeTitle: false where the title is shown apart (an e-mail's heading).
    public static func markdown(_ prepared: PreparedReport, timeZone: TimeZone, includeTitle: Bool = true) -> String {
        compose(prepared, timeZone: timeZone, markdown: true, includeTitle: includeTitle)
    }

    /// A report's block in a catch-up digest: the status emoji, kind and title on one line, its fields
    /// on one line, its body, and its name; no enqueue time (the name carries it). Short, so that a
    /// backlog goes out in few messages, and still every report is told apart.
    public static func compactMarkdown(_ prepared: PreparedReport) -> String {
        let report = prepared.report
        let e = MarkdownInline.escaped
        var lines = ["\(StatusStyle(report.status).emoji) **[\(report.kind.rawValue)] \(e(report.title))**"]
        let fields = report.orderedFields.filter { $0.key != "destination" && $0.key != "status" }
        if !fields.isEmpty {
            lines.append(fields.map { "\(e($0.key)): \(e($0.value.joined))" }.joined(separator: " · "))
        }
        let body = report.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if !body.isEmpty { lines.append(body) }
        lines.append("_— \(e(prepared.id))_")
        return lines.joined(separator: "\n")
    }

    private static func compose(_ prepared: PreparedReport, timeZone: TimeZone, markdown: Bool, includeTitle: Bool)
        -> String
    {
        let report = prepared.report
        func text(_ raw: String) -> String { markdown ? MarkdownInline.escaped(raw) : raw }
        func label(_ key: String) -> String { markdown ? "**\(text(key)):**" : "\(key):" }
        var lines: [String] = []
        if includeTitle {
            let heading = "[\(report.kind.rawValue)] \(text(report.title))"
            lines.append("\(StatusStyle(report.status).emoji) \(markdown ? "**\(heading)**" : heading)")
        }
        for (key, value) in report.orderedFields where key != "destination" {
            switch value {
            case .text(let value):
                lines.append("\(label(key)) \(text(value))")
            case .list(let items):
                lines.append(label(key))
                lines.append(contentsOf: items.map { markdown ? "- \(text($0))" : "  • \($0)" })
            }
        }
        if !report.body.isEmpty {
            lines.append("")
            lines.append(report.body)
        }
        lines.append("")
        let footer = "— \(prepared.id), enqueued \(prepared.enqueuedAt.iso8601(in: timeZone))"
        lines.append(markdown ? "_\(text(footer))_" : footer)
        return lines.joined(separator: "\n")
    }
}
