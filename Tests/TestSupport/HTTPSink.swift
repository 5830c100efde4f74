import Foundation

/// The scriptable receiver of `Tests/Servers/http_sink.py`, run on 127.0.0.1 for one test.
public final class HTTPSink: @unchecked Sendable {
    /// One request as the server saw it.
    public struct Request: Decodable, Sendable {
        public var time: Double
        /// GET or POST (nil in logs from before the field).
        public var method: String?
        public var path: String
        public var headers: [String: String]
        public var body: String
        /// The status answered, or nil when the server hung or dropped the connection.
        public var status: Int?
        /// With a service plan: the text the emulated service would show (Telegram's after entity parsing).
        public var shown: String?
        /// The body the server answered with, when it answered.
        public var answer: String?
    }

    private let server: ServerProcess
    private let directory: TemporaryDirectory
    public var port: Int { server.port }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private var logPath: String { directory.appending("requests.jsonl") }
    private var planPath: String { directory.appending("plan.json") }

    public init() throws {
        directory = TemporaryDirectory("owner-report-sink")
        server = try ServerProcess(
            script: "http_sink.py",
            arguments: ["--log", directory.appending("requests.jsonl"), "--plan", directory.appending("plan.json")])
    }

    /// Replaces the plan: `rules` as in the script's documentation, and the default answer.
    public func plan(_ rules: [[String: Any]], default fallback: [String: Any] = ["status": 200, "body": "ok"]) throws {
        try writePlan(["rules": rules, "default": fallback])
    }

    /// Answers like the chat services (see the script), after `rules`.
    public func emulate(_ service: [String: Any], rules: [[String: Any]] = []) throws {
        try writePlan(["rules": rules, "default": ["service": service]])
    }

    private func writePlan(_ plan: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: plan)
        let staging = planPath + ".tmp"
        try data.write(to: URL(fileURLWithPath: staging))
        _ = rename(staging, planPath)
    }

    /// Every request received so far, in arrival order.
    public func requests() throws -> [Request] {
        try readJSONLines(logPath, as: Request.self)
    }

    /// The report id each request carried (the webhook channel's `id` field), in arrival order,
    /// duplicates included; `acceptedOnly` keeps the requests answered with a 2xx.
    public func reportIDs(acceptedOnly: Bool = true) throws -> [String] {
        try (acceptedOnly ? accepted() : requests()).compactMap { request in
            (try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])?["id"] as? String
        }
    }

    /// The requests the server accepted with a 2xx.
    public func accepted() throws -> [Request] {
        try requests().filter { ($0.status ?? 0) / 100 == 2 }
    }
}
