/// A run of inline Markdown: text and the few spans every channel can show.
///
/// Unmatched markers stay text, so nothing written in a report is ever lost to the parser.
public indirect enum MarkdownInline: Equatable, Sendable {
    case text(String)
    case code(String)
    case strong([MarkdownInline])
    case emphasis([MarkdownInline])
    case strikethrough([MarkdownInline])
    case link(text: [MarkdownInline], url: String)

    /// The spans of one line of Markdown.
    public static func parse(_ line: Substring) -> [MarkdownInline] {
        var parser = InlineParser(characters: Array(line))
        return parser.parse(until: nil)
    }

    /// Characters a backslash makes literal, the same set CommonMark uses for ASCII punctuation.
    public static let escapable: Set<Character> = Set("\\`*_{}[]()#+-.!~|<>&\"'")

    /// `text` with every character that would start markup backslash-escaped, so that a field value
    /// or a title shows exactly as written.
    public static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\`*_[]~".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

/// A single-line scanner over grapheme clusters.
private struct InlineParser {
    let characters: [Character]
    var position = 0

    mutating func parse(until closer: String?) -> [MarkdownInline] {
        var spans: [MarkdownInline] = []
        var text = ""
        func flush() {
            if !text.isEmpty { spans.append(.text(text)) }
            text = ""
        }
        while position < characters.count {
            if let closer, matches(closer, at: position) { break }
            let character = characters[position]
            if character == "\\", position + 1 < characters.count,
                MarkdownInline.escapable.contains(characters[position + 1])
            {
                text.append(characters[position + 1])
                position += 2
                continue
            }
            if let span = span(startingWith: character) {
                flush()
                spans.append(span)
                continue
            }
            text.append(character)
            position += 1
        }
        flush()
        return spans
    }

    /// A span opening at `position`, consumed; nil (and nothing consumed) when none opens there.
    mutating func span(startingWith character: Character) -> MarkdownInline? {
        switch character {
        case "`":
            let run = countRun(of: "`", at: position)
            let delimiter = String(repeating: "`", count: run)
            guard let end = find(delimiter, from: position + run) else { return nil }
            let content = String(characters[(position + run)..<end])
            position = end + run
            return .code(content)
        case "*", "_", "~":
            for (delimiter, make) in delimiters(for: character) where matches(delimiter, at: position) {
                if character == "_", position > 0,
                    characters[position - 1].isLetter || characters[position - 1].isNumber
                {
                    return nil  // snake_case stays text
                }
                let start = position + delimiter.count
                guard start < characters.count, !characters[start].isWhitespace,
                    let end = find(delimiter, from: start + 1), !characters[end - 1].isWhitespace
                else { continue }
                var inner = InlineParser(characters: Array(characters[start..<end]))
                let spans = inner.parse(until: nil)
                position = end + delimiter.count
                return make(spans)
            }
            return nil
        case "[":
            guard let close = find("](", from: position + 1), let end = find(")", from: close + 2) else { return nil }
            let url = String(characters[(close + 2)..<end])
            guard !url.isEmpty, !url.contains(" ") else { return nil }
            var inner = InlineParser(characters: Array(characters[(position + 1)..<close]))
            let text = inner.parse(until: nil)
            position = end + 1
            return .link(text: text, url: url)
        default:
            return nil
        }
    }

    func delimiters(for character: Character) -> [(String, ([MarkdownInline]) -> MarkdownInline)] {
        switch character {
        case "~": [("~~", MarkdownInline.strikethrough)]
        case "*": [("**", MarkdownInline.strong), ("*", MarkdownInline.emphasis)]
        default: [("__", MarkdownInline.strong), ("_", MarkdownInline.emphasis)]
        }
    }

    func countRun(of character: Character, at index: Int) -> Int {
        var end = index
        while end < characters.count, characters[end] == character { end += 1 }
        return end - index
    }

    func matches(_ delimiter: String, at index: Int) -> Bool {
        var offset = index
        for character in delimiter {
            guard offset < characters.count, characters[offset] == character else { return false }
            offset += 1
        }
        return true
    }

    /// The first index at or after `start` where `delimiter` occurs, skipping escaped characters.
    func find(_ delimiter: String, from start: Int) -> Int? {
        var index = start
        while index < characters.count {
            if characters[index] == "\\", delimiter.first != "`" { index += 2; continue }
            if matches(delimiter, at: index) {
                // `**` must not be mistaken for the end of a single `*` span.
                if delimiter == "*" || delimiter == "_", index + 1 < characters.count,
                    characters[index + 1] == characters[index]
                {
                    index += 2
                    continue
                }
                return index
            }
            index += 1
        }
        return nil
    }
}
