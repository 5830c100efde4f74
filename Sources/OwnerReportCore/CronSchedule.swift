import Foundation

/// A five-field cron schedule (minute, hour, day of month, month, day of week) read in a time zone,
/// as crontab(5) has it: `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n` or `a-b/n`; day of
/// week 0-7 with 0 and 7 both Sunday; when both day fields are restricted, either one matching is enough.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    /// Reads `text`; throws, naming the field and the problem, when it is not five valid fields.
    public init(_ text: String) throws(CronError) {
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else {
            throw CronError(
                "'\(text)' has \(fields.count) field(s); a cron schedule has five: minute hour day month weekday")
        }
        description = fields.joined(separator: " ")
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        days = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(CronError) -> Set<Int> {
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CronError("\(name) '\(part)' has more than one step") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number > 0 else {
                    throw CronError("\(name) '\(part)': the step must be a positive number")
                }
                step = number
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]),
                    low <= high
                else {
                    throw CronError("\(name) '\(part)' is not a range such as 1-5")
                }
                span = low...high
            } else {
                guard let number = Int(pieces[0]) else {
                    throw CronError("\(name) '\(part)' is not a number, a range, a list or *")
                }
                span = number...(pieces.count == 2 ? range.upperBound : number)
            }
            guard range.contains(span.lowerBound), range.contains(span.upperBound) else {
                throw CronError("\(name) '\(part)' is outside \(range.lowerBound)-\(range.upperBound)")
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    /// The first time after `time` (strictly) that the schedule names, in `zone`; nil if none within 5 years.
    public func next(after time: Timestamp, in zone: TimeZone) -> Timestamp? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var date = Date(timeIntervalSince1970: TimeInterval(time.seconds - time.seconds % 60 + 60))
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while date < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
            guard let month = parts.month, let day = parts.day, let hour = parts.hour, let minute = parts.minute,
                let weekday = parts.weekday
            else { return nil }
            if !months.contains(month) {
                date =
                    calendar.date(from: DateComponents(year: parts.year, month: month, day: 1))
                    .flatMap { calendar.date(byAdding: .month, value: 1, to: $0) } ?? limit
                continue
            }
            let dayMatches: Bool
            let byDay = days.contains(day), byWeekday = weekdays.contains(weekday - 1)
            switch (daysRestricted, weekdaysRestricted) {
            case (true, true): dayMatches = byDay || byWeekday
            case (true, false): dayMatches = byDay
            case (false, true): dayMatches = byWeekday
            case (false, false): dayMatches = true
            }
            if !dayMatches {
                date = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date)) ?? limit
                continue
            }
            if !hours.contains(hour) {
                date =
                    calendar.date(from: DateComponents(year: parts.year, month: month, day: day, hour: hour))
                    .flatMap { calendar.date(byAdding: .hour, value: 1, to: $0) } ?? limit
                continue
            }
            if !minutes.contains(minute) {
                date = date.addingTimeInterval(60)
                continue
            }
            return Timestamp(seconds: Int64(date.timeIntervalSince1970), nanoseconds: 0)
        }
        return nil
    }
}

/// Why a cron schedule could not be read.
public struct CronError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
