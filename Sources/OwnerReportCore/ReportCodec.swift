import Foundation

/// Reads and writes reports in both file forms.
public enum ReportCodec {
    /// Decodes a report from raw file bytes; `path` names the file in errors.
    public static func decode(
        _ bytes: some Collection<UInt8>, format: ReportFormat?, path: String
    ) throws(ReportFormatError) -> Report {
        let text = try TextValidation.text(from: bytes, path: path)
        switch format ?? ReportFormat(sniffing: text) {
        case .markdown: return try MarkdownReportReader(text: text, path: path).read()
        case .json: return try JSONReportReader.read(text, path: path)
        }
    }

    /// Encodes a report as the text of a file of the given form.
    public static func encode(_ report: Report, as format: ReportFormat) -> String {
        switch format {
        case .markdown: MarkdownReportWriter.write(report)
        case .json: JSONReportWriter.write(report)
        }
    }

    /// The title a report without one gets: its task and progress, else its first body line, else its kind.
    static func derivedTitle(kind: ReportKind, fields: [String: FieldValue], body: String) -> String {
        let task = [fields["task"]?.joined, fields["progress"]?.joined].compactMap { $0 }.filter { !$0.isEmpty }
        if !task.isEmpty { return task.joined(separator: " ") }
        if let line = body.split(whereSeparator: \.isNewline).first(where: { !$0.isBlank }) {
            let stripped = line.drop(while: { $0 == "#" || $0 == " " })
            return String(stripped.prefix(80))
        }
        return kind.rawValue
    }

    /// Builds the report from decoded parts, applying the defaults both forms share.
    static func assemble(
        kind declared: String?, title: String?, fields: [String: FieldValue], body: String
    ) -> Report {
        var fields = fields
        let kind: ReportKind
        if let declared, let known = ReportKind(rawValue: declared.lowercased()) {
            kind = known
        } else {
            // An unknown kind is delivered as a note, and what was asked for stays visible.
            if let declared, !declared.isEmpty { fields["declared_kind"] = .text(declared) }
            kind = .note
        }
        let normalized = Report.normalizedBody(body)
        let title =
            title.flatMap { $0.isEmpty ? nil : $0 } ?? derivedTitle(kind: kind, fields: fields, body: normalized)
        return Report(kind: kind, title: title, fields: fields, body: normalized)
    }
}
