import Foundation
import TestSupport

/// Debian's Prometheus on 127.0.0.1 with one always-firing rule (`Watchdog`, `vector(1)`), evaluated
/// every second and sent to an Alertmanager every second, as a dead man's switch is wired.
final class PrometheusServer: @unchecked Sendable {
    let directory = TemporaryDirectory("owner-report-prometheus")
    private let running: RunningProgram

    init(alertmanagerPort: Int) throws {
        let port = try freePort()
        let rules = try directory.write(
            "rules.yml",
            """
            groups:
              - name: meta
                interval: 1s
                rules:
                  - alert: Watchdog
                    expr: vector(1)
                    labels: {severity: none}
            """)
        let config = try directory.write(
            "prometheus.yml",
            """
            global:
              evaluation_interval: 1s
            rule_files: [\(rules)]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["127.0.0.1:\(alertmanagerPort)"]
            """)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        prometheus.arguments = [
            "--config.file=\(config)", "--storage.tsdb.path=\(directory.appending("data"))",
            "--web.listen-address=127.0.0.1:\(port)",
            "--rules.alert.resend-delay=1s",
        ]
        running = try RunningProgram.launch(prometheus, input: nil)
    }

    deinit {
        running.signal(SIGKILL)
        _ = running.wait()
    }
}
