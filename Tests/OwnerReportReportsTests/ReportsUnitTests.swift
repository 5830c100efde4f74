import Foundation
import OwnerReportCore
import OwnerReportLedger
@testable import OwnerReportReports
import Testing

@Suite struct ISOWeekTests {
    let taipei = TimeZone(identifier: "Asia/Taipei") ?? .gmt

    @Test func aWeekRunsMondayToMondayInItsZone() throws {
        let week = try #require(ISOWeek("2026-W47", timeZone: taipei))
        #expect(week.start.iso8601UTC == "2026-11-15T16:00:00.000000Z")
        #expect(week.end.iso8601UTC == "2026-11-22T16:00:00.000000Z")
        #expect(week.description == "2026-W47")
    }

    @Test func sundayEveningUTCIsMondayInTaipei() throws {
        let sunday = try #require(Timestamp.parse("2026-11-22T23:30:00Z", in: .gmt))
        #expect(ISOWeek(containing: sunday, timeZone: taipei).description == "2026-W48")
        #expect(ISOWeek(containing: sunday, timeZone: .gmt).description == "2026-W47")
    }

    @Test func weeksThatDoNotExistAreRefused() {
        #expect(ISOWeek("2025-W53", timeZone: taipei) == nil, "2025 starts on a Wednesday: 52 weeks")
        #expect(ISOWeek("2026-W53", timeZone: taipei) != nil, "2026 starts on a Thursday: 53 weeks")
        #expect(ISOWeek("2026-47", timeZone: taipei) == nil)
        #expect(ISOWeek("2026-W00", timeZone: taipei) == nil)
        #expect(ISOWeek("2026W01", timeZone: taipei)?.start.iso8601UTC == "2025-12-28T16:00:00.000000Z")
    }
}

@Suite struct TimestampParsingTests {
    let taipei = TimeZone(identifier: "Asia/Taipei") ?? .gmt

    @Test func offsetsFractionsAndWallClockTimes() {
        #expect(Timestamp.parse("2026-11-20T08:00:00.123+08:00", in: .gmt)?.iso8601UTC == "2026-11-20T00:00:00.123000Z")
        #expect(Timestamp.parse("2026-11-20T00:00:00Z", in: taipei)?.iso8601UTC == "2026-11-20T00:00:00.000000Z")
        #expect(Timestamp.parse("2026-11-20T08:00", in: taipei)?.iso8601UTC == "2026-11-20T00:00:00.000000Z")
        #expect(Timestamp.parse("2026-11-20 08:00:30", in: taipei)?.iso8601UTC == "2026-11-20T00:00:30.000000Z")
        #expect(Timestamp.parse("2026-11-20", in: taipei)?.iso8601UTC == "2026-11-19T16:00:00.000000Z")
        #expect(Timestamp.parse("2026-11-20T01:00:00-05:30", in: .gmt)?.iso8601UTC == "2026-11-20T06:30:00.000000Z")
    }

    @Test func nonsenseIsNil() {
        for text in [
            "", "yesterday", "2026-02-30", "2026-11-20T25:00", "2026-11-20T08:00Zjunk", "2026-11-20T08:00:00.",
            "0001-01-0",
        ] {
            #expect(Timestamp.parse(text, in: .gmt) == nil, "\(text)")
        }
    }

    @Test func aWallClockTimeFollowsDaylightSaving() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        #expect(Timestamp.parse("2026-07-01T12:00", in: berlin)?.iso8601UTC == "2026-07-01T10:00:00.000000Z")
        #expect(Timestamp.parse("2026-12-01T12:00", in: berlin)?.iso8601UTC == "2026-12-01T11:00:00.000000Z")
    }
}

@Suite struct TeamMapTests {
    let map = TeamMap(teams: [
        .init(id: "platform", name: "Platform", emails: ["alice@corp.example"], keywords: ["api"]),
        .init(id: "infra", name: "infra", emails: [], keywords: ["k8s", "ci", "build"]),
    ])

    @Test func emailThenScopeThenTypeThenOther() {
        #expect(
            map.team(email: "Alice@Corp.example", subject: "fix(k8s): x") == "platform",
            "the e-mail wins, case-insensitively")
        #expect(map.team(email: "bob@x", subject: "fix(k8s/nginx): x") == "infra")
        #expect(map.team(email: "bob@x", subject: "feat(web, api)!: x") == "platform")
        #expect(map.team(email: "bob@x", subject: "build: bump") == "infra", "the type when the scope says nothing")
        #expect(map.team(email: "bob@x", subject: "docs(readme): x") == "other")
        #expect(map.team(email: "bob@x", subject: "Merge the thing: api") == "other", "not a conventional header")
    }

    @Test func conventionalHeaders() {
        #expect(
            ConventionalCommit("feat(api)!: x")?.type == "feat" && ConventionalCommit("feat(api)!: x")?.scope == "api")
        #expect(ConventionalCommit("fix: x")?.scope == nil)
        #expect(ConventionalCommit("no colon here") == nil)
    }

    @Test func aTeamsFileIsCheckedKeyByKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("teams-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = "\(directory)/bad.toml"
        try Data("[teams.a]\nemail = [\"x@y\"]\n".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(throws: TeamMap.Error.self) { try TeamMap(file: bad) }
        do {
            _ = try TeamMap(file: bad)
        } catch {
            #expect(error.description == "\(bad): teams.a.email: unknown key (name, emails, keywords)")
        }
        let good = "\(directory)/good.toml"
        try Data("[teams.b]\nemails = [\"X@Y\"]\n[teams.a]\nname = \"A team\"\n".utf8).write(
            to: URL(fileURLWithPath: good))
        let loaded = try TeamMap(file: good)
        #expect(loaded.teams.map(\.id) == ["a", "b"] && loaded.name(of: "a") == "A team")
        #expect(loaded.team(email: "x@y", subject: "x") == "b")
    }
}

@Suite struct FiguresTests {
    @Test func nearestRankPercentiles() {
        #expect(DailyKPIs.percentile([], 50) == nil)
        #expect(DailyKPIs.percentile([7], 95) == 7)
        #expect(DailyKPIs.percentile([1, 2, 3, 4], 50) == 2)
        #expect(DailyKPIs.percentile(Array(1...100).map(Double.init), 95) == 95)
        #expect(DailyKPIs.percentile([5, 1, 4, 2, 3], 95) == 5)
    }

    @Test func durationsNeverRoundUpToAThreshold() {
        #expect(DurationText.describe(.seconds(599)) == "9 min 59 s")
        #expect(DurationText.describe(.seconds(600)) == "10 min")
        #expect(DurationText.describe(.milliseconds(400)) == "0.4 s")
        #expect(DurationText.describe(.seconds(3 * 3600 + 5 * 60)) == "3 h 05 min")
        #expect(DurationText.describe(.seconds(86400 * 2 + 3600)) == "2 d 1 h")
    }

    func kpis(delivered: Int, failed: Int, latencies: [Double] = [], open: [Incident] = []) -> DailyKPIs {
        var value = DailyKPIs.empty(start: Timestamp(seconds: 0), end: Timestamp(seconds: 86400))
        value.delivered = delivered
        value.failed = failed
        value.latencies = latencies
        value.incidentsOpenAtEnd = open
        return value
    }

    @Test func theVerdictFollowsItsStatedThresholds() {
        #expect(HealthVerdict(kpis(delivered: 0, failed: 0)).level == .healthy)
        #expect(HealthVerdict(kpis(delivered: 99, failed: 0, latencies: [300])).level == .healthy)
        #expect(HealthVerdict(kpis(delivered: 99, failed: 0, latencies: [301])).level == .attention)
        #expect(HealthVerdict(kpis(delivered: 9, failed: 1)).level == .attention)
        #expect(HealthVerdict(kpis(delivered: 8, failed: 1)).level == .unhealthy)
        #expect(HealthVerdict(kpis(delivered: 1, failed: 0, latencies: [1801])).level == .unhealthy)
        let critical = Incident(id: "I", title: "t", severity: "critical", openedAt: Timestamp(seconds: 1))
        let minor = Incident(id: "J", title: "t", severity: "info", openedAt: Timestamp(seconds: 1))
        #expect(HealthVerdict(kpis(delivered: 1, failed: 0, open: [critical])).level == .unhealthy)
        #expect(HealthVerdict(kpis(delivered: 1, failed: 0, open: [minor])).reasons == ["1 incident(s) open"])
    }
}

@Suite struct FleetKPITests {
    /// A host's ledger in memory: `notes` notes enqueued and delivered, one failed, and an incident INC-1.
    static func host(notes: Int, at day: String) throws -> Ledger {
        let ledger = try Ledger.scratch()
        let at = try #require(Timestamp(iso8601UTC: "\(day)T01:00:00.000000Z"))
        for index in 0..<notes {
            let report = "r\(index).md"
            try ledger.append(
                .init(.enqueued, report: report, enqueuedAt: at, facts: "{\"kind\":\"note\",\"title\":\"n\"}"), at: at)
            try ledger.append(
                .init(.delivered, report: report, destination: "owner"),
                at: at.adding(nanoseconds: Int64(index + 1) * 1_000_000_000))
        }
        try ledger.append(.init(.failed, report: "bad.md", detail: "rejected"), at: at)
        let incident = Incident(id: "INC-1", title: "disk", severity: "critical", openedAt: at)
        try ledger.append(.init(.incidentOpened, facts: incident.factsJSON), at: at)
        return ledger
    }

    @Test func aFleetsFiguresAreTheSumOfItsHostsAndItsIncidentsAreNamedByHost() throws {
        let start = try #require(Timestamp(iso8601UTC: "2026-11-20T00:00:00.000000Z"))
        let end = start.adding(nanoseconds: 86_400 * 1_000_000_000)
        let hosts = [
            ("web-1", try Self.host(notes: 2, at: "2026-11-20")), ("db-1", try Self.host(notes: 3, at: "2026-11-20")),
        ]
        let fleet = try DailyKPIs(fleet: hosts, start: start, end: end)
        let own = try hosts.map { try DailyKPIs(ledger: $0.1, start: start, end: end) }
        #expect(fleet.enqueued == own.map(\.enqueued).reduce(0, +) && fleet.enqueued == 5)
        #expect(fleet.delivered == 5 && fleet.failed == 2)
        #expect(fleet.latencies.sorted() == own.flatMap(\.latencies).sorted())
        #expect(fleet.hosts.map(\.host) == ["web-1", "db-1"] && fleet.hosts.map(\.delivered) == [2, 3])
        #expect(
            Set(fleet.incidentsOpenAtEnd.map(\.id)) == ["web-1/INC-1", "db-1/INC-1"],
            "each host numbers its own incidents")
    }
}
