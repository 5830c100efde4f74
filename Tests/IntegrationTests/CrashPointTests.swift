import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Every report owner-report derives itself, with its writer killed between each two of its durable
/// steps (`CrashPoint`): the driver's recovery and the sender's retry must give exactly one report per
/// cause, delivered once, and a ledger `verify` passes. docs/design.md §3 has the table these prove.
@Suite struct CrashPointTests {
    /// One way of deriving reports: a command run (then run again, as its sender retries), and the
    /// causes it must end up having enqueued and delivered exactly once.
    struct Scenario: CustomTestStringConvertible, @unchecked Sendable {
        var name: String
        /// Run without a crash first (an incident to resolve), with what each reads on stdin.
        var before: [(arguments: [String], stdin: String?)] = []
        var command: [String]
        var stdin: String? = nil
        var causes: [String]
        var testDescription: String { name }
    }

    static let firing = IncidentTests.payload(status: "firing")
    static let resolved = IncidentTests.payload(
        status: "resolved", endsAt: "2026-11-20T00:30:00.123Z", secondEndsAt: "2026-11-20T00:07:00Z")
    static let first = "am-c4f9a1b2d3e4f506"
    static let second = "am-0a1b2c3d4e5f6071"

    static let scenarios: [Scenario] = [
        Scenario(
            name: "alertmanager firing", command: ["alertmanager", "-"], stdin: firing,
            causes: [
                "incident:\(first):opened:2026-11-20T00:00:00.123000Z",
                "incident:\(second):opened:2026-11-20T00:02:00.000000Z",
            ]),
        Scenario(
            name: "alertmanager resolved", before: [(["alertmanager", "-"], firing)], command: ["alertmanager", "-"],
            stdin: resolved,
            causes: [
                "incident:\(first):resolved:2026-11-20T00:00:00.123000Z",
                "incident:\(first):postmortem:2026-11-20T00:00:00.123000Z",
                "incident:\(second):resolved:2026-11-20T00:02:00.000000Z",
            ]),
        Scenario(
            name: "incident resolve with a postmortem",
            before: [
                (
                    [
                        "incident", "open", "--id", "INC-7", "--title", "db down", "--severity", "critical", "--at",
                        "2026-11-20T08:00:00+08:00",
                    ], nil
                )
            ],
            command: [
                "incident", "resolve", "--id", "INC-7", "--at", "2026-11-20T09:00:00+08:00", "--root-cause", "disk",
            ],
            causes: [
                "incident:INC-7:resolved:2026-11-20T00:00:00.000000Z",
                "incident:INC-7:postmortem:2026-11-20T00:00:00.000000Z",
            ]),
        Scenario(name: "daily", command: ["daily", "--at", "2026-11-21T08:00:00+08:00"], causes: ["daily:2026-11-21"]),
    ]

    @Test(arguments: scenarios, CrashPoint.all)
    func aWriterKilledBetweenDurableStepsGivesEachCauseOneReport(scenario: Scenario, point: String) throws {
        let fixture = try ReportsFixture()
        func produce(_ arguments: [String], stdin: String?, crash: String? = nil) throws -> Program.Outcome {
            fixture.extraEnvironment = crash.map { ["OWNER_REPORT_FAULT_CRASH_AT": $0] } ?? [:]
            defer { fixture.extraEnvironment = [:] }
            return try fixture.produce(arguments, stdinText: stdin, now: "2026-11-21T00:00:00Z")
        }
        for (arguments, stdin) in scenario.before {
            let made = try produce(arguments, stdin: stdin)
            #expect(made.status == 0, "\(made)")
        }
        #expect(try fixture.drive().status == 0)

        let killed = try produce(scenario.command, stdin: scenario.stdin, crash: point)
        #expect(killed.status != 0 || point == CrashPoint.partlyLinked, "the crash point is on this path: \(killed)")
        // The driver's start publishes what committed and removes what did not; the sender retries.
        let recovering = try fixture.drive()
        #expect(recovering.status == 0, "\(recovering)")
        let retry = try produce(scenario.command, stdin: scenario.stdin)
        #expect(retry.status == 0, "\(retry)")
        #expect(try fixture.drive().status == 0)

        let ledger = try Ledger(queue: fixture.queue)
        let enqueued = try ledger.allEvents().filter { $0.kind == .enqueued }
        var ids: [String] = []
        for cause in scenario.causes {
            let rows = enqueued.filter { ReportFacts(json: $0.facts)?.cause == cause }
            #expect(rows.count == 1, "\(point): \(cause) enqueued \(rows.count) times")
            ids += rows.compactMap(\.report)
        }
        let delivered = try fixture.sink.reportIDs()
        for id in ids {
            #expect(
                delivered.filter { $0 == id }.count == 1,
                "\(point): \(id) delivered once, not \(delivered.filter { $0 == id }.count)")
        }
        #expect(delivered.count == Set(delivered).count, "\(point): no report delivered twice: \(delivered)")
        #expect(directoryNames(fixture.queue.tmp).isEmpty && directoryNames(fixture.queue.pending).isEmpty)
        let verify = try fixture.archive(["verify"])
        #expect(verify.status == 0, "\(verify)")
    }
}
