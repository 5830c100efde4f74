/// Telegram's `parse_mode: HTML`: only the tags of its subset (`b i s code pre a blockquote`), and
/// `& < >` escaped everywhere else, so a report can never break the message's entity parsing.
public struct TelegramHTML: MarkupDialect {
    public init() {}
    public func text(_ raw: String) -> String { escapeHTML(raw) }
    public func code(_ raw: String) -> String { "<code>\(escapeHTML(raw))</code>" }
    public func strong(_ inner: String) -> String { "<b>\(inner)</b>" }
    public func emphasis(_ inner: String) -> String { "<i>\(inner)</i>" }
    public func strikethrough(_ inner: String) -> String { "<s>\(inner)</s>" }
    public func link(_ inner: String, url: String) -> String {
        isSafeURL(url) ? "<a href=\"\(escapeHTML(url, quotes: true))\">\(inner)</a>" : "\(inner) (\(escapeHTML(url)))"
    }
    public func heading(_ inner: String, level: Int) -> String { "<b>\(inner)</b>" }
    public func paragraph(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    public func quote(_ lines: [String]) -> String { "<blockquote>\(lines.joined(separator: "\n"))</blockquote>" }
    public func listItem(_ inner: String, marker: Substring) -> String { "\(bullet(marker)) \(inner)" }
    public func codeBlock(_ lines: [Substring], language: Substring) -> String {
        let body = escapeHTML(lines.joined(separator: "\n"))
        let name = language.filter { $0.isLetter || $0.isNumber || "+-_#.".contains($0) }
        return name.isEmpty ? "<pre>\(body)</pre>" : "<pre><code class=\"language-\(name)\">\(body)</code></pre>"
    }
    public var rule: String { "──────────" }
    public var blank: String { "" }
    public func join(_ blocks: [String]) -> String { blocks.joined(separator: "\n") }
}
