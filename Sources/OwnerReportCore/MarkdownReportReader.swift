/// Parses the Markdown form: an optional `---` front-matter block of `key: value` lines, then the body.
///
/// The front matter is the small YAML subset people write by hand: scalars (plain, `"double"` with
/// `\"` `\\` `\n` `\r` `\t` escapes, or `'single'` with `''`), `# comments`, and block lists of `- item`
/// lines under a `key:` line. Anything else is an error naming its line.
struct MarkdownReportReader {
    let lines: [Substring]
    let path: String

    init(text: String, path: String) {
        if !text.utf8.contains(UInt8(ascii: "\r")) {
            // Without a CR, every "\n" byte is a Character of its own, and splitting the bytes is the
            // same cut as splitting the Characters, without walking grapheme clusters.
            self.lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
                text[$0.startIndex..<$0.endIndex]
            }
        } else {
            // "\r\n" is a single Character in Swift, so it must be named as a separator of its own.
            self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        }
        self.path = path
    }

    func read() throws(ReportFormatError) -> Report {
        guard let first = lines.first, Self.isDelimiter(first) else {
            // A plain Markdown file is a note; a leading `# heading` is its title.
            return plainNote()
        }
        guard let end = lines.indices.dropFirst().first(where: { Self.isDelimiter(lines[$0]) }) else {
            throw ReportFormatError(
                path: path, line: 1, message: "front matter opened here is never closed by a '---' line")
        }
        var fields = try frontMatter(lines[1..<end])
        let kind = fields.removeValue(forKey: "kind")?.joined
        let title = fields.removeValue(forKey: "title")?.joined
        let body = lines[(end + 1)...].joined(separator: "\n")
        return ReportCodec.assemble(kind: kind, title: title, fields: fields, body: body)
    }

    private static func isDelimiter(_ line: Substring) -> Bool {
        var trimmed = line
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return trimmed == "---"
    }

    private func plainNote() -> Report {
        var bodyLines = Array(lines)
        var title: String?
        if let index = bodyLines.firstIndex(where: { !$0.isBlank }),
            bodyLines[index].hasPrefix("# ")
        {
            title = String(bodyLines[index].dropFirst(2)).trimmingSpaces
            bodyLines.remove(at: index)
        }
        return ReportCodec.assemble(kind: nil, title: title, fields: [:], body: bodyLines.joined(separator: "\n"))
    }

    private func frontMatter(_ block: ArraySlice<Substring>) throws(ReportFormatError) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        var firstLine: [String: Int] = [:]
        var openList: (key: String, items: [String])?

        func closeList() {
            if let list = openList { fields[list.key] = list.items.isEmpty ? .text("") : .list(list.items) }
            openList = nil
        }

        for index in block.indices {
            let number = index + 1
            let line = block[index]
            let content = line.drop(while: { $0 == " " || $0 == "\t" })
            if content.isEmpty || content.hasPrefix("#") { continue }

            // Structure is read by Unicode scalar: a value starting with a combining mark joins the
            // space before it into one Character (found by fuzz/).
            let contentScalars = Array(content.unicodeScalars.prefix(2))
            if contentScalars.first == "-" && (contentScalars.count == 1 || contentScalars[1] == " ") {
                guard openList != nil else {
                    throw ReportFormatError(
                        path: path, line: number,
                        message: "list item '\(content.prefix(40))' has no 'key:' line above it")
                }
                let item = try scalar(Substring(content.unicodeScalars.dropFirst()), line: number)
                openList?.items.append(item)
                continue
            }
            if content.startIndex != line.startIndex {
                throw ReportFormatError(
                    path: path, line: number, message: "unexpected indentation in front matter: '\(line.prefix(40))'")
            }
            closeList()

            guard let colon = content.firstIndex(of: ":") else {
                throw ReportFormatError(
                    path: path, line: number, message: "expected 'key: value', found '\(content.prefix(40))'")
            }
            let key = content[..<colon]
            guard Report.isValidFieldName(key) else {
                throw ReportFormatError(
                    path: path, line: number,
                    message: "'\(key.prefix(40))' is not a field name (letters, digits, '_', '-', '.')")
            }
            let name = String(key).lowercased()
            if let earlier = firstLine[name] {
                throw ReportFormatError(
                    path: path, line: number, message: "duplicate field '\(name)' (first on line \(earlier))")
            }
            firstLine[name] = number
            let rest = content[content.index(after: colon)...]
            if let first = rest.unicodeScalars.first, first != " ", first != "\t" {
                throw ReportFormatError(path: path, line: number, message: "expected a space after '\(key):'")
            }
            let value = try scalar(rest, line: number)
            if value.isEmpty && !rest.contains(where: { $0 == "\"" || $0 == "'" }) {
                openList = (name, [])
            } else {
                fields[name] = .text(value)
            }
        }
        closeList()
        return fields
    }

    /// One scalar value: quoted or plain, with a trailing ` # comment` removed.
    private func scalar(_ raw: Substring, line: Int) throws(ReportFormatError) -> String {
        let text = raw.trimmingSpaces
        guard let quote = text.unicodeScalars.first, quote == "\"" || quote == "'" else {
            return Self.withoutComment(Substring(text)).trimmingSpaces
        }
        // Quoted values are read scalar by scalar, for the same reason as the structure.
        let scalars = Array(text.unicodeScalars)
        var value = String.UnicodeScalarView()
        var index = 1
        while index < scalars.count {
            let current = scalars[index]
            if current == quote {
                if quote == "'", index + 1 < scalars.count, scalars[index + 1] == "'" {
                    value.append("'")
                    index += 2
                    continue
                }
                var after = String.UnicodeScalarView()
                after.append(contentsOf: scalars[(index + 1)...])
                let rest = String(after).trimmingSpaces
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw ReportFormatError(
                        path: path, line: line, message: "unexpected text after the closing quote: '\(rest.prefix(40))'"
                    )
                }
                return String(value)
            }
            if quote == "\"", current == "\\" {
                guard index + 1 < scalars.count else { break }
                switch scalars[index + 1] {
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                default:
                    throw ReportFormatError(
                        path: path, line: line, message: "unknown escape '\\\(scalars[index + 1])' in a quoted value")
                }
                index += 2
                continue
            }
            value.append(current)
            index += 1
        }
        throw ReportFormatError(path: path, line: line, message: "quoted value is never closed by \(quote)")
    }

    private static func withoutComment(_ text: Substring) -> Substring {
        var previous: Character = " "
        for index in text.indices {
            if text[index] == "#", previous == " " || previous == "\t" { return text[..<index] }
            previous = text[index]
        }
        return text
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        // By scalar, so that a combining mark after a space keeps its place in the value.
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = scalars.firstIndex(where: { !isSpace($0) }),
            let end = scalars.lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
