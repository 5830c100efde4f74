/// Durations as reports show them to people.
extension DurationText {
    /// A duration as the configuration writes it: `1d`, `1h`, `30m`, `45s` (what `parse` reads back).
    public static func compact(_ duration: Duration) -> String {
        let seconds = Int64(duration.seconds.rounded())
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds >= size && seconds % size == 0
        {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    /// `0.4 s`, `42 s`, `9 min 59 s`, `2 h 05 min`, `3 d 4 h`: exact enough that 9 min 59 s is never
    /// shown as 10 min next to a 10 min threshold.
    public static func describe(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        switch seconds {
        case ..<10: return String(format: "%.1f s", seconds)
        case ..<60: return String(format: "%.0f s", seconds.rounded(.down))
        case ..<3600:
            let whole = Int(seconds)
            return whole % 60 == 0 ? "\(whole / 60) min" : String(format: "%d min %02d s", whole / 60, whole % 60)
        case ..<86400:
            let minutes = Int(seconds / 60)
            return String(format: "%d h %02d min", minutes / 60, minutes % 60)
        default:
            let hours = Int(seconds / 3600)
            return "\(hours / 24) d \(hours % 24) h"
        }
    }
}
