/// Slack's mrkdwn: `*bold*`, `_italic_`, `~strike~`, `<url|text>`; only `& < >` are escaped.
public struct SlackMrkdwn: MarkupDialect {
    public init() {}
    public func text(_ raw: String) -> String { escapeHTML(raw) }
    public func code(_ raw: String) -> String { "`\(escapeHTML(raw))`" }
    public func strong(_ inner: String) -> String { "*\(inner)*" }
    public func emphasis(_ inner: String) -> String { "_\(inner)_" }
    public func strikethrough(_ inner: String) -> String { "~\(inner)~" }
    public func link(_ inner: String, url: String) -> String {
        guard isSafeURL(url) else { return "\(inner) (\(escapeHTML(url)))" }
        // `|` and `>` end Slack's link syntax; inside a URL they are only ever percent-encoded.
        let target = escapeHTML(url).replacingOccurrences(of: "|", with: "%7C")
        return "<\(target)|\(inner.replacingOccurrences(of: "|", with: "¦"))>"
    }
    public func heading(_ inner: String, level: Int) -> String { "*\(inner)*" }
    public func paragraph(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    public func quote(_ lines: [String]) -> String { lines.map { "> \($0)" }.joined(separator: "\n") }
    public func listItem(_ inner: String, marker: Substring) -> String { "\(bullet(marker)) \(inner)" }
    public func codeBlock(_ lines: [Substring], language: Substring) -> String {
        "```\n\(escapeHTML(lines.joined(separator: "\n")))\n```"
    }
    public var rule: String { "──────────" }
    public var blank: String { "" }
    public func join(_ blocks: [String]) -> String { blocks.joined(separator: "\n") }
}
