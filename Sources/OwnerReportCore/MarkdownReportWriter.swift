/// Writes the Markdown form that `MarkdownReportReader` reads back to the same report.
enum MarkdownReportWriter {
    static func write(_ report: Report) -> String {
        var out = "---\n"
        out += "kind: \(report.kind.rawValue)\n"
        out += "title: \(quotedIfNeeded(report.title))\n"
        for (key, value) in report.orderedFields {
            switch value {
            case .text(let text):
                out += "\(key): \(quotedIfNeeded(text))\n"
            case .list(let items):
                out += "\(key):\n"
                for item in items { out += "  - \(quotedIfNeeded(item))\n" }
            }
        }
        out += "---\n"
        if !report.body.isEmpty { out += report.body + "\n" }
        return out
    }

    /// A value as a plain scalar when it reads back unchanged, else double-quoted with escapes.
    static func quotedIfNeeded(_ value: String) -> String {
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n" (found by fuzz/).
        let plainIsSafe =
            !value.isEmpty && value.trimmingSpaces == value
            && !value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" })
            && !value.contains(" #") && !"\"'#-".unicodeScalars.contains(value.unicodeScalars.first ?? " ")
        if plainIsSafe { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
