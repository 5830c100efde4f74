import OwnerReportCore
/// One block of the Markdown that reports are written in, as far as chat channels and e-mail need it.
///
/// The reader is deliberately small: headings, paragraphs, quotes, list items, fenced code and rules.
/// Anything else is a paragraph, and every character of the source survives into some block, so a
/// renderer can never drop text it did not understand.
public enum MarkdownBlock: Equatable, Sendable {
    case heading(level: Int, text: Substring)
    /// Consecutive plain lines; chat channels keep their line breaks.
    case paragraph([Substring])
    /// `> ` lines, with the marker removed.
    case quote([Substring])
    /// One list item: its marker (`-`, `*`, `+` or `3.`) and its text.
    case listItem(marker: Substring, text: Substring)
    /// A fenced block; `closed` is false when the source ended inside it.
    case code(language: Substring, lines: [Substring], closed: Bool)
    case rule
    case blank

    /// The blocks of `text`, in order.
    public static func parse(_ text: String) -> [MarkdownBlock] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var blocks: [MarkdownBlock] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " }
            if let fence = CodeFence(opening: line) {
                var body: [Substring] = []
                index += 1
                while index < lines.count, !fence.isClosed(by: lines[index]) {
                    body.append(lines[index])
                    index += 1
                }
                blocks.append(.code(language: fence.language, lines: body, closed: index < lines.count))
                index += 1
                continue
            }
            index += 1
            if trimmed.isEmpty {
                blocks.append(.blank)
            } else if let heading = heading(trimmed) {
                blocks.append(heading)
            } else if isRule(trimmed) {
                blocks.append(.rule)
            } else if trimmed.hasPrefix(">") {
                let text = trimmed.dropFirst().drop { $0 == " " }
                if case .quote(let previous)? = blocks.last {
                    blocks[blocks.count - 1] = .quote(previous + [text])
                } else {
                    blocks.append(.quote([text]))
                }
            } else if let item = listItem(trimmed) {
                blocks.append(item)
            } else if case .paragraph(let previous)? = blocks.last {
                blocks[blocks.count - 1] = .paragraph(previous + [line])
            } else {
                blocks.append(.paragraph([line]))
            }
        }
        return blocks
    }

    private static func heading(_ line: Substring) -> MarkdownBlock? {
        let hashes = line.prefix { $0 == "#" }
        guard (1...6).contains(hashes.count) else { return nil }
        let rest = line.dropFirst(hashes.count)
        guard rest.first == " " else { return nil }
        return .heading(level: hashes.count, text: rest.drop { $0 == " " })
    }

    private static func isRule(_ line: Substring) -> Bool {
        let marks = line.filter { $0 != " " }
        guard marks.count >= 3, let first = marks.first, "-*_".contains(first) else { return false }
        return marks.allSatisfy { $0 == first }
    }

    private static func listItem(_ line: Substring) -> MarkdownBlock? {
        if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " {
            return .listItem(marker: line.prefix(1), text: line.dropFirst(2))
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        let rest = line.dropFirst(digits.count)
        if (1...9).contains(digits.count), rest.hasPrefix(". ") || rest.hasPrefix(") ") {
            return .listItem(marker: line.prefix(digits.count + 1), text: rest.dropFirst(2))
        }
        return nil
    }
}

/// A code fence's opening line: three or more backticks or tildes, then an optional language.
public struct CodeFence: Sendable {
    public let marker: Substring
    public let language: Substring

    /// The fence `line` opens, or nil when it opens none.
    public init?(opening line: Substring) {
        let trimmed = line.drop { $0 == " " }
        guard let first = trimmed.first, first == "`" || first == "~" else { return nil }
        let marker = trimmed.prefix { $0 == first }
        guard marker.count >= 3 else { return nil }
        let info = trimmed.dropFirst(marker.count)
        if first == "`", info.contains("`") { return nil }  // an inline code span, not a fence
        self.marker = marker
        self.language = info.drop { $0 == " " }.prefix { !$0.isWhitespace }
    }

    /// Whether `line` closes this fence: the same character, at least as many, nothing after.
    public func isClosed(by line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " }
        let run = trimmed.prefix { $0 == marker.first }
        return run.count >= marker.count && trimmed.dropFirst(run.count).isBlank
    }

    /// The line that opens the fence again in a later part.
    public var openingLine: String { language.isEmpty ? String(marker) : "\(marker)\(language)" }
    /// The line that closes it.
    public var closingLine: String { String(marker) }
}
