import Foundation
import OwnerReportCore
import Testing

@Suite struct QuietHoursTests {
    let taipei = TimeZone(identifier: "Asia/Taipei") ?? .gmt

    func at(_ text: String) throws -> Timestamp { try #require(Timestamp.parse(text, in: taipei)) }

    @Test func aWindowAcrossMidnightHoldsFromItsStartUntilItsEnd() throws {
        let quiet = try #require(QuietHours("23:00-07:00"))
        #expect(quiet.description == "23:00-07:00")
        #expect(!quiet.contains(try at("2026-11-20T22:59"), in: taipei))
        #expect(quiet.contains(try at("2026-11-20T23:00"), in: taipei))
        #expect(quiet.contains(try at("2026-11-21T03:00"), in: taipei))
        #expect(quiet.contains(try at("2026-11-21T06:59"), in: taipei))
        #expect(!quiet.contains(try at("2026-11-21T07:00"), in: taipei))
        #expect(quiet.nextEnd(after: try at("2026-11-20T23:30"), in: taipei) == (try at("2026-11-21T07:00")))
        #expect(quiet.nextEnd(after: try at("2026-11-21T03:00"), in: taipei) == (try at("2026-11-21T07:00")))
        #expect(quiet.lastEnd(atOrBefore: try at("2026-11-21T07:01"), in: taipei) == (try at("2026-11-21T07:00")))
        #expect(quiet.lastEnd(atOrBefore: try at("2026-11-21T06:59"), in: taipei) == (try at("2026-11-20T07:00")))
    }

    @Test func aWindowWithinADayAndWhatIsNotAWindow() throws {
        let lunch = try #require(QuietHours("12:00-13:30"))
        let (inside, after) = (try at("2026-11-20T12:45"), try at("2026-11-20T13:30"))
        #expect(lunch.contains(inside, in: taipei) && !lunch.contains(after, in: taipei))
        #expect(lunch.nextEnd(after: try at("2026-11-20T14:00"), in: taipei) == (try at("2026-11-21T13:30")))
        for bad in ["", "23:00", "23:00-23:00", "24:00-07:00", "23:60-07:00", "7:00-8:00", "23:00–07:00", "night"] {
            #expect(QuietHours(bad) == nil, "\(bad)")
        }
    }
}
