import Foundation
import OwnerReportCore
import TestSupport

/// Debian's Alertmanager on 127.0.0.1, sending every group's notifications (firing and resolved)
/// to an intake's `/v1/alertmanager` with its bearer token, and retrying what fails as it does.
final class AlertmanagerServer: @unchecked Sendable {
    let directory = TemporaryDirectory("owner-report-alertmanager")
    let port: Int
    private let config: String
    private var running: RunningProgram?

    /// - Parameter repeatInterval: how often a firing group is notified again (Alertmanager's
    ///   `repeat_interval`; a dead man's switch needs it shorter than its expectation's `every`).
    init(intake: IntakeFixture, groupBy: [String] = ["alertname"], repeatInterval: String = "1h") throws {
        port = try freePort()
        config = try directory.write(
            "alertmanager.yml",
            """
            route:
              receiver: intake
              group_by: [\(groupBy.joined(separator: ", "))]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: \(repeatInterval)
            receivers:
              - name: intake
                webhook_configs:
                  - url: \(intake.baseURL)/v1/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials: \(IntakeFixture.token)
            """)
        try start()
    }

    deinit { stop() }

    /// Starts it (again) on its port, with the notification log it kept.
    func start() throws {
        let alertmanager = Process()
        alertmanager.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        alertmanager.arguments = [
            "--config.file=\(config)", "--storage.path=\(directory.appending("data"))",
            "--web.listen-address=127.0.0.1:\(port)",
            "--cluster.listen-address=",
        ]
        running = try RunningProgram.launch(alertmanager, input: nil)
    }

    /// Stops it as an outage would: SIGKILL, nothing more is sent.
    func stop() {
        running?.signal(SIGKILL)
        _ = running?.wait()
        running = nil
    }

    /// Posts alerts (a JSON array) to its API; 0 when it took them.
    func post(_ alerts: String) throws -> Int32 {
        try runTool([
            "python3", "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'}), timeout=5)",
            "http://127.0.0.1:\(port)/api/v2/alerts", alerts,
        ]).status
    }

    /// Posts until it answers (it takes a moment to start).
    func postWhenReady(_ alerts: String) -> Bool {
        eventually(timeout: .seconds(20)) { (try? post(alerts)) == 0 }
    }
}
