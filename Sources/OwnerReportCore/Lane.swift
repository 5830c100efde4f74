/// The unit of order (docs/design.md §5): reports of one lane go oldest-first, and a lane stops on a
/// failure while others go on.
///
/// A lane is a destination, or, for a report relayed from another host of a fleet (its `origin_host`
/// field, set by the intake's /v1/relay), that destination for that origin: a centre keeps each
/// origin's order, and one origin's failing report does not hold the others back (docs/fleet.md).
public enum Lane {
    /// The field a relayed report's origin host is kept in.
    public static let originField = "origin_host"

    /// `destination`, or `destination from HOST` for a relayed report.
    public static func name(destination: String, report: Report) -> String {
        report.text(originField).map { "\(destination) from \($0)" } ?? destination
    }
}
