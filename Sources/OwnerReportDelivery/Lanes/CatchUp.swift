import OwnerReportCore

/// A lane's backlog packed into messages (docs/design.md §5, "Catch-up digests"): message k holds
/// the blocks of the reports `covering[k]`, oldest first; `digest` is the report the messages are the
/// parts of, under the id `catchup-<first report>`.
public struct CatchUp: Sendable {
    public var messages: [OutgoingMessage]
    public var covering: [Range<Int>]
    public var digest: Report

    public init(messages: [OutgoingMessage], covering: [Range<Int>], digest: Report) {
        self.messages = messages
        self.covering = covering
        self.digest = digest
    }

    /// Nothing packed: the first report goes alone.
    public static let none = CatchUp(messages: [], covering: [], digest: Report(kind: .note, title: ""))
}

/// A transport that can send several reports in one message: the chat channels, whose pace lets a
/// backlog out one message a second or slower.
public protocol BacklogPacking: Transport {
    /// Packs a prefix of `reports` (consecutive, none critical) into as few messages as fit; a report
    /// too long to share a message ends the prefix.
    func catchUpMessages(for reports: [PreparedReport]) -> CatchUp
}
