import Foundation

/// The scriptable receiver of `Tests/Servers/http_sink.py`, run on 127.0.0.1 for one test.
public final class HTTPSink: @unchecked Sendable {
    /// One request as the server saw it.
    public struct Request: Decodable, Sendable {
        public var time: Double
        public var path: String
        public var headers: [String: String]
        public var body: String
        /// The status answered, or nil when the server hung or dropped the connection.
        public var status: Int?
    }

    private let process: Process
    private let directory: TemporaryDirectory
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private var logPath: String { directory.appending("requests.jsonl") }
    private var planPath: String { directory.appending("plan.json") }

    public init() throws {
        directory = TemporaryDirectory("owner-report-sink")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Servers/http_sink.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--log", directory.appending("requests.jsonl"), "--plan", directory.appending("plan.json")]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    deinit {
        // SIGKILL: a test runner's children may inherit a blocked SIGTERM, and then terminate() never ends them.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Replaces the plan: `rules` as in the script's documentation, and the default answer.
    public func plan(_ rules: [[String: Any]], default fallback: [String: Any] = ["status": 200, "body": "ok"]) throws {
        let data = try JSONSerialization.data(withJSONObject: ["rules": rules, "default": fallback])
        let staging = planPath + ".tmp"
        try data.write(to: URL(fileURLWithPath: staging))
        _ = rename(staging, planPath)
    }

    /// Every request received so far, in arrival order.
    public func requests() throws -> [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(Request.self, from: Data($0.utf8)) }
    }

    /// The requests the server accepted with a 2xx.
    public func accepted() throws -> [Request] {
        try requests().filter { ($0.status ?? 0) / 100 == 2 }
    }
}
