/// The two file forms of a report, named by their file extension.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// Markdown with a `---` front-matter block: the form people write by hand.
    case markdown = "md"
    /// `{"kind", "title", "fields", "body"}`.
    case json = "json"

    /// The format a queue file name stands for, or nil when the queue does not read such files.
    public init?(fileName: some StringProtocol) {
        if fileName.hasSuffix(".md") {
            self = .markdown
        } else if fileName.hasSuffix(".json") {
            self = .json
        } else {
            return nil
        }
    }

    /// Guesses the format of text with no file name (standard input): JSON when it starts with `{`.
    public init(sniffing text: String) {
        self = text.drop(while: \.isWhitespace).first == "{" ? .json : .markdown
    }
}
