import Foundation
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
import Testing
import TestSupport

/// Debian's Alertmanager posting 30 alerts straight to the intake, which is killed with SIGKILL at
/// random moments while it handles them and started again; Alertmanager retries what it never saw
/// answered. Each run must give exactly one opened and one resolved report per alert, and a
/// postmortem for exactly the 10 that lasted long enough. A few runs in `make test`, 50 in `make faults`.
@Suite struct AlertmanagerKillTests {
    static let alerts = 30
    static let long = 10

    @Test func theIntakeKilledWhileAlertmanagerPostsGivesEachAlertOneStory() throws {
        let intake = try IntakeFixture()
        let alertmanager = try AlertmanagerServer(intake: intake, groupBy: ["alertname", "run"])
        let runs = powerCutRounds(quick: 2, full: 50)
        var kills = 0
        for run in 1...runs {
            let now = Timestamp.now()
            func alert(_ index: Int, ended: Bool) -> String {
                // The first ten began 25 minutes ago: their resolution is due a postmortem.
                let started = now.adding(nanoseconds: -Int64(index < Self.long ? 25 : 2) * 60 * 1_000_000_000)
                    .iso8601UTC
                let end = ended ? #", "endsAt": "\#(Timestamp.now().iso8601UTC)""# : ""
                return
                    #"{"labels": {"alertname": "DiskFull", "run": "\#(run)", "disk": "\#(index)", "severity": "critical"}, "annotations": {"summary": "run \#(run) alert \#(index)"}, "startsAt": "\#(started)"\#(end)}"#
            }
            for ended in [false, true] {
                let before = try count(intake, run: run, change: ended ? "resolved" : "opened")
                #expect(
                    alertmanager.postWhenReady(
                        "[" + (0..<Self.alerts).map { alert($0, ended: ended) }.joined(separator: ", ") + "]"))
                // Kill it while it works: after a random number of this run's reports are committed.
                for _ in 1...(ended ? 1 : 2) {
                    let target = before + Int.random(in: 1...(Self.alerts - 1))
                    if eventually(
                        timeout: .seconds(30),
                        { (try? count(intake, run: run, change: ended ? "resolved" : "opened")) ?? 0 >= target })
                    {
                        try intake.restart()
                        kills += 1
                    }
                }
                let settled = eventually(timeout: .seconds(60)) {
                    (try? count(intake, run: run, change: ended ? "resolved" : "opened")) ?? 0 >= Self.alerts
                }
                #expect(settled, "run \(run): Alertmanager's retries did not reach every alert")
            }
            // The last notification may still be arriving; a retried one must change nothing.
            Thread.sleep(forTimeInterval: 1.5)
            try checkStory(intake, run: run)
        }
        let verify = try Program.archiver.run(
            ["verify", "--queue", intake.queue.root, "--config", intake.fixture.configPath],
            environment: intake.fixture.environment)
        #expect(verify.status == 0, "\(verify)")
        #expect(kills >= runs * 2, "the intake was killed \(kills) times in \(runs) runs")
        #expect(intake.stop().status == 0)
    }

    /// This run's incidents (by their title), from the ledger.
    func incidents(_ intake: IntakeFixture, run: Int) throws -> [Incident] {
        try IncidentBook(ledger: intake.ledger()).all().values.filter { $0.title.hasPrefix("run \(run) alert ") }
    }

    /// How many of this run's reports for `change` were committed.
    func count(_ intake: IntakeFixture, run: Int, change: String) throws -> Int {
        let ids = Set(try incidents(intake, run: run).map(\.id))
        return try intake.ledger().allEvents().filter { event in
            guard event.kind == .enqueued, let cause = ReportFacts(json: event.facts)?.cause else { return false }
            let parts = cause.split(separator: ":")
            return parts.count > 2 && parts[2] == change && ids.contains(String(parts[1]))
        }.count
    }

    func checkStory(_ intake: IntakeFixture, run: Int) throws {
        let incidents = try incidents(intake, run: run)
        #expect(incidents.count == Self.alerts, "run \(run): \(incidents.count) incidents for \(Self.alerts) alerts")
        let enqueued = try intake.ledger().allEvents().filter { $0.kind == .enqueued }
        let causes = enqueued.compactMap { ReportFacts(json: $0.facts)?.cause }
        for incident in incidents {
            #expect(!incident.isOpen, "run \(run): \(incident.id) is still open")
            for change in ["opened", "resolved"] {
                let made = causes.filter { $0 == IncidentDesk.cause(of: incident, change) }.count
                #expect(made == 1, "run \(run): \(incident.id) has \(made) \(change) report(s)")
            }
            let due = (incident.duration ?? .zero) >= .seconds(10 * 60)
            let postmortems = causes.filter { $0 == IncidentDesk.cause(of: incident, "postmortem") }.count
            #expect(
                postmortems == (due ? 1 : 0), "run \(run): \(incident.id) has \(postmortems) postmortem(s), due: \(due)"
            )
        }
        let postmortems = causes.filter {
            $0.contains(":postmortem:") && incidents.map(\.id).contains(String($0.split(separator: ":")[1]))
        }
        #expect(
            postmortems.count == Self.long, "run \(run): \(postmortems.count) postmortems for \(Self.long) long alerts")
        // Every one of them is in pending/: what a kill left in tmp/ was published by the next start.
        let pending = Set(directoryNames(intake.queue.pending))
        let ids = Set(incidents.map(\.id))
        for event in enqueued {
            guard let cause = ReportFacts(json: event.facts)?.cause,
                ids.contains(String(cause.split(separator: ":")[1])), let report = event.report
            else { continue }
            #expect(pending.contains(report), "run \(run): \(report) was committed and is not in pending/")
        }
    }
}
