import Foundation
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
import Testing
import TestSupport

/// Alertmanager's dead man's switch end to end, in real time: Debian's Prometheus fires `Watchdog`
/// always, Debian's Alertmanager repeats it to the intake every 2 s, `[expect.alertmanager]` awaits
/// it every 4 s with 2 s of grace, and the real watchdog passes every half second.
@Suite struct DeadMansSwitchTests {
    static let every = 4.0
    static let grace = 2.0

    @Test func stoppingAlertmanagerOpensTheIncidentWithinEveryPlusGraceAndStartingItAgainResolvesIt() throws {
        let intake = try IntakeFixture(
            extraConfig: """
                [expect.alertmanager]
                match = { alertname = "Watchdog" }
                every = "\(Int(Self.every))s"
                grace = "\(Int(Self.grace))s"
                """)
        let alertmanager = try AlertmanagerServer(intake: intake, repeatInterval: "2s")
        let prometheus = try PrometheusServer(alertmanagerPort: alertmanager.port)
        defer { withExtendedLifetime(prometheus) {} }

        let ledger = try intake.ledger()
        func receipts() throws -> [Timestamp] {
            try ledger.query(
                "WHERE event = 'alert_received' AND json_extract(facts, '$.alertname') = 'Watchdog' ORDER BY seq", []
            )
            .compactMap { Timestamp(iso8601UTC: $0.time) }
        }
        func incident() throws -> Incident? { try IncidentBook(ledger: ledger).incident(id: "expect-alertmanager") }
        func pass() throws {
            let outcome = try Program.watchdog.run(
                ["--queue", intake.queue.root, "--config", intake.fixture.configPath],
                environment: intake.fixture.environment.merging(IntakeFixture.environment) { $1 })
            #expect(!outcome.stderr.contains("expectations:"), "\(outcome)")
        }

        #expect(
            eventually(timeout: .seconds(60)) { ((try? receipts().count) ?? 0) >= 3 },
            "Prometheus → Alertmanager → intake, repeated")
        try pass()
        #expect(try incident() == nil, "while Alertmanager repeats the Watchdog, nothing is missed")
        #expect(
            try IncidentBook(ledger: ledger).all().isEmpty,
            "the Watchdog alert itself is a sign of life, not an incident")

        alertmanager.stop()
        let stopped = Timestamp.now()
        let last = try #require(try receipts().last)
        let seen = eventually(timeout: .seconds(30), interval: .milliseconds(500)) {
            (try? pass()) != nil && (try? incident())??.isOpen == true
        }
        let noticed = Timestamp.now()
        let opened = try #require(try incident(), "stopping Alertmanager opened nothing")
        #expect(seen && opened.isOpen)
        #expect(
            opened.openedAt == last.adding(nanoseconds: Int64((Self.every + Self.grace) * 1e9)),
            "it opens at the last receipt + every + grace")
        let within = Double(noticed.rawValue - stopped.rawValue) / 1e9
        #expect(
            within <= Self.every + Self.grace + 2,
            "noticed \(within) s after the stop; every + grace is \(Self.every + Self.grace) s")
        #expect(opened.title.hasPrefix("alertmanager has not reported since"), "\(opened.title)")

        try alertmanager.start()
        let back = eventually(timeout: .seconds(60), interval: .milliseconds(500)) {
            (try? pass()) != nil && (try? incident())??.isOpen == false
        }
        #expect(back, "starting Alertmanager again resolves it")
        let resolved = try #require(try incident())
        let firstBack = try receipts().first { $0 > opened.openedAt }
        #expect(
            resolved.resolvedAt != nil && resolved.resolvedAt == firstBack,
            "it resolves at the first receipt after the deadline")
        let titles = try ledger.query("WHERE event = 'enqueued' ORDER BY seq", []).compactMap {
            ReportFacts(json: $0.facts)?.title
        }
        #expect(titles.filter { $0.hasPrefix("expect-alertmanager opened") }.count == 1, "\(titles)")
        #expect(titles.filter { $0.hasPrefix("expect-alertmanager resolved") }.count == 1, "\(titles)")
        #expect(intake.stop().status == 0)
    }
}
