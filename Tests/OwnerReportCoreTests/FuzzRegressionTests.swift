import Foundation
@testable import OwnerReportCore
import Testing

/// Inputs `fuzz/run` found (fuzz-report): each parsed, but did not read back the same after being
/// written as Markdown or JSON, the producer-to-driver path. Base64 is the fuzzer's own artifact.
@Suite struct ReportFuzzRegressionTests {
    static let found: [(String, String)] = [
        ("a title derived from a line with a CR", "LS0NLQpib2R5"),
        ("a value that starts with a combining mark", "25c="),
        ("a list line that starts with a combining mark", "LSDZlg=="),
        ("U+FEFF inside the body, through JSON", "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgG++7vyAgIC0="),
        ("CRs before a LF, rejoined into a new CRLF", "Yy1UUGhLDQ0NDQ0NDQoKCgoKCgoKCi1oY2g="),
    ]

    @Test(arguments: found)
    func readsBackTheSameInBothForms(_ label: String, _ base64: String) throws {
        let bytes = try #require(Data(base64Encoded: base64).map(Array.init))
        var parsed = 0
        for format in [ReportFormat.markdown, .json, nil] {
            guard let report = try? ReportCodec.decode(bytes, format: format, path: "fuzz") else { continue }
            parsed += 1
            for form in [ReportFormat.markdown, .json] {
                let written = ReportCodec.encode(report, as: form)
                let again = try ReportCodec.decode(Array(written.utf8), format: form, path: label)
                #expect(again == report, "\(label), through \(form):\n\(written)")
            }
        }
        #expect(parsed > 0, "\(label) should parse at all")
    }

    @Test func aFieldSpelledLikeKindOrTitleIsRefusedInJSON() {
        for text in [#"{"kInd": "x"}"#, #"{"kind": "note", "fields": {"TITLE": "t"}}"#] {
            #expect(throws: ReportFormatError.self) {
                try ReportCodec.decode(Array(text.utf8), format: .json, path: "j")
            }
        }
    }

    @Test func everyLineEndBecomesLF() {
        #expect(Report(kind: .note, title: "t", body: "a\r\nb\rc\r\r\nd").body == "a\nb\nc\n\nd")
    }

    @Test func aSpaceWithACombiningMarkIsNotBlank() {
        #expect(!" \u{656}".isBlank && " \t".isBlank && "".isBlank)
        #expect(Report(kind: .note, title: "t", body: "x\n \u{656}").body == "x\n \u{656}")
    }
}
