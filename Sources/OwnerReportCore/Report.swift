/// What a report is about; it decides the layout and the route.
public enum ReportKind: String, CaseIterable, Sendable, Codable {
    case checkpoint, incident, postmortem, daily, weekly, note
}

/// How a report's subject is doing; channels show it as an emoji or a colour.
public enum ReportStatus: String, CaseIterable, Sendable, Codable {
    case normal, warning, critical, blocked, done
}

/// The value of one front-matter field: a line of text, or a list of them.
public enum FieldValue: Hashable, Sendable {
    case text(String)
    case list([String])

    /// The value as one line: a list is joined with commas.
    public var joined: String {
        switch self {
        case .text(let text): text
        case .list(let items): items.joined(separator: ", ")
        }
    }
}

/// One report: its kind, a title, named fields (known and unknown alike) and a Markdown body.
public struct Report: Hashable, Sendable {
    public var kind: ReportKind
    public var title: String
    /// Every front-matter field other than `kind` and `title`, unknown ones included.
    public var fields: [String: FieldValue]
    /// Markdown text; leading blank lines and trailing white space are not part of it.
    public var body: String

    public init(kind: ReportKind, title: String, fields: [String: FieldValue] = [:], body: String = "") {
        self.kind = kind
        self.title = title
        self.fields = fields
        self.body = Report.normalizedBody(body)
    }

    /// Field names shown first, in this order; the rest follow alphabetically.
    public static let knownFieldOrder = [
        "team", "worker", "task", "status", "progress", "severity", "category", "service", "incident",
        "done", "next", "source", "created", "destination",
    ]

    /// The fields in display order: known names first in their fixed order, then the others by name.
    public var orderedFields: [(key: String, value: FieldValue)] {
        let known = Report.knownFieldOrder.compactMap { key in fields[key].map { (key: key, value: $0) } }
        let rest = fields.filter { !Report.knownFieldOrder.contains($0.key) }.sorted { $0.key < $1.key }
        return known + rest.map { (key: $0.key, value: $0.value) }
    }

    /// The text of a field, or nil when it is absent or empty.
    public func text(_ key: String) -> String? {
        guard let value = fields[key] else { return nil }
        let text = value.joined
        return text.isEmpty ? nil : text
    }

    /// The report's status field, when it names a known status.
    public var status: ReportStatus? { text("status").flatMap(ReportStatus.init(rawValue:)) }

    /// The destination named in the report itself, if any.
    public var destination: String? { text("destination") }

    /// Whether a field name may appear in front matter: letters, digits, `_`, `-` and `.`.
    public static func isValidFieldName(_ name: Substring) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "_-.".unicodeScalars.contains(scalar))
            }
    }

    static func normalizedBody(_ body: String) -> String {
        // Every line end (CRLF, and a lone CR) becomes LF, by scalar: rejoining lines must never make
        // a new CRLF out of a CR and the LF after it (found by fuzz/).
        var unified = body
        if body.utf8.contains(UInt8(ascii: "\r")) {
            var scalars = String.UnicodeScalarView()
            var afterCR = false
            for scalar in body.unicodeScalars {
                if scalar == "\n", afterCR {
                    afterCR = false
                    continue
                }
                afterCR = scalar == "\r"
                scalars.append(afterCR ? "\n" : scalar)
            }
            unified = String(scalars)
        }
        // Leading blank lines go. A "\n" is always a Character of its own, so the cut after one is a
        // Character boundary; only the lines that are dropped are looked at.
        let utf8 = unified.utf8
        var start = utf8.startIndex
        while true {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "\n"))
            guard unified[start..<(end ?? utf8.endIndex)].isBlank else { break }
            guard let end else { return "" }
            start = utf8.index(after: end)
        }
        var text = String(unified[start...])
        while let last = text.last, last.isBlankSpace { text.removeLast() }
        return text
    }
}
