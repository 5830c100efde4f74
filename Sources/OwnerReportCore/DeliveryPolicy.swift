/// How hard and how long the driver tries (`[delivery]` in the config).
public struct DeliveryPolicy: Hashable, Sendable {
    /// Attempts before a report is given up and moved to failed/.
    public var maxAttempts = 10
    /// Age after which a report is given up.
    public var maxAge: Duration = .seconds(24 * 3600)
    /// The first backoff after a transient failure; it doubles up to `backoffMax`.
    public var backoffInitial: Duration = .seconds(30)
    public var backoffMax: Duration = .seconds(30 * 60)
    /// Files larger than this are quarantined unread.
    public var maxReportBytes = 1_048_576
    /// The whole of one request, connection included.
    public var timeout: Duration = .seconds(30)
    public var connectTimeout: Duration = .seconds(10)
    /// How often `--follow` scans pending/ even without an inotify event: the safety net.
    public var rescanInterval: Duration = .seconds(300)
    /// Whether a chat lane with a backlog packs consecutive reports into shared messages (catch-up
    /// digests); a destination's own `catch_up` overrides it.
    public var catchUp = true

    public init() {}
}

/// Parses durations such as `30s`, `10m`, `24h`, `7d`, `1h30m`, `500ms`, or a bare number of seconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces
        if let seconds = Int64(trimmed), seconds >= 0 { return .seconds(seconds) }
        var total: Duration = .zero
        var number = ""
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while let character = rest.first {
            if character.isASCII, character.isNumber {
                number.append(character)
                rest.removeFirst()
                continue
            }
            guard let value = Int64(number) else { return nil }
            number = ""
            let unit: Duration
            if rest.hasPrefix("ms") {
                unit = .milliseconds(1)
                rest.removeFirst(2)
            } else {
                switch character {
                case "s": unit = .seconds(1)
                case "m": unit = .seconds(60)
                case "h": unit = .seconds(3600)
                case "d": unit = .seconds(86_400)
                case "w": unit = .seconds(7 * 86_400)
                default: return nil
                }
                rest.removeFirst()
            }
            total += unit * value
        }
        return number.isEmpty ? total : nil
    }
}
