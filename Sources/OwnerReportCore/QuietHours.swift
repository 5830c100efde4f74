import Foundation

/// A daily window in the configured time zone when a destination takes only critical reports
/// (`quiet_hours = "23:00-07:00"`; it may cross midnight). The rest wait, in order, for its end.
public struct QuietHours: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after local midnight.
    public let start: Int
    public let end: Int

    /// Reads `HH:MM-HH:MM`; nil for anything else, or an empty window.
    public init?(_ text: String) {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let start = Self.minutes(ends[0]), let end = Self.minutes(ends[1]), start != end else {
            return nil
        }
        self.start = start
        self.end = end
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 }), let hour = Int(parts[0]),
            let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    public var description: String {
        func text(_ minutes: Int) -> String {
            DigitText.padded(minutes / 60, 2) + ":" + DigitText.padded(minutes % 60, 2)
        }
        return "\(text(start))-\(text(end))"
    }

    /// How long the window lasts.
    public var length: Duration { .seconds(((end - start + 1440) % 1440) * 60) }

    /// Whether `time` falls in the window.
    public func contains(_ time: Timestamp, in zone: TimeZone) -> Bool {
        let clock = time.wallClock(in: zone)
        let minute = clock.hour * 60 + clock.minute
        return start < end ? (start <= minute && minute < end) : (minute >= start || minute < end)
    }

    /// The first end of the window after `time` (when the waiting reports may go).
    public func nextEnd(after time: Timestamp, in zone: TimeZone) -> Timestamp {
        var day = time.adding(nanoseconds: -86_400_000_000_000)
        for _ in 0..<3 {
            if let candidate = endOfWindow(on: day, in: zone), candidate > time { return candidate }
            day = day.adding(nanoseconds: 86_400_000_000_000)
        }
        return time.adding(nanoseconds: 86_400_000_000_000)
    }

    /// The last end of the window at or before `time`.
    public func lastEnd(atOrBefore time: Timestamp, in zone: TimeZone) -> Timestamp? {
        var day = time
        for _ in 0..<3 {
            if let candidate = endOfWindow(on: day, in: zone), candidate <= time { return candidate }
            day = day.adding(nanoseconds: -86_400_000_000_000)
        }
        return nil
    }

    private func endOfWindow(on day: Timestamp, in zone: TimeZone) -> Timestamp? {
        let clock = day.wallClock(in: zone)
        let text =
            DigitText.padded(clock.year, 4) + "-" + DigitText.padded(clock.month, 2) + "-"
            + DigitText.padded(clock.day, 2)
            + "T" + DigitText.padded(end / 60, 2) + ":" + DigitText.padded(end % 60, 2)
        return Timestamp.parse(text, in: zone)
    }
}
