import Foundation
import OwnerReportCore
import Testing

@Suite struct ReportCodecTests {
    static let cjkReport = Report(
        kind: .checkpoint, title: "遷移任務 50% 🚀",
        fields: [
            "team": .text("基建團隊"), "worker": .text("alice"), "task": .text("db-migration"),
            "status": .text("warning"), "progress": .text("50%"), "done": .list(["第一階段完成 ✅", "備份 👍🏽"]),
            "next": .list(["等待第二階段結果"]), "ticket-url": .text("https://example.com/t/1?a=b#frag"),
            "odd value": .text("x"),
        ].filter { $0.key != "odd value" },
        body: "**Done:** 第一階段完成\n\n```sh\necho '漢字 👨‍👩‍👧'\n```\n\n- 項目 # not a comment")

    func decode(_ text: String, _ format: ReportFormat? = .markdown, path: String = "r.md") throws -> Report {
        try ReportCodec.decode(Array(text.utf8), format: format, path: path)
    }

    @Test func markdownRoundTripKeepsEveryFieldAndTheBody() throws {
        let text = ReportCodec.encode(Self.cjkReport, as: .markdown)
        #expect(try decode(text) == Self.cjkReport)
    }

    @Test func jsonRoundTripKeepsEveryFieldAndTheBody() throws {
        let text = ReportCodec.encode(Self.cjkReport, as: .json)
        #expect(try decode(text, .json, path: "r.json") == Self.cjkReport)
    }

    @Test func markdownToJSONToMarkdownGivesTheSameFile() throws {
        let markdown = ReportCodec.encode(Self.cjkReport, as: .markdown)
        let viaJSON = try decode(ReportCodec.encode(try decode(markdown), as: .json), .json)
        #expect(ReportCodec.encode(viaJSON, as: .markdown) == markdown)
    }

    @Test(arguments: [
        "", " leading space", "trailing space ", "# looks like a comment", "a # inline hash", "\"quoted\"",
        "'single'", "- dash", "back\\slash", "two\nlines", "tab\there", "colon: inside", "emoji 🧑🏻‍💻 and 漢字",
    ])
    func awkwardValuesSurviveTheMarkdownRoundTrip(value: String) throws {
        let report = Report(kind: .note, title: "t", fields: ["custom": .text(value), "items": .list([value, "x"])])
        #expect(try decode(ReportCodec.encode(report, as: .markdown)) == report)
    }

    @Test func unknownFieldsAreKeptFromHandWrittenFrontMatter() throws {
        let report = try decode(
            """
            ---
            kind: checkpoint
            title: example-task 50%
            team: general-task
            status: normal            # normal | warning | critical | blocked | done
            progress: 50%
            customer_ref: "ACME-42"   # an unknown field
            owners:
              - alice
              - 鈴木
            destination: ops-discord
            ---
            **Done:** 第一階段完成
            """)
        #expect(report.kind == .checkpoint)
        #expect(report.title == "example-task 50%")
        #expect(report.fields["status"] == .text("normal"))
        #expect(report.fields["customer_ref"] == .text("ACME-42"))
        #expect(report.fields["owners"] == .list(["alice", "鈴木"]))
        #expect(report.destination == "ops-discord")
        #expect(report.body == "**Done:** 第一階段完成")
    }

    @Test func crlfLineEndingsAndAByteOrderMarkAreAccepted() throws {
        let report = try decode("\u{FEFF}---\r\nkind: note\r\ntitle: windows\r\n---\r\nbody line\r\n")
        #expect(report.title == "windows")
        #expect(report.body == "body line")
    }

    @Test func missingOrUnknownKindIsANoteAndTheDeclaredKindIsKept() throws {
        #expect(try decode("---\ntitle: x\n---\n").kind == .note)
        let unknown = try decode("---\nkind: deployment\ntitle: x\n---\n")
        #expect(unknown.kind == .note)
        #expect(unknown.fields["declared_kind"] == .text("deployment"))
    }

    @Test func plainMarkdownWithoutFrontMatterIsANoteTitledByItsHeading() throws {
        let report = try decode("# 夜間備份完成\n\n三個資料庫都已備份。\n")
        #expect(report.kind == .note)
        #expect(report.title == "夜間備份完成")
        #expect(report.body == "三個資料庫都已備份。")
    }

    @Test func jsonScalarsBecomeTextAndTopLevelExtrasAreFields() throws {
        let report = try decode(
            #"{"kind": "incident", "title": "db down", "team": "ops", "fields": {"count": 3, "paged": true, "tags": ["a", 2]}, "body": "x"}"#,
            .json)
        #expect(report.kind == .incident)
        #expect(report.fields["team"] == .text("ops"))
        #expect(report.fields["count"] == .text("3"))
        #expect(report.fields["paged"] == .text("true"))
        #expect(report.fields["tags"] == .list(["a", "2"]))
    }

    @Test func aMissingTitleIsDerivedFromTaskAndProgress() throws {
        #expect(try decode("---\nkind: checkpoint\ntask: build\nprogress: 3/8\n---\n").title == "build 3/8")
        #expect(try decode(#"{"kind": "note", "body": "first line\nsecond"}"#, .json).title == "first line")
    }

    // MARK: malformed input: every class names the file, the line where there is one, and the problem.

    struct Malformed: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: [UInt8]
        let format: ReportFormat
        let line: Int?
        let message: String
        var testDescription: String { label }
    }

    static let malformed: [Malformed] = [
        .init(
            label: "no end of front matter", bytes: Array("---\nkind: note\ntitle: x\nbody\n".utf8), format: .markdown,
            line: 1, message: "never closed"),
        .init(
            label: "line without colon", bytes: Array("---\nkind: note\njust words\n---\n".utf8), format: .markdown,
            line: 3, message: "expected 'key: value'"),
        .init(
            label: "bad field name", bytes: Array("---\nkind: note\nbad key!: v\n---\n".utf8), format: .markdown,
            line: 3, message: "not a field name"),
        .init(
            label: "duplicate field", bytes: Array("---\ntitle: a\nteam: x\ntitle: b\n---\n".utf8), format: .markdown,
            line: 4, message: "duplicate field 'title' (first on line 2)"),
        .init(
            label: "unclosed quote", bytes: Array("---\ntitle: \"open\n---\n".utf8), format: .markdown, line: 2,
            message: "never closed"),
        .init(
            label: "orphan list item", bytes: Array("---\n- item\n---\n".utf8), format: .markdown, line: 2,
            message: "no 'key:' line"),
        .init(
            label: "missing space after colon", bytes: Array("---\ntitle:x\n---\n".utf8), format: .markdown, line: 2,
            message: "space after"),
        .init(
            label: "invalid UTF-8", bytes: Array("---\ntitle: ok\n---\nbad ".utf8) + [0xC3, 0x28], format: .markdown,
            line: 4, message: "not valid UTF-8 at byte offset 22"),
        .init(
            label: "overlong UTF-8", bytes: Array("x".utf8) + [0xC0, 0xAF], format: .markdown, line: 1,
            message: "not valid UTF-8 at byte offset 1"),
        .init(
            label: "UTF-16 surrogate in UTF-8", bytes: [0xED, 0xA0, 0x80], format: .markdown, line: 1,
            message: "not valid UTF-8"),
        .init(
            label: "binary", bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00], format: .markdown, line: 1,
            message: "binary content: NUL byte at offset 7"),
        .init(label: "empty", bytes: [], format: .markdown, line: nil, message: "empty report"),
        .init(
            label: "only white space", bytes: Array(" \n\t\r\n".utf8), format: .json, line: nil, message: "empty report"
        ),
        .init(
            label: "invalid JSON", bytes: Array("{\n\"kind\": \"note\",\n\"title\": }".utf8), format: .json, line: 3,
            message: "invalid JSON"),
        .init(label: "JSON array", bytes: Array("[1, 2]".utf8), format: .json, line: nil, message: "must be an object"),
        .init(
            label: "JSON fields not an object", bytes: Array(#"{"fields": [1]}"#.utf8), format: .json, line: nil,
            message: "\"fields\" must be an object"),
        .init(
            label: "JSON nested field", bytes: Array(#"{"fields": {"a": {"b": 1}}}"#.utf8), format: .json, line: nil,
            message: "\"fields.a\" must be"),
        .init(
            label: "JSON title not a string", bytes: Array(#"{"title": 5}"#.utf8), format: .json, line: nil,
            message: "\"title\" must be a string"),
    ]

    @Test(arguments: malformed)
    func malformedInputIsRefusedWithFileLineAndReason(_ sample: Malformed) {
        let path = "pending/bad.\(sample.format.rawValue)"
        #expect {
            try ReportCodec.decode(sample.bytes, format: sample.format, path: path)
        } throws: { error in
            guard let error = error as? ReportFormatError else { return false }
            return error.path == path && error.line == sample.line && error.message.contains(sample.message)
                && error.description.hasPrefix(path + (sample.line.map { ":\($0):" } ?? ":"))
        }
    }
}
