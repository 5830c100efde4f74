#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import Synchronization

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

    /// The current time from the real-time clock, moved by `OWNER_REPORT_NOW` when that is set.
    public static func now() -> Timestamp {
        guard let clock = injectedClock else { return realNow() }
        // The first reading is OWNER_REPORT_NOW itself, to the nanosecond: a test that pings "at
        // 16:10" finds 16:10:00.000000 in the ledger however long a loaded machine took between the
        // two clock readings. Later readings move on from it with the real clock.
        if !firstReadingTaken.exchange(true, ordering: .relaxed) { return Timestamp(rawValue: clock.start) }
        return realNow().adding(nanoseconds: clock.offset)
    }

    private static func realNow() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int64(spec.tv_nsec))
    }

    /// The injectable clock for tests and back-fills: `OWNER_REPORT_NOW=2026-11-20T09:00:00Z` makes the
    /// process start at that time, and its clock then runs at the real pace from there. Unset, or not a
    /// time `parse` reads, the clock is the real one.
    /// `OWNER_REPORT_NOW`, and how far it is from the real clock, when it is set.
    private static let injectedClock: (start: Int64, offset: Int64)? = {
        guard let value = getenv("OWNER_REPORT_NOW").map({ String(cString: $0) }), !value.isEmpty,
            let start = parse(value, in: TimeZone.gmt)
        else { return nil }
        return (start.rawValue, start.rawValue - realNow().rawValue)
    }()

    private static let firstReadingTaken = Atomic<Bool>(false)

    public var seconds: Int64 { rawValue >= 0 ? rawValue / 1_000_000_000 : (rawValue - 999_999_999) / 1_000_000_000 }
    public var nanoseconds: Int64 { rawValue - seconds * 1_000_000_000 }
    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    /// This time moved by a number of nanoseconds.
    public func adding(nanoseconds delta: Int64) -> Timestamp { Timestamp(rawValue: rawValue + delta) }

    /// Fixed-width UTC form used in queue file names: `20261123T081500.123456789Z`.
    public var compactUTC: String {
        let parts = brokenDown(offsetSeconds: 0)
        let date = DigitText.padded(parts.year, 4) + DigitText.padded(parts.month, 2) + DigitText.padded(parts.day, 2)
        let time =
            DigitText.padded(parts.hour, 2) + DigitText.padded(parts.minute, 2) + DigitText.padded(parts.second, 2)
        return date + "T" + time + "." + DigitText.padded(nanoseconds, 9) + "Z"
    }

    /// ISO 8601 in UTC with microseconds, as the ledger stores times: `2026-11-23T08:15:00.123456Z`.
    public var iso8601UTC: String {
        let parts = brokenDown(offsetSeconds: 0)
        return Self.dayText(parts.year, parts.month, parts.day) + "T"
            + Self.clockText(parts.hour, parts.minute, parts.second)
            + "." + DigitText.padded(nanoseconds / 1000, 6) + "Z"
    }

    /// Reads `iso8601UTC`'s form back (the ledger's `at`); nil for anything else.
    public init?(iso8601UTC text: String) {
        let fields = text.split(whereSeparator: { "-T:.Z".contains($0) }).map { Int64($0) }
        guard text.hasSuffix("Z"), fields.count == 7, fields.allSatisfy({ $0 != nil }) else { return nil }
        let seconds = Self.utcSeconds(
            year: Int(fields[0] ?? 0), month: Int(fields[1] ?? 0), day: Int(fields[2] ?? 0), hour: Int(fields[3] ?? 0),
            minute: Int(fields[4] ?? 0), second: Int(fields[5] ?? 0))
        self.init(seconds: seconds, nanoseconds: (fields[6] ?? 0) * 1000)
    }

    /// ISO 8601 to the second in a time zone, with its offset: `2026-11-23T16:15:00+08:00`.
    public func iso8601(in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let parts = brokenDown(offsetSeconds: offset)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return Self.dayText(parts.year, parts.month, parts.day) + "T"
            + Self.clockText(parts.hour, parts.minute, parts.second)
            + sign + DigitText.padded(magnitude / 3600, 2) + ":" + DigitText.padded((magnitude % 3600) / 60, 2)
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
        self.init(
            seconds: Self.utcSeconds(
                year: Int(year), month: Int(month), day: Int(day), hour: Int(hour), minute: Int(minute),
                second: Int(second)),
            nanoseconds: nanos)
    }

    /// Reads a time an operator or another system writes: RFC 3339 with `Z` or an offset and optional
    /// fractions (`2026-11-23T08:00:00.5+08:00`, Alertmanager's form), or a wall-clock time in `zone`
    /// without an offset (`2026-11-23T08:00`, `2026-11-23 08:00:00`, `2026-11-23` for midnight).
    /// Nil for anything else, including impossible dates.
    public static func parse(_ text: String, in zone: TimeZone) -> Timestamp? {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func skip(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), skip(UInt8(ascii: "-")), let month = digits(2), skip(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, nanos: Int64 = 0
        if index < bytes.count {
            guard skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")) || skip(UInt8(ascii: " ")),
                let h = digits(2), skip(UInt8(ascii: ":")), let m = digits(2), h < 24, m < 60
            else { return nil }
            (hour, minute) = (h, m)
            if skip(UInt8(ascii: ":")) {
                guard let s = digits(2), s < 61 else { return nil }
                second = s
                if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
                    var scale: Int64 = 100_000_000
                    var count = 0
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        nanos += Int64(bytes[index] - 48) * scale
                        scale /= 10
                        index += 1
                        count += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
        }
        var offset: Int?
        if index < bytes.count {
            if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) {
                offset = 0
            } else {
                let negative = bytes[index] == UInt8(ascii: "-")
                guard skip(UInt8(ascii: "+")) || skip(UInt8(ascii: "-")), let h = digits(2) else { return nil }
                _ = skip(UInt8(ascii: ":"))
                guard let m = digits(2), h < 24, m < 60 else { return nil }
                offset = (negative ? -1 : 1) * (h * 3600 + m * 60)
            }
            guard index == bytes.count else { return nil }
        }
        let wall = utcSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // Nanoseconds since 1970 in an Int64 reach from 1677 to 2262; a time outside is refused, not trapped on.
        guard abs(wall) < Int64.max / 1_000_000_000 - 86_400 else { return nil }
        // timegm normalizes 31 February into March: refuse dates that moved.
        var check = time_t(wall)
        var back = tm()
        gmtime_r(&check, &back)
        guard back.tm_mday == Int32(day), back.tm_mon == Int32(month - 1) else { return nil }
        if let offset { return Timestamp(seconds: wall - Int64(offset), nanoseconds: nanos) }
        // A wall-clock time in the zone: the offset in force then (try the offset at the wall time read as UTC,
        // then correct once for a change of offset in between).
        let guess = wall - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall))))
        let settled = wall - Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(guess))))
        return Timestamp(seconds: settled, nanoseconds: nanos)
    }

    /// The calendar date and wall-clock time of this instant in `zone`.
    public func wallClock(in zone: TimeZone) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let parts = brokenDown(offsetSeconds: zone.secondsFromGMT(for: date))
        return (
            Int(parts.year), Int(parts.month), Int(parts.day), Int(parts.hour), Int(parts.minute), Int(parts.second)
        )
    }

    /// `2026-11-23 16:15` in `zone`: how reports show a time to people.
    public func shortLocal(in zone: TimeZone) -> String {
        let parts = wallClock(in: zone)
        return Self.dayText(parts.year, parts.month, parts.day) + " " + DigitText.padded(parts.hour, 2) + ":"
            + DigitText.padded(parts.minute, 2)
    }

    /// `2026-11-23`.
    static func dayText(_ year: some BinaryInteger, _ month: some BinaryInteger, _ day: some BinaryInteger) -> String {
        DigitText.padded(year, 4) + "-" + DigitText.padded(month, 2) + "-" + DigitText.padded(day, 2)
    }

    /// `08:15:00`.
    static func clockText(_ hour: some BinaryInteger, _ minute: some BinaryInteger, _ second: some BinaryInteger)
        -> String
    {
        DigitText.padded(hour, 2) + ":" + DigitText.padded(minute, 2) + ":" + DigitText.padded(second, 2)
    }

    /// Seconds since the epoch of a UTC calendar time (`timegm`; out-of-range fields roll over).
    static func utcSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Int64(timegm(&parts))
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
