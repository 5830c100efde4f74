/// How one channel writes the pieces of Markdown: Telegram's HTML subset, Slack's mrkdwn, e-mail HTML.
///
/// Escaping is the dialect's job: `text` and `code` receive the raw characters, so a report's `<`,
/// `>` and `&` can never turn into markup on any channel.
public protocol MarkupDialect {
    func text(_ raw: String) -> String
    func code(_ raw: String) -> String
    func strong(_ inner: String) -> String
    func emphasis(_ inner: String) -> String
    func strikethrough(_ inner: String) -> String
    /// A link; `inner` is already rendered, `url` is raw.
    func link(_ inner: String, url: String) -> String
    func heading(_ inner: String, level: Int) -> String
    func paragraph(_ lines: [String]) -> String
    func quote(_ lines: [String]) -> String
    func listItem(_ inner: String, marker: Substring) -> String
    func codeBlock(_ lines: [Substring], language: Substring) -> String
    var rule: String { get }
    var blank: String { get }
    /// Puts rendered blocks together.
    func join(_ blocks: [String]) -> String
}

extension MarkupDialect {
    /// `markdown` in this dialect.
    public func render(_ markdown: String) -> String {
        join(MarkdownBlock.parse(markdown).map(render))
    }

    public func render(_ block: MarkdownBlock) -> String {
        switch block {
        case .heading(let level, let text): heading(inline(text), level: level)
        case .paragraph(let lines): paragraph(lines.map(inline))
        case .quote(let lines): quote(lines.map(inline))
        case .listItem(let marker, let text): listItem(inline(text), marker: marker)
        case .code(let language, let lines, _): codeBlock(lines, language: language)
        case .rule: rule
        case .blank: blank
        }
    }

    public func inline(_ line: Substring) -> String {
        render(MarkdownInline.parse(line))
    }

    public func render(_ spans: [MarkdownInline]) -> String {
        spans.map { span in
            switch span {
            case .text(let raw): text(raw)
            case .code(let raw): code(raw)
            case .strong(let inner): strong(render(inner))
            case .emphasis(let inner): emphasis(render(inner))
            case .strikethrough(let inner): strikethrough(render(inner))
            case .link(let inner, let url): link(render(inner), url: url)
            }
        }.joined()
    }

    /// Whether a link target is safe to make clickable: web and mail addresses only.
    public func isSafeURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return ["http://", "https://", "mailto:"].contains { lowered.hasPrefix($0) }
    }
}

/// `&`, `<`, `>` (and `"` for attributes) as HTML entities: the escaping Telegram, Slack and e-mail share.
public func escapeHTML(_ raw: String, quotes: Bool = false) -> String {
    var result = ""
    result.reserveCapacity(raw.utf8.count)
    for character in raw {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"" where quotes: result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}

/// `•` for a bullet list marker; an ordered marker (`3.`) stays as written.
func bullet(_ marker: Substring) -> Substring {
    marker.count == 1 && "-*+".contains(marker) ? "•" : marker
}
