import Foundation
import OwnerReportCore
import OwnerReportLedger
import TestSupport

/// A queue, a webhook sink on 127.0.0.1 and a config pointing the default destination at it.
final class DriverFixture: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let sink: HTTPSink
    let queue: QueueDirectory
    let configPath: String
    static let secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4OTA="
    static let urlToken = "T0KEN-in-the-path-9f8e7d"
    var hookURL: String { "\(sink.baseURL)/hooks/\(Self.urlToken)" }

    /// The `[delivery]` keys a fixture has unless given others: short backoffs and timeouts.
    static let delivery = "backoff_initial = \"1s\"\nbackoff_max = \"2s\"\ntimeout = \"2s\"\nconnect_timeout = \"1s\""

    /// - Parameters:
    ///   - top: top-level keys (before the tables), such as `fallback_destination`.
    ///   - extra: more tables, after the destinations.
    ///   - queueRoot: where the queue lives (a tmpfs, say); inside the fixture's directory otherwise.
    init(
        delivery: String = DriverFixture.delivery,
        top: String = "", extra: String = "",
        queueRoot: String? = nil
    ) throws {
        sink = try HTTPSink()
        queue = QueueDirectory(root: queueRoot ?? directory.appending("queue"))
        configPath = try directory.write(
            "config.toml",
            """
            default_destination = "hook"
            \(top)

            [delivery]
            \(delivery)

            [destinations.hook]
            channel = "webhook"
            url_env = "TEST_HOOK_URL"
            secret_env = "TEST_HOOK_SECRET"

            [destinations.local]
            channel = "file"
            path = "outbox"
            \(extra)
            """)
    }

    var environment: [String: String] { ["TEST_HOOK_URL": hookURL, "TEST_HOOK_SECRET": Self.secret] }

    /// Runs the driver with the fixture's queue and config.
    func drive(_ arguments: [String] = ["--once"], environment extra: [String: String] = [:]) throws -> Program.Outcome
    {
        try Program.driver.run(
            arguments + ["--queue", queue.root, "--config", configPath], environment: environment.merging(extra) { $1 })
    }

    func startDriver(_ arguments: [String] = ["--once"]) throws -> RunningProgram {
        try Program.driver.start(arguments + ["--queue", queue.root, "--config", configPath], environment: environment)
    }

    /// Enqueues `count` notes through the library (fast, for large drains); returns their ids in order.
    func enqueueNotes(_ count: Int, prefix: String = "report", destination: String? = nil) throws -> [String] {
        try queue.prepare()
        let ledger = try Ledger(queue: queue)
        return try (1...count).map { index in
            var fields: [String: FieldValue] = [:]
            if let destination { fields["destination"] = .text(destination) }
            return try queue.enqueue(
                Report(
                    kind: .note, title: "\(prefix) \(String(format: "%03d", index))", fields: fields,
                    body: "本文 \(index) 🚀"), ledger: ledger)
        }
    }

    /// Report ids in the order the sink accepted them (duplicates included).
    func acceptedIDs() throws -> [String] {
        try sink.reportIDs()
    }

    func ledgerKinds(of id: String) throws -> [String] {
        try Ledger(queue: queue).events(for: id).map(\.kind.rawValue)
    }
}
