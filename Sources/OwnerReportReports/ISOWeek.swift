import Foundation
import OwnerReportCore

/// An ISO 8601 week (`2026-W47`) in a time zone: Monday 00:00 to the next Monday 00:00, local time.
public struct ISOWeek: Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var week: Int
    public var timeZone: TimeZone

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Reads `2026-W47` (or `2026W47`); nil when it is not an ISO week of that year.
    public init?(_ text: String, timeZone: TimeZone) {
        let parts = text.uppercased().split(separator: "W")
        guard parts.count == 2, let year = Int(parts[0].hasSuffix("-") ? parts[0].dropLast() : parts[0]),
            let week = Int(parts[1]), (1...53).contains(week), (1970...9999).contains(year)
        else { return nil }
        self.year = year
        self.week = week
        self.timeZone = timeZone
        // Week 53 exists only in some years.
        guard ISOWeek(containing: start, timeZone: timeZone) == self else { return nil }
    }

    /// The week the instant `time` falls in, in `timeZone`.
    public init(containing time: Timestamp, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: time.date)
        year = parts.yearForWeekOfYear ?? 1970
        week = parts.weekOfYear ?? 1
        self.timeZone = timeZone
    }

    /// Monday 00:00 local time.
    public var start: Timestamp {
        var parts = DateComponents()
        parts.yearForWeekOfYear = year
        parts.weekOfYear = week
        parts.weekday = 2
        parts.hour = 0
        let date = calendar.date(from: parts) ?? Date(timeIntervalSince1970: 0)
        return Timestamp(seconds: Int64(date.timeIntervalSince1970.rounded()))
    }

    /// The next Monday 00:00 local time (exclusive end).
    public var end: Timestamp {
        let date = calendar.date(byAdding: .weekOfYear, value: 1, to: start.date) ?? start.date
        return Timestamp(seconds: Int64(date.timeIntervalSince1970.rounded()))
    }

    /// `2026-W47`.
    public var description: String { String(format: "%04d-W%02d", year, week) }

    public static func == (lhs: ISOWeek, rhs: ISOWeek) -> Bool { lhs.year == rhs.year && lhs.week == rhs.week }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(year)
        hasher.combine(week)
    }
}
