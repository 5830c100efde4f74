import Foundation

/// `[expect.NAME]`: a report or ping that must come, and how soon (docs/reports.md, "Expectations").
///
/// The watchdog's pass looks at each: when nothing matching has come since the last time it did,
/// by `every` (or the schedule's next time after it) plus `grace`, the silence is an incident.
public struct Expectation: Sendable, Equatable {
    public enum Schedule: Sendable, Equatable {
        /// At most this long between two.
        case every(Duration)
        /// At each of these times, in the configured time zone.
        case cron(CronSchedule)
    }

    /// What counts as the awaited report: every field given must match (`title` as a glob).
    public struct Match: Sendable, Equatable {
        public var source: String?
        public var team: String?
        public var taskID: String?
        public var kind: String?
        public var title: String?
        /// An Alertmanager alert's `alertname`: its firing notifications count (the dead man's switch).
        public var alertname: String?

        public init() {}
    }

    public var name: String
    public var match: Match
    public var schedule: Schedule
    public var grace: Duration
    /// The incident's severity when it is missed.
    public var severity: String
    /// Where the incident goes; its route otherwise.
    public var destination: String?
    /// For a job that pings `start`: how long it may run before the silence is an incident.
    public var maxRuntime: Duration?

    public init(
        name: String, match: Match = Match(), schedule: Schedule, grace: Duration, severity: String = "critical",
        destination: String? = nil, maxRuntime: Duration? = nil
    ) {
        self.name = name
        self.match = match
        self.schedule = schedule
        self.grace = grace
        self.severity = severity
        self.destination = destination
        self.maxRuntime = maxRuntime
    }

    /// When the next one is due after one came at `seen`, in `zone` (grace not included).
    public func due(after seen: Timestamp, in zone: TimeZone) -> Timestamp? {
        switch schedule {
        case .every(let period): seen.adding(nanoseconds: Int64(period.seconds * 1e9))
        case .cron(let cron): cron.next(after: seen, in: zone)
        }
    }

    /// "every 1d" or "cron 0 3 * * * (Asia/Taipei)", as the incident says it.
    public func scheduleText(in zone: TimeZone) -> String {
        switch schedule {
        case .every(let period): "every \(DurationText.compact(period))"
        case .cron(let cron): "cron \(cron) (\(zone.identifier))"
        }
    }
}

extension [Expectation] {
    /// The alert names these expectations await (`match.alertname`): to the intake, signs of life only.
    public var heartbeats: Set<String> { Set(compactMap(\.match.alertname)) }
}
