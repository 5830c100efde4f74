import Foundation
import OwnerReportCore
import OwnerReportLedger
import TestSupport

/// A queue and one webhook sink per lane on 127.0.0.1, each its own destination `lane0`, `lane1`…,
/// and optionally a sink that answers like Telegram as destination `group`.
final class LaneFixture: @unchecked Sendable {
    let directory = TemporaryDirectory()
    let sinks: [HTTPSink]
    let telegram: HTTPSink?
    let queue: QueueDirectory
    let configPath: String
    static let telegramToken = "777001:lane-token-Kp2Wd"

    init(
        lanes: Int, telegram wantsTelegram: Bool = false,
        delivery: String = "backoff_initial = \"1s\"\nbackoff_max = \"2s\"\ntimeout = \"3s\"\nconnect_timeout = \"1s\""
    ) throws {
        sinks = try (0..<lanes).map { _ in try HTTPSink() }
        telegram = wantsTelegram ? try HTTPSink() : nil
        queue = QueueDirectory(root: directory.appending("queue"))
        var text = "default_destination = \"lane0\"\ntimezone = \"Asia/Taipei\"\n\n[delivery]\n\(delivery)\n"
        for (index, sink) in sinks.enumerated() {
            text += "\n[destinations.lane\(index)]\nchannel = \"webhook\"\nurl = \"\(sink.baseURL)/hook/\(index)\"\n"
        }
        if let telegram {
            text +=
                "\n[destinations.group]\nchannel = \"telegram\"\ntarget = \"-100500\"\ntoken_env = \"TEST_TELEGRAM_TOKEN\"\napi_base = \"\(telegram.baseURL)\"\n"
        }
        configPath = try directory.write("config.toml", text)
        try queue.prepare()
    }

    var environment: [String: String] { ["TEST_TELEGRAM_TOKEN": Self.telegramToken] }

    func drive(_ arguments: [String] = ["--once"]) throws -> Program.Outcome {
        try Program.driver.run(arguments + ["--queue", queue.root, "--config", configPath], environment: environment)
    }

    func startDriver(_ arguments: [String] = ["--once"]) throws -> RunningProgram {
        try Program.driver.start(arguments + ["--queue", queue.root, "--config", configPath], environment: environment)
    }

    /// Enqueues a short note for `destination` through the library; returns its id.
    func enqueue(
        _ title: String, to destination: String, status: ReportStatus = .normal, body: String = "one line of news",
        ledger: Ledger? = nil
    ) throws -> String {
        try queue.enqueue(
            Report(
                kind: .note, title: title,
                fields: ["destination": .text(destination), "status": .text(status.rawValue)], body: body),
            ledger: ledger)
    }

    /// The report ids sink `index` accepted, in order, duplicates included.
    func accepted(_ index: Int) throws -> [String] {
        try sinks[index].reportIDs()
    }

    /// When sink `index` received each report (its first receipt), by id.
    func received(_ index: Int) throws -> [String: Double] {
        var times: [String: Double] = [:]
        for request in try sinks[index].requests() {
            guard
                let id = (try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])?["id"]
                    as? String
            else { continue }
            if times[id] == nil { times[id] = request.time }
        }
        return times
    }

    func verify() throws -> Program.Outcome {
        try Program.archiver.run(["verify", "--queue", queue.root, "--config", configPath])
    }
}
