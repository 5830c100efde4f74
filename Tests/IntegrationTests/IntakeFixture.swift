import Foundation
import OwnerReportCore
import OwnerReportLedger
import TestSupport

/// A queue with `owner-report-intake` listening on 127.0.0.1 and on a Unix socket, a token for
/// `/v1/reports` and `/v1/alertmanager` and a Standard Webhooks secret for `/v1/relay`.
final class IntakeFixture: @unchecked Sendable {
    static let token = "intake-token-5f1c2a9e"
    static let relaySecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let fixture: DriverFixture
    let port: Int
    var intake: RunningProgram
    var socket: String { fixture.directory.appending("intake.sock") }
    var queue: QueueDirectory { fixture.queue }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - extra: more keys of `[intake]`.
    ///   - extraConfig: more tables, after `[intake]` (`[expect.NAME]`).
    ///   - delivery: the keys of `[delivery]` instead of the driver fixture's.
    init(intake extra: String = "", extraConfig: String = "", queueRoot: String? = nil, delivery: String? = nil) throws
    {
        fixture = try DriverFixture(
            delivery: delivery ?? DriverFixture.delivery,
            extra:
                "\n[intake]\ntoken_env = \"TEST_INTAKE_TOKEN\"\nrelay_secret_env = \"TEST_RELAY_SECRET\"\n\(extra)\n\(extraConfig)",
            queueRoot: queueRoot)
        port = try freePort()
        intake = try Self.start(fixture, port: port)
        try waitUntilHealthy()
    }

    static var environment: [String: String] { ["TEST_INTAKE_TOKEN": token, "TEST_RELAY_SECRET": relaySecret] }

    static func start(_ fixture: DriverFixture, port: Int) throws -> RunningProgram {
        try Program.intake.start(
            [
                "--queue", fixture.queue.root, "--config", fixture.configPath, "--listen", "127.0.0.1:\(port)",
                "--socket",
                fixture.directory.appending("intake.sock"), "--verbose",
            ],
            environment: fixture.environment.merging(environment) { $1 })
    }

    func waitUntilHealthy() throws {
        guard eventually(timeout: .seconds(20), { (try? request("GET", "/healthz").status) == 200 }) else {
            throw TestSetupError("the intake did not answer /healthz")
        }
    }

    /// Kills the intake with SIGKILL and starts it again on the same port and queue.
    func restart() throws {
        intake.signal(SIGKILL)
        _ = intake.wait()
        intake = try Self.start(fixture, port: port)
        try waitUntilHealthy()
    }

    func stop() -> Program.Outcome {
        intake.signal(SIGTERM)
        return intake.wait()
    }

    struct Answer: Decodable {
        var status: Int
        var headers: [String: String]
        var body: String
        /// The JSON body as an object (empty when it is not one).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
    }

    /// One request through `Tests/Servers/intake_client.py`.
    func request(
        _ method: String, _ path: String, body: [UInt8] = [], headers: [String] = [], bearer: Bool = true,
        unix: Bool = false,
        sign: (id: String, timestamp: Int?)? = nil, secret: String = IntakeFixture.relaySecret
    ) throws -> Answer {
        let file = fixture.directory.appending("request-\(UUID().uuidString).body")
        try Data(body).write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        var arguments = [
            "python3", ServerProcess.script("intake_client.py"), method, baseURL + path, "--body-file", file,
        ]
        if unix { arguments += ["--unix", socket] }
        for header in headers + (bearer ? ["Authorization: Bearer \(Self.token)"] : []) {
            arguments += ["--header", header]
        }
        if let sign {
            arguments += ["--sign", secret, "--webhook-id", sign.id]
            if let timestamp = sign.timestamp { arguments += ["--timestamp", String(timestamp)] }
        }
        let outcome = try runTool(arguments)
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(outcome.output.utf8)) else {
            throw TestSetupError("intake_client.py: \(outcome.output)")
        }
        return answer
    }

    func ledger() throws -> Ledger { try Ledger(queue: queue) }
}
