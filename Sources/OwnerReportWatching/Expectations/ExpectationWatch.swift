import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

/// The watchdog's look at every `[expect.NAME]` (docs/reports.md, "Expectations"): what came last,
/// when the next is due, and whether its silence is an incident.
///
/// A miss opens the incident `expect-NAME` at its deadline (the last sign of life, or the time the
/// watchdog first looked, plus the period or the schedule's next time, plus `grace`). That time is
/// the incident's opening, so the opening report's key (`incident:expect-NAME:opened:DEADLINE`) is
/// the same however many passes see the miss, or are killed while they record it: one incident. It
/// resolves when something matching comes after it opened.
public struct ExpectationWatch {
    public let configuration: Configuration
    public let ledger: Ledger
    public let incidents: IncidentDesk

    public init(configuration: Configuration, ledger: Ledger, incidents: IncidentDesk) {
        self.configuration = configuration
        self.ledger = ledger
        self.incidents = incidents
    }

    /// Where one expectation stands at a moment.
    public struct State: Sendable, Equatable {
        public var name: String
        /// The last matching report, good ping or firing alert.
        public var lastSeen: Timestamp?
        /// When the watchdog first looked at it (silence is counted from here until something comes).
        public var armedAt: Timestamp?
        /// When it is missed unless something comes first (the deadline: due + grace).
        public var deadline: Timestamp?
        /// A `start` ping after the last good one: the job is running.
        public var runningSince: Timestamp?
        /// The run time (start to success) of its latest good ping, when that followed a start.
        public var lastRunTime: Duration?
        /// Its incident, when one is open.
        public var openIncident: Incident?

        /// `ok`, `missed` (an incident is open), or `waiting` (never seen, not yet due).
        public var word: String { openIncident != nil ? "missed" : lastSeen == nil ? "waiting" : "ok" }
    }

    public func states(at now: Timestamp) throws -> [State] {
        try expectations().map { try state(of: $0, at: now) }
    }

    /// The configured expectations, then one per task whose latest report carries `expect_next` (and
    /// is not done), named `next-TASK`, and one per such task whose incident is still open, so that it
    /// can resolve. A task's expectation lapses with a report without `expect_next`, `status: done` or
    /// `progress: 100%`.
    func expectations() throws -> [Expectation] {
        var tasks: Set<String> = []
        for row in try ledger.query(
            "WHERE event = 'enqueued' AND json_extract(facts, '$.expectNext') IS NOT NULL AND json_extract(facts, '$.task') IS NOT NULL",
            [])
        {
            if let task = ReportFacts(json: row.facts)?.task { tasks.insert(task) }
        }
        var dynamic: [Expectation] = []
        for task in tasks.sorted() {
            let name = Self.name(ofTask: task)
            guard
                let latest = try ledger.query(
                    "WHERE event = 'enqueued' AND json_extract(facts, '$.task') = ? ORDER BY seq DESC LIMIT 1",
                    [.text(task)]
                ).first.flatMap({ ReportFacts(json: $0.facts) })
            else { continue }
            let lapsed = latest.status == "done" || latest.progress == "100%"
            var match = Expectation.Match()
            match.taskID = task
            if !lapsed, let text = latest.expectNext, let within = DurationText.parse(text), within > .zero {
                dynamic.append(Expectation(name: name, match: match, schedule: .every(within), grace: .zero))
            } else if let incident = try IncidentBook(ledger: ledger).incident(id: ExpectationIncident.id(of: name)),
                incident.isOpen
            {
                // Lapsed with its incident open: kept so the report that lapsed it resolves it.
                dynamic.append(
                    Expectation(name: name, match: match, schedule: .every(.seconds(365 * 86_400)), grace: .zero))
            }
        }
        return configuration.expectations + dynamic
    }

    /// `next-TASK`, the task id kept to letters, digits, `-`, `_` and `.` (it is part of an incident id).
    static func name(ofTask task: String) -> String {
        "next-"
            + String(
                task.prefix(80).map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
    }

    func state(of expectation: Expectation, at now: Timestamp) throws -> State {
        var state = State(name: expectation.name)
        state.lastSeen = try SignsOfLife(ledger: ledger).latest(of: expectation)
        state.lastRunTime = try PingDesk.lastRunTime(expectation.name, in: ledger)
        state.armedAt = try ledger.query(
            "WHERE event = 'expectation_armed' AND json_extract(facts, '$.name') = ? ORDER BY seq LIMIT 1",
            [.text(expectation.name)]
        ).first.flatMap { Timestamp(iso8601UTC: $0.time) }
        if let started = try PingDesk.latest(expectation.name, .start, in: ledger),
            started > (state.lastSeen ?? Timestamp(seconds: 0))
        {
            state.runningSince = started
        }
        if let base = state.lastSeen ?? state.armedAt,
            let due = expectation.due(after: base, in: configuration.timeZone)
        {
            state.deadline = due.adding(nanoseconds: Int64(expectation.grace.seconds * 1e9))
        }
        if let running = state.runningSince, let limit = expectation.maxRuntime {
            let over = running.adding(nanoseconds: Int64(limit.seconds * 1e9))
            state.deadline = min(state.deadline ?? over, over)
        }
        if let incident = try IncidentBook(ledger: ledger).incident(id: ExpectationIncident.id(of: expectation.name)),
            incident.isOpen
        {
            state.openIncident = incident
        }
        return state
    }

    /// One pass: arms new expectations, opens the incident of each missed one, resolves each whose
    /// awaited report came. Returns a line for each thing it did (or, with `dryRun`, would do).
    public func pass(at now: Timestamp, dryRun: Bool) throws -> [String] {
        var lines: [String] = []
        let zone = configuration.timeZone
        for expectation in try expectations() {
            var state = try state(of: expectation, at: now)
            if state.lastSeen == nil, state.armedAt == nil,
                configuration.expectations.contains(where: { $0.name == expectation.name })
            {
                if !dryRun {
                    try ledger.append(
                        .init(
                            .expectationArmed,
                            detail:
                                "\(expectation.name): waiting, \(expectation.scheduleText(in: zone)) + \(DurationText.compact(expectation.grace))",
                            facts: FactsJSON.encode(["name": expectation.name])), at: now)
                }
                state.armedAt = now
                state.deadline = expectation.due(after: now, in: zone)?.adding(
                    nanoseconds: Int64(expectation.grace.seconds * 1e9))
            }
            if var open = state.openIncident {
                guard let seen = state.lastSeen, seen > open.openedAt else { continue }
                open.resolvedAt = seen
                open.summary =
                    "It reported again at \(seen.iso8601(in: zone)), after \(DurationText.describe(.nanoseconds(seen.rawValue - open.openedAt.rawValue))) of silence past its deadline."
                if !dryRun { try incidents.announce(open, opened: false, postmortem: nil) }
                lines.append(
                    "\(dryRun ? "would resolve" : "resolved") \(open.id): \(expectation.name) reported again at \(seen.iso8601(in: zone))"
                )
                continue
            }
            guard let deadline = state.deadline, deadline <= now else { continue }
            let incident = try missed(expectation, state: state, deadline: deadline)
            if !dryRun { try incidents.announce(incident, opened: true, postmortem: nil) }
            lines.append("\(dryRun ? "would open" : "opened") \(incident.id): \(incident.title)")
        }
        return lines
    }

    /// The incident of a miss: what was awaited, since when, and the task's last word if it had one.
    func missed(_ expectation: Expectation, state: State, deadline: Timestamp) throws -> Incident {
        let zone = configuration.timeZone
        let grace = DurationText.compact(expectation.grace)
        let title: String
        if let running = state.runningSince, let limit = expectation.maxRuntime,
            running.adding(nanoseconds: Int64(limit.seconds * 1e9)) <= deadline
        {
            title =
                "\(expectation.name) started at \(running.shortLocal(in: zone)) and has not finished within \(DurationText.compact(limit))"
        } else if let task = expectation.match.taskID, expectation.name == Self.name(ofTask: task),
            let seen = state.lastSeen,
            case .every(let within) = expectation.schedule
        {
            title =
                "\(task) has not reported since \(seen.shortLocal(in: zone)) (its last report expected the next within \(DurationText.compact(within)))"
        } else if let seen = state.lastSeen {
            title =
                "\(expectation.name) has not reported since \(seen.shortLocal(in: zone)) (expected \(expectation.scheduleText(in: zone)) + \(grace))"
        } else {
            title =
                "\(expectation.name) has never reported since \(state.armedAt.map { $0.shortLocal(in: zone) } ?? "?") (expected \(expectation.scheduleText(in: zone)) + \(grace))"
        }
        var incident = ExpectationIncident.incident(for: expectation, title: title, at: deadline)
        incident.summary = try lastWord(expectation)
        return incident
    }

    /// For a task: its last checkpoint's progress, done and next items.
    func lastWord(_ expectation: Expectation) throws -> String? {
        guard let task = expectation.match.taskID else { return nil }
        guard
            let row = try ledger.query(
                "WHERE event = 'enqueued' AND json_extract(facts, '$.task') = ? AND json_extract(facts, '$.kind') = 'checkpoint' ORDER BY seq DESC LIMIT 1",
                [.text(task)]
            ).first, let facts = ReportFacts(json: row.facts)
        else { return nil }
        var lines = ["Last checkpoint of \(task): \(facts.progress ?? "?")\(facts.status.map { ", \($0)" } ?? "")."]
        if let done = facts.done, !done.isEmpty { lines.append("Done: " + done.joined(separator: "; ") + ".") }
        if let next = facts.next, !next.isEmpty { lines.append("Next: " + next.joined(separator: "; ") + ".") }
        return lines.joined(separator: " ")
    }
}

extension ExpectationWatch {
    /// One watchdog pass over `[expect]`, under `state/expectations.lock` (a pass already at it is left
    /// to it); a dry run reads the ledger only. Nothing when no expectation is configured.
    public static func pass(queue: QueueDirectory, configuration: Configuration, dryRun: Bool, now: Timestamp = .now())
        throws -> [String]
    {
        let builder = try ReportBuilder(configuration: configuration)
        if dryRun {
            guard let ledger = try Ledger.open(queue, .reading) else { return [] }
            let desk = IncidentDesk(builder: builder, ledger: ledger, queue: nil, records: false) { _, _ in [] }
            return try ExpectationWatch(configuration: configuration, ledger: ledger, incidents: desk).pass(
                at: now, dryRun: true)
        }
        try queue.prepare()
        guard let lock = try FileLock.acquire(at: "\(queue.state)/expectations.lock", wait: false) else { return [] }
        return try withExtendedLifetime(lock) {
            let ledger = try Ledger(queue: queue)
            let desk = IncidentDesk.writing(
                into: queue, ledger: ledger, builder: builder, origin: "the watchdog's expectations")
            return try ExpectationWatch(configuration: configuration, ledger: ledger, incidents: desk).pass(
                at: now, dryRun: false)
        }
    }
}

extension ExpectationWatch {
    /// Where every expectation stands, read only (`archiver status`, the metrics file, the daily report).
    public static func states(configuration: Configuration, ledger: Ledger?, at now: Timestamp = .now()) throws
        -> [State]
    {
        guard let ledger else { return configuration.expectations.map { State(name: $0.name) } }
        let desk = IncidentDesk(
            builder: try ReportBuilder(configuration: configuration), ledger: ledger, queue: nil, records: false
        ) { _, _ in [] }
        return try ExpectationWatch(configuration: configuration, ledger: ledger, incidents: desk).states(at: now)
    }
}

extension ExpectationWatch.State {
    /// The JSON object `archiver status --json` lists.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = ["name": name, "state": word]
        if let lastSeen { object["last_seen"] = lastSeen.iso8601UTC }
        if let deadline { object["deadline"] = deadline.iso8601UTC }
        if let runningSince { object["running_since"] = runningSince.iso8601UTC }
        if let lastRunTime { object["last_run_seconds"] = lastRunTime.seconds }
        if let openIncident { object["incident"] = openIncident.id }
        return object
    }
}
