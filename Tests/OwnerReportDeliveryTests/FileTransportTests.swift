import Foundation
import OwnerReportCore
import OwnerReportDelivery
import Testing
import TestSupport

@Suite struct FileTransportTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }
    let report = PreparedReport(
        id: "20261123T081500.000000000Z-note-x-00000000.md",
        report: Report(kind: .checkpoint, title: "遷移 50%", fields: ["status": .text("warning")], body: "本文 🚀"),
        enqueuedAt: Timestamp(seconds: 1_795_421_700))

    init() throws { try queue.prepare() }

    @Test func aResendAfterACrashFindsTheSameFileAndCountsAsDelivered() throws {
        let transport = FileTransport(
            destination: Destination(name: "local", channel: .file, path: "outbox"), queue: queue)
        let message = try #require(try transport.messages(for: report).first)
        let path = "\(queue.root)/outbox/20261123T081500.000000000Z-note-x-00000000.txt"
        #expect(transport.send(message, of: report) == .accepted(status: nil, messageID: path))
        #expect(transport.send(message, of: report) == .accepted(status: nil, messageID: path))
        #expect(directoryNames("\(queue.root)/outbox") == ["20261123T081500.000000000Z-note-x-00000000.txt"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("🟡 [checkpoint] 遷移 50%\n"))
    }

    @Test func otherContentUnderTheSameNameIsNeverOverwritten() throws {
        let transport = FileTransport(
            destination: Destination(name: "local", channel: .file, path: "outbox"), queue: queue)
        let message = try #require(try transport.messages(for: report).first)
        try FileManager.default.createDirectory(atPath: "\(queue.root)/outbox", withIntermediateDirectories: true)
        let path = try directory.write(
            "queue/outbox/20261123T081500.000000000Z-note-x-00000000.txt", "someone else's file")
        guard case .rejected = transport.send(message, of: report) else {
            Issue.record("expected the send to be refused")
            return
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "someone else's file")
    }

    @Test func aSingleFileTargetIsAppendedTo() throws {
        let transport = FileTransport(
            destination: Destination(name: "log", channel: .file, path: "reports.log"), queue: queue)
        let message = try #require(try transport.messages(for: report).first)
        #expect(transport.send(message, of: report) == .accepted(status: nil, messageID: "\(queue.root)/reports.log"))
        #expect(transport.send(message, of: report) == .accepted(status: nil, messageID: "\(queue.root)/reports.log"))
        let text = try String(contentsOfFile: "\(queue.root)/reports.log", encoding: .utf8)
        #expect(text.components(separatedBy: "🟡 [checkpoint]").count == 3)
    }
}
