/// The HTML part of an e-mail: plain elements and inline styles only; raw HTML in a report is escaped.
public struct EmailHTML: MarkupDialect {
    public init() {}
    public func text(_ raw: String) -> String { escapeHTML(raw) }
    public func code(_ raw: String) -> String { "<code>\(escapeHTML(raw))</code>" }
    public func strong(_ inner: String) -> String { "<strong>\(inner)</strong>" }
    public func emphasis(_ inner: String) -> String { "<em>\(inner)</em>" }
    public func strikethrough(_ inner: String) -> String { "<del>\(inner)</del>" }
    public func link(_ inner: String, url: String) -> String {
        isSafeURL(url) ? "<a href=\"\(escapeHTML(url, quotes: true))\">\(inner)</a>" : "\(inner) (\(escapeHTML(url)))"
    }
    public func heading(_ inner: String, level: Int) -> String {
        let tag = "h\(min(level + 1, 6))"  // the report's title is the mail's only h1
        return "<\(tag)>\(inner)</\(tag)>"
    }
    public func paragraph(_ lines: [String]) -> String { "<p>\(lines.joined(separator: "<br>\n"))</p>" }
    public func quote(_ lines: [String]) -> String {
        "<blockquote style=\"border-left:3px solid #ccc;margin:0;padding-left:8px;color:#555\">\(lines.joined(separator: "<br>\n"))</blockquote>"
    }
    public func listItem(_ inner: String, marker: Substring) -> String {
        "<div style=\"margin-left:1em\">\(escapeHTML(String(bullet(marker)))) \(inner)</div>"
    }
    public func codeBlock(_ lines: [Substring], language: Substring) -> String {
        "<pre style=\"background:#f6f8fa;padding:8px;overflow:auto\"><code>\(escapeHTML(lines.joined(separator: "\n")))</code></pre>"
    }
    public var rule: String { "<hr>" }
    public var blank: String { "" }
    public func join(_ blocks: [String]) -> String { blocks.filter { !$0.isEmpty }.joined(separator: "\n") }
}
