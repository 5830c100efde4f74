import Foundation
import OwnerReportDelivery
import Testing

/// Inputs `fuzz/run` found (fuzz-markup): a part over its limit, or text lost by the splitter.
@Suite struct MarkupFuzzRegressionTests {
    /// The fuzzer's input: the first byte picks the limit (64 + 8 × byte), the rest is the text.
    static func split(_ base64: String) throws -> (parts: [String], limit: Int, text: String, splitter: MessageSplitter)
    {
        let bytes = try #require(Data(base64Encoded: base64).map(Array.init))
        let limit = 64 + Int(bytes[0]) * 8
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let splitter = MessageSplitter(limit: limit)
        return (splitter.split(text), limit, text, splitter)
    }

    @Test func aLongFenceInfoStringNoLongerPushesAPartOverTheLimit() throws {
        let found = try Self.split(
            "ANMAZikKCmBgYHPc3Djc3Nx6enp6enp6enp63Nxv/////wAA/9zc3Nzc3Nzc3Nzc3Nzc3Nzc3HcKPiBxdW90ZQBp")
        #expect(found.parts.count > 1)
        for part in found.parts { #expect(found.splitter.measure(part) <= found.limit, "\(part.debugDescription)") }
    }

    @Test func aSpaceWithACombiningMarkIsKept() {
        let text = " \u{656}"
        _ = TelegramHTML().render(text)
        #expect(MessageSplitter(limit: 424).split(text) == [text])
    }

    @Test func aClusterLongerThanAPartIsCutBetweenScalars() {
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 300) + " end"
        let splitter = MessageSplitter(limit: 100)
        let parts = splitter.split(zalgo)
        for part in parts { #expect(splitter.measure(part) <= 100) }
        let marks = parts.reduce(0) { $0 + $1.unicodeScalars.filter { $0 == "\u{0301}" }.count }
        #expect(marks == 300, "every mark arrives")
    }
}
