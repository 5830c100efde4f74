import Foundation
import OwnerReportCore
import Testing

@Suite struct JSONValueTests {
    /// Parses bytes back with Foundation's reader: an independent judge of what was written.
    func parsed(_ value: JSONValue) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(value.bytes), options: [.fragmentsAllowed])
    }

    @Test(arguments: [
        "plain", "", "quote \" backslash \\ slash /", "line\nfeed\rreturn\ttab", "\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F}",
        "中文 🚀 e\u{301} \u{2028} \u{FEFF}", String(repeating: "長い", count: 5000),
    ])
    func everyStringReadsBackAsItWas(text: String) throws {
        #expect(try parsed(.string(text)) as? String == text)
    }

    @Test func escapesAreTheShortestForms() {
        #expect(String(decoding: JSONValue.string("a\"b\\c/d\n\u{01}").bytes, as: UTF8.self) == #""a\"b\\c/d\n\u0001""#)
    }

    @Test func objectsHaveSortedKeysAndNestedValuesReadBack() throws {
        let value: JSONValue = ["z": 1, "a": ["nested": [true, false, .null, -42]], "m": "text"]
        #expect(
            String(decoding: value.bytes, as: UTF8.self) == #"{"a":{"nested":[true,false,null,-42]},"m":"text","z":1}"#)
        let object = try #require(try parsed(value) as? [String: Any])
        #expect(object["z"] as? Int == 1)
        let nested = try #require((object["a"] as? [String: Any])?["nested"] as? [Any])
        #expect(nested.count == 4)
        #expect(
            nested[0] as? Bool == true && nested[1] as? Bool == false && nested[2] is NSNull && nested[3] as? Int == -42
        )
        #expect(JSONValue.integer(.min).bytes == Array("-9223372036854775808".utf8))
    }
}
