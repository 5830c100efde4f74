import Testing

@testable import OwnerReportDelivery

@Suite("MessageSplitter")
struct MessageSplitterTests {
    /// A long CJK + emoji report with a code block longer than a whole message.
    static func longReport() -> String {
        let sentence = "部署流程第三階段完成,資料庫遷移已驗證 ✅ 下一步:切換流量 🚀 "
        var text = "# 每日進度\n\n"
        for paragraph in 1...24 {
            text += "段落 \(paragraph):" + String(repeating: sentence, count: 8) + "\n\n"
        }
        text +=
            "```swift\n" + (1...150).map { "let step\($0) = \"步驟 \($0) 👨‍👩‍👧‍👦\"" }.joined(separator: "\n") + "\n```\n\n結語。"
        return text
    }

    /// The text of the parts without the `(k/n)` lines and the fence lines the splitter added.
    static func reassembled(_ parts: [String]) -> String {
        parts.map { part in
            part.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(parts.count > 1 ? 1 : 0).joined(
                separator: "\n")
        }.joined(separator: "\n")
    }

    static func withoutSpaceAndFences(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.hasPrefix("```") }.joined().filter { !$0.isWhitespace }
    }

    @Test("a short text is one part, unchanged and unnumbered")
    func short() {
        #expect(MessageSplitter(limit: 2000).split("hello\n\nworld") == ["hello\n\nworld"])
    }

    @Test(
        "long text: every part within the limit, numbered, fences balanced, nothing lost",
        arguments: [2000, 4096, 3000])
    func long(limit: Int) {
        let text = Self.longReport()
        #expect(text.count > 9000)
        let splitter = MessageSplitter(limit: limit)
        let parts = splitter.split(text)
        #expect(parts.count >= 3)
        for (index, part) in parts.enumerated() {
            #expect(part.utf16.count <= limit, "part \(index + 1) is \(part.utf16.count) units")
            #expect(part.hasPrefix("(\(index + 1)/\(parts.count))\n"))
            for block in MarkdownBlock.parse(part) {
                if case .code(_, _, let closed) = block {
                    #expect(closed, "part \(index + 1) leaves a code block open")
                }
            }
        }
        #expect(Self.withoutSpaceAndFences(Self.reassembled(parts)) == Self.withoutSpaceAndFences(text))
        // A cut code block opens again with its language.
        #expect(
            parts.dropFirst().contains {
                $0.contains("(\(parts.count)/\(parts.count))\n```swift")
                    || $0.split(separator: "\n").dropFirst().first == "```swift"
            })
    }

    @Test("paragraphs are kept whole when they fit a part of their own")
    func paragraphs() {
        let first = String(repeating: "甲", count: 1200)
        let second = String(repeating: "乙", count: 1200)
        let parts = MessageSplitter(limit: 2000).split("\(first)\n\n\(second)")
        #expect(parts == ["(1/2)\n\(first)", "(2/2)\n\(second)"])
    }

    @Test("a line longer than a part is cut between grapheme clusters, never inside one")
    func graphemes() {
        let family = "👨‍👩‍👧‍👦"  // 11 UTF-16 units, one character
        let line = String(repeating: family, count: 500)
        let parts = MessageSplitter(limit: 2000).split(line)
        #expect(parts.count == 3)
        let bodies = parts.map { String($0.split(separator: "\n", maxSplits: 1)[1]) }
        #expect(bodies.joined() == line)
        for body in bodies {
            #expect(body.allSatisfy { $0 == Character(family) })
            #expect(body.utf16.count <= 2000)
        }
    }

    @Test("a long line is cut at a space when one is near the end")
    func wordBoundary() {
        let line = (1...600).map { "word\($0)" }.joined(separator: " ")
        let parts = MessageSplitter(limit: 2000).split(line)
        #expect(parts.count > 1)
        for part in parts.dropLast() {
            let body = part.split(separator: "\n", maxSplits: 1)[1]
            #expect(body.hasSuffix(" "), "cut inside a word: …\(body.suffix(12))")
        }
    }

    @Test("Slack's cost counts escaping, so the escaped part fits")
    func escapingCost() {
        let text = String(repeating: "a<b&c> ", count: 1000)
        let splitter = MessageSplitter(limit: 3000) { "&<>".contains($0) ? 5 : 1 }
        for part in splitter.split(text) {
            #expect(escapeHTML(part).count <= 3000)
        }
    }
}
