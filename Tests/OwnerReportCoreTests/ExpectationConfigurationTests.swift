import Foundation
import OwnerReportCore
import Testing

@Suite struct CronScheduleTests {
    let taipei = TimeZone(identifier: "Asia/Taipei") ?? .gmt

    func next(_ cron: String, after: String, in zone: TimeZone? = nil) throws -> String? {
        try CronSchedule(cron).next(after: try #require(Timestamp(iso8601UTC: after)), in: zone ?? taipei)?.iso8601UTC
    }

    @Test func theNextTimeIsReadInTheZone() throws {
        // 03:00 in Taipei is 19:00 UTC the day before.
        #expect(try next("0 3 * * *", after: "2026-11-20T19:05:00.000000Z") == "2026-11-21T19:00:00.000000Z")
        #expect(try next("0 3 * * *", after: "2026-11-20T18:59:59.000000Z") == "2026-11-20T19:00:00.000000Z")
        #expect(
            try next("0 3 * * *", after: "2026-11-20T19:00:00.000000Z") == "2026-11-21T19:00:00.000000Z",
            "strictly after")
    }

    @Test func stepsRangesListsAndWeekdays() throws {
        #expect(
            try next("*/15 * * * *", after: "2026-11-20T00:07:00.000000Z", in: .gmt) == "2026-11-20T00:15:00.000000Z")
        #expect(
            try next("0 9-17/4 * * *", after: "2026-11-20T09:00:00.000000Z", in: .gmt) == "2026-11-20T13:00:00.000000Z")
        // Friday 17:00 (2026-11-20 is a Friday); 7 is Sunday as 0 is.
        #expect(try next("0 17 * * 5", after: "2026-11-20T17:00:00.000000Z", in: .gmt) == "2026-11-27T17:00:00.000000Z")
        #expect(try next("0 0 * * 7", after: "2026-11-20T00:00:00.000000Z", in: .gmt) == "2026-11-22T00:00:00.000000Z")
        // Both day fields restricted: either one.
        #expect(try next("0 0 1 * 1", after: "2026-11-20T00:00:00.000000Z", in: .gmt) == "2026-11-23T00:00:00.000000Z")
        #expect(
            try next("30 2 29 2 *", after: "2026-03-01T00:00:00.000000Z", in: .gmt) == "2028-02-29T02:30:00.000000Z")
    }

    @Test(arguments: [
        ("0 3 * *", "has 4 field(s)"), ("61 * * * *", "minute '61' is outside 0-59"), ("* 5-2 * * *", "is not a range"),
        ("*/0 * * * *", "the step must be a positive number"), ("* * * * mon", "day of week 'mon' is not a number"),
    ])
    func aBadScheduleIsNamed(cron: String, problem: String) {
        #expect { try CronSchedule(cron) } throws: { "\($0)".contains(problem) }
    }
}

@Suite struct ExpectationConfigurationTests {
    func parse(_ text: String) throws -> Configuration { try ConfigurationLoader.parse(text, file: "c.toml") }

    @Test func everyKeyIsRead() throws {
        let configuration = try parse(
            """
            [destinations.owner]
            channel = "file"
            [expect.backup]
            match = { source = "cron", team = "ops", task_id = "B-1", kind = "checkpoint", title = "backup *" }
            every = "1d"
            grace = "1h"
            severity = "Warning"
            destination = "owner"
            max_runtime = "2h"
            [expect.nightly]
            cron = "0 3 * * *"
            grace = "30m"
            """)
        #expect(configuration.expectations.map(\.name) == ["backup", "nightly"])
        let backup = configuration.expectations[0]
        #expect(
            backup.schedule == .every(.seconds(86_400)) && backup.grace == .seconds(3_600)
                && backup.maxRuntime == .seconds(7_200))
        #expect(backup.severity == "warning" && backup.destination == "owner")
        #expect(backup.match.source == "cron" && backup.match.taskID == "B-1" && backup.match.title == "backup *")
        #expect(
            configuration.expectations[1].schedule == .cron(try CronSchedule("0 3 * * *"))
                && configuration.expectations[1].severity == "critical")
    }

    @Test(arguments: [
        ("[expect.a]\ngrace = \"1h\"", "expect.a.every: missing"),
        ("[expect.a]\nevery = \"1d\"", "expect.a.grace: missing"),
        (
            "[expect.a]\nevery = \"1d\"\ncron = \"0 3 * * *\"\ngrace = \"1h\"",
            "expect.a.cron: give every or cron, not both"
        ),
        ("[expect.a]\ncron = \"0 3 * *\"\ngrace = \"1h\"", "expect.a.cron: '0 3 * *' has 4 field(s)"),
        ("[expect.a]\nevery = \"1d\"\ngrace = \"1h\"\nperiod = \"1d\"", "expect.a.period: unknown key"),
        ("[expect.a]\nevery = \"1d\"\ngrace = \"1h\"\nmatch = { job = \"x\" }", "expect.a.match.job: unknown key"),
        ("[expect.a]\nevery = \"1d\"\ngrace = \"1h\"\ndestination = \"nowhere\"", "expect.a.destination"),
        ("[expect.\"a b\"]\nevery = \"1d\"\ngrace = \"1h\"", "letters, digits, - and _"),
    ])
    func aWrongKeyIsNamed(text: String, problem: String) {
        #expect { try parse(text) } throws: { "\($0)".contains(problem) }
    }
}
