import Foundation
import OwnerReportCore
import Testing

@Suite struct TimestampTests {
    @Test func compactUTCRoundTripsToTheNanosecond() throws {
        let time = Timestamp(seconds: 1_795_421_700, nanoseconds: 123_456_789)
        #expect(time.compactUTC == "20261123T081500.123456789Z")
        #expect(Timestamp(compactUTC: Substring(time.compactUTC)) == time)
    }

    @Test func producerNamesCarryTheirEnqueueTime() throws {
        let time = Timestamp(seconds: 1_795_421_700, nanoseconds: 5)
        let name = ReportName.make(at: time, kind: .checkpoint, title: "Example Task 50%!", format: .markdown)
        #expect(name.hasPrefix("20261123T081500.000000005Z-checkpoint-example-task-50-"))
        #expect(name.hasSuffix(".md"))
        #expect(ReportName.enqueueTime(of: name) == time)
        #expect(ReportName.enqueueTime(of: "my-notes.md") == nil)
        #expect(ReportName.enqueueTime(of: "20261399T081500.000000005Z-x.md") == nil)
    }

    @Test func aTitleWithoutASCIIGivesANameWithTheKindOnly() {
        let name = ReportName.make(at: Timestamp(seconds: 0), kind: .note, title: "夜間備份", format: .json)
        #expect(name.hasPrefix("19700101T000000.000000000Z-note-"))
        #expect(name.split(separator: "-").count == 3)
    }

    @Test func localTimeCarriesTheZoneOffset() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Taipei"))
        #expect(Timestamp(seconds: 1_795_421_700).iso8601(in: zone) == "2026-11-23T16:15:00+08:00")
    }

    @Test(arguments: [("30s", 30), ("10m", 600), ("24h", 86_400), ("7d", 604_800), ("1h30m", 5_400), ("45", 45)])
    func durationsParse(text: String, seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "ten", "5x", "m", "10m5"])
    func nonsenseDurationsDoNotParse(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}

/// Found by fuzz/run (fuzz-intake): an Alertmanager payload whose startsAt was in the year 1013 trapped on
/// overflow in `Timestamp(seconds:nanoseconds:)` and would have brought the intake down.
@Suite struct TimestampRangeFuzzRegressionTests {
    @Test(arguments: [
        "1013-11-24T10:00:00Z", "1677-01-01T00:00:00Z", "2263-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
    ])
    func aTimeOutsideWhatNanosecondsSinceTheEpochHoldIsRefused(text: String) {
        #expect(Timestamp.parse(text, in: .gmt) == nil)
    }

    @Test func theEdgesThatFitStillParse() {
        #expect(Timestamp.parse("1700-01-01T00:00:00Z", in: .gmt) != nil)
        #expect(Timestamp.parse("2261-12-31T00:00:00Z", in: .gmt) != nil)
    }
}
