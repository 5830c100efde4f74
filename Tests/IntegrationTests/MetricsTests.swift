import Foundation
import OwnerReportCore
import Testing
import TestSupport

/// The watchdog's textfile as Debian's own tools read it: `promtool check metrics` and a real
/// `prometheus-node-exporter` serving it (as the `prometheus` user when the tests run as root).
@Suite struct MetricsTests {
    /// A queue with one unreadable report and one the destination refused, each with its sidecar in failed/,
    /// and the watchdog run once with its metrics in `textfile/`.
    static func watchedQueue() throws -> (fixture: DriverFixture, metrics: String) {
        let fixture = try DriverFixture(
            top: "fallback_destination = \"local\"",
            extra: "\n[watchdog]\nmetrics_path = \"textfile/owner_report.prom\"")
        chmod(fixture.directory.path, 0o755)
        let textfile = fixture.directory.appending("textfile")
        try FileManager.default.createDirectory(
            atPath: textfile, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try fixture.sink.plan([], default: ["status": 400, "body": "bad message"])
        _ = try fixture.enqueueNotes(1)
        try fixture.queue.prepare()
        try fixture.directory.write("queue/pending/broken.md", "---\nkind: note\nno end of front matter\n")
        let drained = try fixture.drive()
        #expect(drained.status == 0, "\(drained)")
        #expect(directoryNames(fixture.queue.failed).count == 4, "two reports and their sidecars")
        let run = try Program.watchdog.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath], environment: fixture.environment)
        #expect(run.status == 0, "\(run)")
        return (fixture, "\(textfile)/owner_report.prom")
    }

    @Test func theTextfileIsWorldReadableAndCountsReportsNotSidecars() throws {
        let (fixture, metrics) = try Self.watchedQueue()
        defer { withExtendedLifetime(fixture) {} }
        let attributes = try FileManager.default.attributesOfItem(atPath: metrics)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("owner_report_failed 2\n"), "\(text)")
        #expect(text.contains("owner_report_failed_total{destination=\"hook\"} 1\n"), "\(text)")
        #expect(text.contains("owner_report_unreadable_total 1\n"), "\(text)")
        #expect(!text.contains("destination=\"\""), "\(text)")
        let directory = DurableFile.directoryName(of: metrics)
        #expect(directoryNames(directory) == ["owner_report.prom"], "no staging file left beside it")
        let checked = try runTool(["sh", "-c", "promtool check metrics < '\(metrics)'"])
        #expect(checked.status == 0, "\(checked.output)")
    }

    @Test func debiansNodeExporterServesTheSeriesWithoutAScrapeError() throws {
        let (fixture, metrics) = try Self.watchedQueue()
        defer { withExtendedLifetime(fixture) {} }
        let port = try freePort()
        var command = [
            "/usr/bin/prometheus-node-exporter", "--web.listen-address=127.0.0.1:\(port)",
            "--collector.disable-defaults",
            "--collector.textfile", "--collector.textfile.directory=\(DurableFile.directoryName(of: metrics))",
        ]
        // As root, the exporter runs as Debian's `prometheus` user, who owns none of the queue.
        if geteuid() == 0, getpwnam("prometheus") != nil {
            command = ["/usr/bin/setpriv", "--reuid=prometheus", "--regid=prometheus", "--init-groups", "--"] + command
        }
        let exporter = Process()
        exporter.executableURL = URL(fileURLWithPath: command[0])
        exporter.arguments = Array(command.dropFirst())
        exporter.standardOutput = FileHandle.nullDevice
        exporter.standardError = FileHandle.nullDevice
        try exporter.run()
        defer {
            exporter.terminate()
            exporter.waitUntilExit()
        }
        var page = ""
        #expect(
            eventually {
                page =
                    (try? runTool([
                        "python3", "-c",
                        "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())",
                        "http://127.0.0.1:\(port)/metrics",
                    ]).output) ?? ""
                return page.contains("node_textfile_scrape_error")
            }, "the exporter did not answer")
        #expect(page.contains("node_textfile_scrape_error 0\n"), "\(page)")
        #expect(page.contains("owner_report_pending 0\n"), "\(page)")
        #expect(page.contains("owner_report_failed 2\n"), "\(page)")
        #expect(page.contains("owner_report_failed_total{destination=\"hook\"} 1\n"), "\(page)")
    }
}
