/// Queue file names made by the producer: `20261123T081500.123456789Z-checkpoint-<slug>-<rand>.md`.
///
/// The fixed-width UTC prefix makes name order enqueue order, independent of later mtime changes.
public enum ReportName {
    /// A new, unique-enough name for a report enqueued at `time`.
    ///
    /// - Parameter tag: the 8 hex digits at the end; random unless a caller needs the same name every
    ///   time (an escalation step, published again after a crash).
    public static func make(
        at time: Timestamp, kind: ReportKind, title: String, format: ReportFormat, tag: String? = nil
    ) -> String {
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        let padded = tag ?? String(repeating: "0", count: 8 - random.count) + random
        let slug = slug(title)
        let middle = slug.isEmpty ? kind.rawValue : "\(kind.rawValue)-\(slug)"
        return "\(time.compactUTC)-\(middle)-\(padded).\(format.rawValue)"
    }

    /// The enqueue time a producer-made name carries, or nil for any other name.
    public static func enqueueTime(of name: String) -> Timestamp? {
        let prefix = name.utf8.prefix(27)
        guard prefix.count == 27, prefix.last == UInt8(ascii: "-") else { return nil }
        return Timestamp(compactUTC: name.prefix(26))
    }

    /// The kind a producer-made name carries, or nil for any other name.
    public static func kind(of name: String) -> ReportKind? {
        guard enqueueTime(of: name) != nil else { return nil }
        let rest = name.dropFirst(27)
        let word = rest.prefix { $0 != "-" && $0 != "." }
        return ReportKind(rawValue: String(word))
    }

    /// Lower-case ASCII letters and digits of the title joined by `-`, at most 40 characters.
    static func slug(_ title: String) -> String {
        var slug = ""
        var pendingDash = false
        for scalar in title.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingDash, !slug.isEmpty { slug.append("-") }
                slug.unicodeScalars.append(scalar.properties.lowercaseMapping.unicodeScalars.first ?? scalar)
                pendingDash = false
                if slug.count >= 40 { break }
            } else {
                pendingDash = true
            }
        }
        return slug
    }
}
