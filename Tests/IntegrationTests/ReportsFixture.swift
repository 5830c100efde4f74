import Foundation
import OwnerReportCore
import OwnerReportLedger
import TestSupport

/// A queue in Asia/Taipei with a webhook sink as the default destination (and optionally e-mail for
/// weekly reports), driven by the real producer and driver on an injectable clock (`OWNER_REPORT_NOW`).
final class ReportsFixture: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let sink: HTTPSink
    let smtp: SMTPSink?
    let queue: QueueDirectory
    let configPath: String

    /// - Parameters:
    ///   - queueRoot: where the queue lives (default: inside the fixture's directory).
    ///   - extra: more tables for the config, such as `[archive]`.
    init(mail: Bool = false, reports: String = "", extra: String = "", queueRoot: String? = nil) throws {
        sink = try HTTPSink()
        smtp = mail ? try SMTPSink() : nil
        queue = QueueDirectory(root: queueRoot ?? directory.appending("queue"))
        let mailTables =
            smtp.map { smtp in
                """
                [routes]
                weekly = ["mail"]

                [destinations.mail]
                channel = "email"
                smtp_url = "\(smtp.url)"
                starttls = false
                from = "reports@example.com"
                to = ["ceo@example.com"]
                username_env = "TEST_SMTP_USER"
                password_env = "TEST_SMTP_PASSWORD"
                """
            } ?? ""
        configPath = try directory.write(
            "config.toml",
            """
            timezone = "Asia/Taipei"
            default_destination = "hook"

            [delivery]
            backoff_initial = "1s"
            backoff_max = "1s"
            timeout = "5s"
            connect_timeout = "2s"

            [reports]
            summarizer_timeout = "1s"
            \(reports)

            [destinations.hook]
            channel = "webhook"
            url_env = "TEST_HOOK_URL"

            \(mailTables)

            \(extra)
            """)
        try sink.plan([["contains": "reject-me", "status": 400, "body": "{\"error\":\"unprocessable\"}"]])
    }

    /// More environment for every program the fixture runs (a fleet database's connection string).
    var extraEnvironment: [String: String] = [:]

    var environment: [String: String] {
        [
            "TEST_HOOK_URL": "\(sink.baseURL)/hook", "TEST_SMTP_USER": SMTPSink.user,
            "TEST_SMTP_PASSWORD": SMTPSink.password,
        ]
        .merging(extraEnvironment) { $1 }
    }

    /// Runs the producer with the fixture's queue and config, its clock starting at `now` when given.
    @discardableResult
    func produce(_ arguments: [String], now: String? = nil) throws -> Program.Outcome {
        try Program.producer.run(
            arguments + ["--queue", queue.root, "--config", configPath],
            environment: environment.merging(now.map { ["OWNER_REPORT_NOW": $0] } ?? [:]) { $1 })
    }

    /// Runs `driver --once`, its clock starting at `now` when given.
    @discardableResult
    func drive(now: String? = nil) throws -> Program.Outcome {
        try Program.driver.run(
            ["--once", "--max-count", "1000", "--queue", queue.root, "--config", configPath],
            environment: environment.merging(now.map { ["OWNER_REPORT_NOW": $0] } ?? [:]) { $1 })
    }

    /// Runs the archiver, its clock starting at `now` when given.
    @discardableResult
    func archive(_ arguments: [String] = [], now: String? = nil) throws -> Program.Outcome {
        try Program.archiver.run(
            arguments + ["--queue", queue.root, "--config", configPath],
            environment: environment.merging(now.map { ["OWNER_REPORT_NOW": $0] } ?? [:]) { $1 })
    }

    /// Every file under `directory` of the queue, as paths relative to the queue.
    func tree(_ directory: String) -> [String] {
        let base = "\(queue.root)/\(directory)"
        let found = FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? []
        return found.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(base)/\(name)", isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.map { "\(directory)/\($0)" }.sorted()
    }

    /// The pending report files whose names contain `fragment`, oldest first.
    func pending(_ fragment: String) -> [String] {
        directoryNames(queue.pending).filter { $0.contains(fragment) }
    }

    /// The text of the only pending report whose name contains `fragment`.
    func onlyPending(_ fragment: String) throws -> String {
        let names = pending(fragment)
        guard names.count == 1 else { throw FixtureError("expected one pending \(fragment) report, found \(names)") }
        return try String(contentsOfFile: "\(queue.pending)/\(names[0])", encoding: .utf8)
    }

    /// The lines of one `## Section` of a report body, up to the next `## `.
    static func section(_ title: String, of text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "## \(title)") else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.hasPrefix("## ") }).filter { !$0.isEmpty }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
