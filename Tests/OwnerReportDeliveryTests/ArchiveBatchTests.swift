import Foundation
import OwnerReportCore
import OwnerReportDelivery
import Testing
import TestSupport

@Suite struct ArchiveBatchTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }

    init() throws { try queue.prepare() }

    func pending(_ name: String, _ text: String) throws -> QueueEntry {
        let path = "\(queue.pending)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return QueueEntry(name: name, directory: queue.pending, kind: .regularFile, enqueuedAt: Timestamp(seconds: 1))
    }

    /// A batch moves every report; a name sent/ already has (a crash between link and unlink) is
    /// resolved by content: the same bytes drop the leftover, other bytes get a new name.
    @Test func aBatchMovesEveryReportAndResolvesLeftoversByContent() throws {
        let plain = try pending("a.md", "one")
        let leftover = try pending("b.md", "two")
        let clash = try pending("c.md", "three")
        try Data("two".utf8).write(to: URL(fileURLWithPath: "\(queue.sent)/b.md"))
        try Data("other".utf8).write(to: URL(fileURLWithPath: "\(queue.sent)/c.md"))

        try queue.archive([plain, leftover, clash])

        #expect(directoryNames(queue.pending).isEmpty)
        let sent = directoryNames(queue.sent)
        #expect(sent.count == 4)
        #expect(Set(sent).isSuperset(of: ["a.md", "b.md", "c.md"]))
        let variant = try #require(sent.first { $0.hasPrefix("c.") && $0 != "c.md" })
        #expect(try String(contentsOfFile: "\(queue.sent)/\(variant)", encoding: .utf8) == "three")
        #expect(try String(contentsOfFile: "\(queue.sent)/c.md", encoding: .utf8) == "other", "never overwritten")
    }

    @Test func aReportThatVanishedStopsTheBatchWithItsNameAndLosesNothing() throws {
        let first = try pending("a.md", "one")
        let gone = QueueEntry(
            name: "gone.md", directory: queue.pending, kind: .regularFile, enqueuedAt: Timestamp(seconds: 1))
        #expect {
            try queue.archive([first, gone])
        } throws: { error in
            "\(error)".contains("gone.md")
        }
        // The one linked before the failure is in sent/ (and still in pending/: the next pass resolves it).
        #expect(directoryNames(queue.sent) == ["a.md"])
    }
}
