import Foundation
import OwnerReportCore
import OwnerReportDelivery
import Testing
import TestSupport

/// The chat channels' packing of a backlog (`ChatTransport.catchUpMessages`): every message within
/// the service's own limit as the service counts it, each report's block whole, in order, once.
@Suite struct CatchUpPackingTests {
    static let configuration = """
        default_destination = "tg"
        [destinations.tg]
        channel = "telegram"
        target = "-100"
        token_env = "T"
        [destinations.dc]
        channel = "discord"
        target = "channel:42"
        token_env = "T"
        [destinations.sl]
        channel = "slack"
        url_env = "U"
        """

    static func transport(_ name: String) throws -> ChatTransport {
        let configuration = try ConfigurationLoader.parse(configuration, file: "test.toml")
        let secrets = SecretResolver(
            environment: ["T": "123:token", "U": "https://hooks.slack.com/services/A/B/C"],
            configurationFile: "test.toml")
        let destination = try configuration.destination(named: name)
        let made = try TransportFactory.make(
            destination, queue: QueueDirectory(root: "/nonexistent"), policy: configuration.delivery, secrets: secrets,
            timeZone: configuration.timeZone,
            host: "test")
        return try #require(made as? ChatTransport)
    }

    static func reports(_ count: Int) -> [PreparedReport] {
        (0..<count).map { index in
            let title = index % 7 == 3 ? "<b>&amp; \"quoted\" ${{x}} **not bold** #\(index)" : "job \(index) finished"
            let body = index % 11 == 5 ? String(repeating: "a longer line of output, ", count: 12) : "exit 0"
            let report = Report(
                kind: .note, title: title, fields: ["status": .text("normal"), "task_id": .text("t-\(index)")],
                body: body)
            let id = String(format: "20261202T0100%02d.000000000Z-note-job-%04d-0000abcd.md", index % 60, index)
            return PreparedReport(id: id, report: report, enqueuedAt: Timestamp(seconds: Int64(1_700_000_000 + index)))
        }
    }

    @Test(arguments: [("tg", 4096), ("dc", 2000), ("sl", 3000)])
    func everyMessageFitsAndHoldsWholeBlocksInOrder(destination: String, limit: Int) throws {
        let transport = try Self.transport(destination)
        let reports = Self.reports(400)
        let packed = transport.catchUpMessages(for: reports)
        #expect(packed.messages.count == packed.covering.count)
        #expect(
            packed.covering.first?.lowerBound == 0 && packed.covering.last?.upperBound == reports.count,
            "every report covered")
        for (previous, next) in zip(packed.covering, packed.covering.dropFirst()) {
            #expect(previous.upperBound == next.lowerBound)
        }
        for (message, range) in zip(packed.messages, packed.covering) {
            #expect(transport.service.splitter.measure(message.text) <= limit, "a message over \(limit)")
            let names = reports[range].map(\.id)
            var position = message.text.startIndex
            for name in names {
                let found = try #require(
                    message.text.range(of: name, range: position..<message.text.endIndex),
                    "\(name) missing or out of order")
                position = found.upperBound
            }
        }
        #expect(
            packed.messages.count < reports.count / 8,
            "\(packed.messages.count) messages for \(reports.count) short reports")
    }

    /// A report too long to share a message ends the packed prefix: it goes alone, after them.
    @Test func aLongReportEndsThePrefix() throws {
        let transport = try Self.transport("tg")
        var reports = Self.reports(6)
        reports[3].report.body = String(repeating: "line of a long log\n", count: 200)
        let packed = transport.catchUpMessages(for: reports)
        #expect(packed.covering.last?.upperBound == 3)
    }
}
