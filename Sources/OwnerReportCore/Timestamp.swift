#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A point in time as whole nanoseconds since the Unix epoch, UTC.
///
/// Queue order and the ledger need exact, totally ordered times; `Date` is a `Double` and loses the
/// nanoseconds that producer-made names carry.
public struct Timestamp: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The timestamp of whole `seconds` and `nanoseconds` since the epoch.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        rawValue = seconds * 1_000_000_000 + nanoseconds
    }

    /// The current time from the real-time clock.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }

    public var seconds: Int64 { rawValue >= 0 ? rawValue / 1_000_000_000 : (rawValue - 999_999_999) / 1_000_000_000 }
    public var nanoseconds: Int64 { rawValue - seconds * 1_000_000_000 }
    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// This time moved by a number of nanoseconds.
    public func adding(nanoseconds delta: Int64) -> Timestamp { Timestamp(rawValue: rawValue + delta) }

    /// Fixed-width UTC form used in queue file names: `20261123T081500.123456789Z`.
    public var compactUTC: String {
        let parts = brokenDown(offsetSeconds: 0)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d.%09lldZ",
            parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, nanoseconds)
    }

    /// ISO 8601 in UTC with microseconds, as the ledger stores times: `2026-11-23T08:15:00.123456Z`.
    public var iso8601UTC: String {
        let parts = brokenDown(offsetSeconds: 0)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
            parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, nanoseconds / 1000)
    }

    /// Reads `iso8601UTC`'s form back (the ledger's `at`); nil for anything else.
    public init?(iso8601UTC text: String) {
        let fields = text.split(whereSeparator: { "-T:.Z".contains($0) }).map { Int64($0) }
        guard text.hasSuffix("Z"), fields.count == 7, fields.allSatisfy({ $0 != nil }) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(fields[0] ?? 0) - 1900
        parts.tm_mon = Int32(fields[1] ?? 0) - 1
        parts.tm_mday = Int32(fields[2] ?? 0)
        parts.tm_hour = Int32(fields[3] ?? 0)
        parts.tm_min = Int32(fields[4] ?? 0)
        parts.tm_sec = Int32(fields[5] ?? 0)
        let seconds = timegm(&parts)
        self.init(seconds: Int64(seconds), nanoseconds: (fields[6] ?? 0) * 1000)
    }

    /// ISO 8601 to the second in a time zone, with its offset: `2026-11-23T16:15:00+08:00`.
    public func iso8601(in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let parts = brokenDown(offsetSeconds: offset)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d",
            parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second,
            sign, magnitude / 3600, (magnitude % 3600) / 60)
    }

    public var description: String { iso8601UTC }

    /// Parses the fixed-width UTC form of `compactUTC`; nil when `text` is not exactly that.
    public init?(compactUTC text: Substring) {
        let bytes = Array(text.utf8)
        guard bytes.count == 26, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "."),
            bytes[25] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            let nanos = number(16..<25), (1...12).contains(month), (1...31).contains(day), hour < 24,
            minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        self.init(seconds: Int64(timegm(&parts)), nanoseconds: nanos)
    }

    private func brokenDown(offsetSeconds: Int) -> (
        year: Int32, month: Int32, day: Int32, hour: Int32, minute: Int32, second: Int32
    ) {
        var time = time_t(seconds + Int64(offsetSeconds))
        var parts = tm()
        gmtime_r(&time, &parts)
        return (parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
