import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Everything the weekly report says about one ISO week: commits by team, checkpoints, incidents and
/// deliveries, gathered from git and the ledger.
public struct WeeklyData: Sendable {
    public struct TeamSection: Sendable, Equatable {
        public var id: String
        public var name: String
        public var commits: [Commit]
        /// The `done` items of the team's checkpoints in the week, oldest first.
        public var done: [String]
    }

    /// One latest `next` plan of a team's task.
    public struct Plan: Sendable, Equatable {
        public var team: String
        public var task: String
        public var item: String
    }

    public var week: ISOWeek
    public var repositories: [String]
    public var commits: [Commit]
    public var teams: [TeamSection]
    public var checkpoints: Int
    public var incidentsOpened: Int
    public var incidentsResolved: Int
    public var openIncidents: [Incident]
    public var postmortems: Int
    public var delivered: Int
    public var failed: [(report: String, reason: String)]
    /// Tasks whose latest checkpoint of the week says `blocked`: (team, task, title).
    public var blocked: [(team: String, task: String, title: String)]
    public var plans: [Plan]

    /// Gathers the week from `repositories` (git) and `ledger`; `teams` maps commits and checkpoints to teams.
    public init(week: ISOWeek, repositories: [String], teams: TeamMap, ledger: Ledger?) throws {
        try self.init(week: week, repositories: repositories, teams: teams, ledgers: ledger.map { [(nil, $0)] } ?? [])
    }

    /// Gathers the week from `repositories` and several ledgers: a fleet's, one per host. A named
    /// host's failed reports and incidents are prefixed with its name (`web-1/INC-3`).
    public init(week: ISOWeek, repositories: [String], teams: TeamMap, ledgers: [(host: String?, ledger: Ledger)])
        throws
    {
        self.week = week
        let start = week.start, end = week.end
        var commits: [Commit] = []
        for repository in repositories { commits += try GitLog.commits(in: repository, from: start, to: end) }
        self.commits = commits.sorted { ($0.authoredAt, $0.hash) < ($1.authoredAt, $1.hash) }
        self.repositories = repositories

        var sections: [String: TeamSection] = [:]
        func section(_ id: String) -> TeamSection {
            sections[id]
                ?? TeamSection(id: id, name: id == TeamMap.other ? "Other" : teams.name(of: id), commits: [], done: [])
        }
        for commit in self.commits {
            let id = teams.team(email: commit.authorEmail, subject: commit.subject)
            var entry = section(id)
            entry.commits.append(commit)
            sections[id] = entry
        }

        var checkpoints = 0, postmortems = 0, delivered = 0
        var latestByTask: [String: (team: String, task: String, facts: ReportFacts, at: String)] = [:]
        var failed: [(String, String)] = []
        var incidents: [String: Incident] = [:]
        for (host, ledger) in ledgers {
            func named(_ id: String) -> String { host.map { "\($0)/\(id)" } ?? id }
            let window: [Statement.Value] = [.text(start.iso8601UTC), .text(end.iso8601UTC)]
            for event in try ledger.query("WHERE event = 'enqueued' AND at >= ? AND at < ? ORDER BY seq", window) {
                guard let facts = ReportFacts(json: event.facts) else { continue }
                if facts.kind == ReportKind.postmortem.rawValue { postmortems += 1 }
                guard facts.kind == ReportKind.checkpoint.rawValue else { continue }
                checkpoints += 1
                let team = teams.id(forCheckpointTeam: facts.team ?? TeamMap.other)
                var entry = section(team)
                entry.done += facts.done ?? []
                sections[team] = entry
                let task = facts.task ?? facts.title ?? "?"
                // Latest by time: with several hosts' ledgers, a later ledger is not a later checkpoint.
                let key = "\(team)\u{0}\(task)"
                if let seen = latestByTask[key], seen.at > event.time { continue }
                latestByTask[key] = (team, task, facts, event.time)
            }
            for event in try ledger.query(
                "WHERE event IN ('delivered', 'failed') AND at >= ? AND at < ? ORDER BY seq", window)
            {
                if event.kind == .delivered {
                    delivered += 1
                } else {
                    failed.append((named(event.report ?? "?"), event.detail ?? "no reason recorded"))
                }
            }
            for (id, incident) in try IncidentBook(ledger: ledger).all() {
                var incident = incident
                incident.id = named(id)
                incidents[incident.id] = incident
            }
        }
        self.checkpoints = checkpoints
        self.postmortems = postmortems
        self.delivered = delivered
        self.failed = failed
        let all = incidents.values.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
        incidentsOpened = all.filter { $0.openedAt >= start && $0.openedAt < end }.count
        incidentsResolved = all.filter { $0.resolvedAt.map { $0 >= start && $0 < end } ?? false }.count
        openIncidents = all.filter { $0.openedAt < end && ($0.resolvedAt.map { $0 >= end } ?? true) }

        let latest = latestByTask.values.sorted { ($0.team, $0.task) < ($1.team, $1.task) }
        blocked = latest.filter { $0.facts.status == ReportStatus.blocked.rawValue }.map {
            (teams.name(of: $0.team), $0.task, $0.facts.title ?? $0.task)
        }
        plans = latest.flatMap { entry in
            (entry.facts.next ?? []).map { Plan(team: teams.name(of: entry.team), task: entry.task, item: $0) }
        }
        // Teams in id order, `other` last.
        self.teams = sections.values.sorted { lhs, rhs in
            (lhs.id == TeamMap.other ? 1 : 0, lhs.id) < (rhs.id == TeamMap.other ? 1 : 0, rhs.id)
        }
    }

    /// The Risks section's lines.
    public func risks(timeZone: TimeZone) -> [String] {
        openIncidents.map {
            "Open incident \($0.id) (\($0.severity)): \($0.title), since \($0.openedAt.shortLocal(in: timeZone))"
        }
            + failed.map { "Failed delivery: \($0.report): \($0.reason)" }
            + blocked.map { "Blocked: \($0.team) / \($0.task): \($0.title)" }
    }
}
