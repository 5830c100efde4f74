import Testing

@testable import OwnerReportDelivery

@Suite("Markup dialects")
struct MarkupDialectTests {
    static let hostile = "@everyone <script>alert(1)</script> &amp; <b>x</b> a < b > c & d"

    @Test("Telegram: hostile text is escaped, markup becomes its tag subset")
    func telegram() {
        let html = TelegramHTML()
        #expect(
            html.render(Self.hostile)
                == "@everyone &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &lt;b&gt;x&lt;/b&gt; a &lt; b &gt; c &amp; d"
        )
        #expect(
            html.render("**bold** _it_ ~~gone~~ `a<b` [site](https://e.x/?a=1&b=\"2\")")
                == "<b>bold</b> <i>it</i> <s>gone</s> <code>a&lt;b</code> <a href=\"https://e.x/?a=1&amp;b=&quot;2&quot;\">site</a>"
        )
        #expect(
            html.render("```swift\nlet a = b < c && d\n```")
                == "<pre><code class=\"language-swift\">let a = b &lt; c &amp;&amp; d</code></pre>")
        #expect(html.render("# 標題\n> 引用 <x>\n- 項目") == "<b>標題</b>\n<blockquote>引用 &lt;x&gt;</blockquote>\n• 項目")
        // Only web and mail links become links.
        #expect(html.render("[x](javascript:alert(1))") == "x (javascript:alert(1))")
    }

    @Test("Slack: only & < > are escaped; links and emphasis are mrkdwn")
    func slack() {
        let mrkdwn = SlackMrkdwn()
        #expect(mrkdwn.render("<!everyone> & **b** _i_ ~~s~~") == "&lt;!everyone&gt; &amp; *b* _i_ ~s~")
        #expect(mrkdwn.render("[a|b](https://e.x/p?q=1|2)") == "<https://e.x/p?q=1%7C2|a¦b>")
    }

    @Test("E-mail HTML: raw HTML in a report is escaped, never passed through")
    func email() {
        let html = EmailHTML()
        #expect(html.render("<img src=x onerror=alert(1)>") == "<p>&lt;img src=x onerror=alert(1)&gt;</p>")
        #expect(html.render("line 1\nline **2**") == "<p>line 1<br>\nline <strong>2</strong></p>")
    }

    @Test("unmatched markers and snake_case stay text")
    func literalMarkers() {
        #expect(MarkdownInline.parse("a * b ** c snake_case_name `open") == [.text("a * b ** c snake_case_name `open")])
        #expect(MarkdownInline.parse(#"\*not em\*"#) == [.text("*not em*")])
    }

    @Test("escaped titles and fields show exactly as written")
    func escapedRoundTrip() {
        let raw = "deploy_v2 *final* [draft] `x` ~~y~~ \\ done"
        // Through the real dialects: no markup appears, and the text is exactly the raw one, escaped.
        #expect(TelegramHTML().render(MarkdownInline.escaped(raw)) == escapeHTML(raw))
        #expect(SlackMrkdwn().render(MarkdownInline.escaped(raw)) == escapeHTML(raw))
    }
}
