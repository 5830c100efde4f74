import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The daily and weekly reports, computed from a ledger filled by real producer and driver runs on an
/// injectable clock, and from a real git repository.
@Suite struct PeriodicReportTests {
    @Test func theDailyFiguresAreTheLedgersOwn() throws {
        let fixture = try ReportsFixture()
        // One second before the window: enqueued and delivered, and counted nowhere.
        #expect(
            try fixture.produce(["note", "--title", "yesterday", "--body", "x"], now: "2026-11-19T23:59:59Z").status
                == 0)
        #expect(try fixture.drive(now: "2026-11-19T23:59:59Z").status == 0)

        // In the window (2026-11-20T00:00Z to 2026-11-21T00:00Z): three checkpoints and a note the sink refuses …
        for task in ["a", "b", "c"] {
            #expect(
                try fixture.produce(
                    ["checkpoint", "--team", "t", "--worker", "w", "--task-id", task, "--progress", "1/2"],
                    now: "2026-11-20T00:00:00Z"
                ).status == 0)
        }
        #expect(
            try fixture.produce(["note", "--title", "reject-me", "--body", "x"], now: "2026-11-20T00:00:00Z").status
                == 0)
        // … and three incidents a minute later: one long (a postmortem), one left open, one short.
        let later = "2026-11-20T00:01:00Z"
        for (id, category, severity, opened, resolved) in [
            ("INC-1", "database", "critical", "2026-11-20T08:00:00", "2026-11-20T08:30:00"),
            ("INC-2", "database", "warning", "2026-11-20T08:10:00", nil),
            ("INC-3", "network", "warning", "2026-11-20T09:00:00", "2026-11-20T09:05:00"),
        ] {
            #expect(
                try fixture.produce(
                    [
                        "incident", "open", "--id", id, "--title", id, "--severity", severity, "--category", category,
                        "--at", opened,
                    ], now: later
                ).status == 0)
            if let resolved {
                #expect(
                    try fixture.produce(["incident", "resolve", "--id", id, "--at", resolved], now: later).status == 0)
            }
        }
        // Delivered 2 min 30.5 s after the first four were enqueued, 1 min 30.5 s after the rest.
        let run = try fixture.drive(now: "2026-11-20T00:02:30.5Z")
        #expect(run.status == 0, "\(run)")
        #expect(directoryNames(fixture.queue.failed).filter { $0.hasSuffix(".md") }.count == 1)

        let daily = try fixture.produce(["daily", "--at", "2026-11-21T08:00:00"], now: "2026-11-21T00:00:01Z")
        #expect(daily.status == 0, "\(daily)")
        let report = try fixture.onlyPending("daily")
        #expect(report.contains("title: 2026-11-21 inspection: 🟡 needs attention"))
        #expect(report.contains("**Period:** 2026-11-20 08:00 → 2026-11-21 08:00 (Asia/Taipei)"))
        #expect(
            ReportsFixture.section("Reports", of: report) == [
                "- Enqueued: 10 · checkpoint 3 · incident 5 · note 1 · postmortem 1",
                "- Delivered: 9",
                "- Failed: 1",
                "- Retries (deferred): 0",
                "- Delivery success rate: 90.0 %",
                "- Enqueue → delivery latency: median 1 min 30 s, p95 2 min 30 s",
            ])
        #expect(
            ReportsFixture.section("Incidents", of: report) == [
                "- Opened: 3", "- Resolved: 2", "- Open at the end of the period: 1",
                "- Acknowledged: 0 (median time to acknowledge: n/a); escalation steps: 0",
                "- Postmortems: 1", "### Top categories", "- database: 2",
                "- network: 1", "### Still open", "- INC-2 (warning): INC-2, since 2026-11-20 08:10",
            ])
        #expect(report.contains("- 1 report(s) failed") && report.contains("- 1 incident(s) open"))
        #expect(!report.contains("success rate 90.0 % < 90"), "exactly 90 % is not below the 90 % line")
        #expect(report.contains("🔴 unhealthy: success rate < 90 %"), "the thresholds are stated")
    }

    @Test func anEmptyDayAndAnEmptyWeekStillSaySomethingClear() throws {
        let fixture = try ReportsFixture()
        let daily = try fixture.produce(["daily", "--at", "2026-11-23T08:00"])
        #expect(daily.status == 0, "\(daily)")
        let report = try fixture.onlyPending("daily")
        #expect(
            report.contains("🟢 healthy") && report.contains("- Enqueued: 0\n")
                && report.contains("- Delivery success rate: n/a (nothing finished)"))
        #expect(report.contains("median n/a, p95 n/a") && report.contains("- Opened: 0"))

        let repository = try GitRepository(in: fixture.directory.appending("empty-repo"))
        let weekly = try fixture.produce(["weekly", "--week", "2026-W01", "--git-repo", repository.path])
        #expect(weekly.status == 0, "\(weekly)")
        let week = try fixture.onlyPending("weekly")
        #expect(week.contains("**Week 2026-W01:** 2025-12-29 00:00 → 2026-01-05 00:00 (Asia/Taipei)"))
        #expect(ReportsFixture.section("Per team", of: week) == ["Nothing was recorded this week."])
        #expect(ReportsFixture.section("Risks", of: week) == ["- None recorded."])
        #expect(ReportsFixture.section("Next week", of: week) == ["- No plans recorded."])
        #expect(week.contains("- Commits: 0 (merges excluded; empty-repo)"))

        // A repository that is not there, and a directory that is no repository: one line each, by its kind of failure.
        let missing = try fixture.produce([
            "weekly", "--week", "2026-W01", "--git-repo", fixture.directory.appending("no-such-repo"),
        ])
        #expect(
            missing.status == 66 && missing.stderr.contains("no-such-repo: no such directory (--git-repo)"),
            "\(missing)")
        let plain = fixture.directory.appending("not-a-repo")
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        let notGit = try fixture.produce(["weekly", "--week", "2026-W01", "--git-repo", plain])
        #expect(notGit.status == 74 && notGit.stderr.contains("not-a-repo: git log failed:"), "\(notGit)")
    }

    @Test func theWeeklyReportGroupsTheWeeksWorkByTeam() throws {
        let fixture = try ReportsFixture(mail: true)
        let repository = try GitRepository(in: fixture.directory.appending("repo"))
        // 2026-W47 in Asia/Taipei is 2026-11-15T16:00Z to 2026-11-22T16:00Z.
        try repository.commit("feat: last week's work", by: "alice@corp.example", at: "2026-11-10T02:00:00Z")
        try repository.commit(
            "feat(ui): Monday morning in Taipei", by: "carol@corp.example", at: "2026-11-15T23:30:00Z")
        try repository.commit("feat(api): pagination", by: "alice@corp.example", at: "2026-11-17T02:00:00Z")
        try repository.commit("fix(k8s): readiness probe", by: "bob@corp.example", at: "2026-11-18T03:00:00Z")
        try repository.branch("topic")
        try repository.commit("feat(ui): dark mode", by: "carol@corp.example", at: "2026-11-18T05:00:00Z")
        try repository.checkout("main")
        try repository.commit("chore: tidy", by: "erin@elsewhere.example", at: "2026-11-19T01:00:00Z")
        try repository.merge("topic", by: "carol@corp.example", at: "2026-11-19T02:00:00Z")
        try repository.commit(
            "feat(api): next week already in Taipei", by: "alice@corp.example", at: "2026-11-22T23:30:00Z")
        let teams = try fixture.directory.write(
            "teams.toml",
            """
            [teams.platform]
            name = "Platform 平台組"
            emails = ["alice@corp.example"]
            [teams.infra]
            keywords = ["k8s", "ci"]
            [teams.product]
            keywords = ["ui"]
            """)
        // The ledger's side of the week.
        let monday = "2026-11-17T01:00:00Z", wednesday = "2026-11-19T01:00:00Z"
        #expect(
            try fixture.produce(
                [
                    "checkpoint", "--team", "platform", "--worker", "alice", "--task-id", "migrate", "--progress",
                    "1/3", "--done", "schema v2", "--next", "backfill",
                ], now: monday
            ).status == 0)
        #expect(
            try fixture.produce(
                [
                    "checkpoint", "--team", "platform", "--worker", "alice", "--task-id", "migrate", "--progress",
                    "2/3", "--done", "backfill", "--next", "switch reads",
                ], now: wednesday
            ).status == 0)
        #expect(
            try fixture.produce(
                [
                    "checkpoint", "--team", "infra", "--worker", "bob", "--task-id", "upgrade", "--progress", "0/1",
                    "--status", "blocked", "--next", "wait for vendor",
                ], now: wednesday
            ).status == 0)
        #expect(
            try fixture.produce(
                [
                    "incident", "open", "--id", "INC-9", "--title", "queue lag", "--severity", "critical", "--at",
                    "2026-11-18T10:00",
                ], now: wednesday
            ).status == 0)
        #expect(try fixture.produce(["note", "--title", "reject-me", "--body", "x"], now: wednesday).status == 0)
        #expect(try fixture.drive(now: wednesday).status == 0)

        let run = try fixture.produce(
            [
                "weekly", "--week", "2026-W47", "--git-repo", repository.path, "--teams", teams, "--summarizer",
                "cat >/dev/null; printf 'TL;DR: a steady week'",
            ],
            now: "2026-11-20T09:00:00Z")
        #expect(run.status == 0, "\(run)")
        let report = try fixture.onlyPending("weekly")
        #expect(report.contains("title: 2026-W47: 5 commits, 3 checkpoints, 1 incident"))
        #expect(report.contains("## Overview (cat >/dev/null; printf 'TL;DR: a steady week')\nTL;DR: a steady week"))
        #expect(
            ReportsFixture.section("Summary", of: report) == [
                "- Commits: 5 (merges excluded; repo)", "- Checkpoints: 3",
                "- Incidents: 1 opened, 0 resolved, 1 still open", "- Postmortems: 0",
                "- Reports delivered: 4, failed: 1",
            ])
        #expect(
            ReportsFixture.section("Per team", of: report) == [
                "### infra", "- fix(k8s): readiness probe (bob, `\(try repository.hash("fix(k8s)"))`)",
                "### Platform 平台組",
                "- feat(api): pagination (alice, `\(try repository.hash("feat(api): pagination"))`)", "- ✅ schema v2",
                "- ✅ backfill",
                "### product",
                "- feat(ui): Monday morning in Taipei (carol, `\(try repository.hash("Monday morning"))`)",
                "- feat(ui): dark mode (carol, `\(try repository.hash("dark mode"))`)",
                "### Other", "- chore: tidy (erin, `\(try repository.hash("chore: tidy"))`)",
            ])
        let risks = ReportsFixture.section("Risks", of: report)
        #expect(risks.count == 3)
        #expect(risks[0] == "- Open incident INC-9 (critical): queue lag, since 2026-11-18 10:00")
        #expect(risks[1].hasPrefix("- Failed delivery: ") && risks[1].contains("reject-me"))
        #expect(risks[2] == "- Blocked: infra / upgrade: upgrade 0/1")
        #expect(
            ReportsFixture.section("Next week", of: report) == [
                "- **infra**: wait for vendor", "- **Platform 平台組**: switch reads",
            ])

        // Archived as Markdown, the same report that was enqueued.
        let archived = try String(contentsOfFile: "\(fixture.queue.root)/archive/weekly/2026-W47.md", encoding: .utf8)
        #expect(archived == report)

        // Sent by e-mail as HTML and text.
        let sent = try fixture.drive(now: "2026-11-20T09:00:05Z")
        #expect(sent.status == 0, "\(sent)")
        let mail = try #require(try fixture.smtp?.messages().first)
        #expect(mail.subject == "2026-W47: 5 commits, 3 checkpoints, 1 incident")
        let html = try #require(mail.parts.first { $0.type == "text/html" }?.text)
        #expect(html.contains(">Per team</h3>") && html.contains("• feat(api): pagination (alice, <code>"), "\(html)")
        #expect(html.contains("Platform 平台組"))
    }

    @Test func aSummarizerThatFailsOrHangsIsLeftOutAndSaidSo() throws {
        let fixture = try ReportsFixture()
        let repository = try GitRepository(in: fixture.directory.appending("repo"))
        for (command, reason) in [
            ("exit 3", "exited with status 3"), ("sleep 30", "did not finish within 1.0 s"),
            ("true", "printed nothing"),
        ] {
            let run = try fixture.produce([
                "weekly", "--week", "2026-W47", "--git-repo", repository.path, "--summarizer", command, "--dry-run",
            ])
            #expect(run.status == 0, "\(run)")
            #expect(
                run.stdout.contains("> No overview: the summarizer \(reason). This report went out without it."),
                "\(run)")
            #expect(run.stderr.contains("warning: the summarizer \(reason)"))
        }
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.queue.root)/archive"), "a dry run writes nothing")
    }

    @Test func templatesCanBeReplacedAndABrokenOneIsAConfigurationError() throws {
        let templates = TemporaryDirectory()
        try templates.write("daily.mustache", "Custom daily: {{delivered}} delivered, verdict {{verdict}}.\n")
        let fixture = try ReportsFixture(reports: "templates = \"\(templates.path)\"")
        let listed = try fixture.produce(["templates"])
        #expect(
            listed.stdout.contains("daily\t\(templates.path)/daily.mustache")
                && listed.stdout.contains("weekly\tbuilt-in"), "\(listed)")
        #expect(try fixture.produce(["daily"]).status == 0)
        #expect(try fixture.onlyPending("daily").hasSuffix("---\nCustom daily: 0 delivered, verdict 🟢 healthy.\n"))

        try templates.write("weekly.mustache", "line one\n{{#teams}}never closed\n")
        let broken = try fixture.produce(["weekly", "--week", "2026-W47"])
        #expect(broken.status == 78, "\(broken)")
        #expect(
            broken.stderr.hasPrefix("owner-report-producer: \(templates.path)/weekly.mustache:")
                && broken.stderr.contains("template error"), "\(broken)")

        let dumped = TemporaryDirectory()
        let dump = try fixture.produce(["templates", "--dump", dumped.path])
        #expect(
            dump.status == 0
                && directoryNames(dumped.path) == [
                    "daily.mustache", "incident.mustache", "postmortem.mustache", "weekly.mustache",
                ])
    }
}

/// A git repository in a temporary directory, with commits at chosen author and committer dates.
struct GitRepository {
    let path: String

    init(in path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"])
    }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let run = try runTool(
            ["git", "-C", path] + arguments,
            environment: environment.merging(["GIT_CONFIG_NOSYSTEM": "1", "HOME": path]) { $1 })
        guard run.status == 0 else { throw FixtureError("git \(arguments.joined(separator: " ")): \(run.output)") }
        return run.output
    }

    private func identity(_ email: String, _ date: String) -> [String: String] {
        let name = String(email.prefix { $0 != "@" })
        return [
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
        ]
    }

    func commit(_ subject: String, by email: String, at date: String) throws {
        try git(["commit", "-q", "--allow-empty", "-m", subject], environment: identity(email, date))
    }

    func branch(_ name: String) throws { try git(["checkout", "-q", "-b", name]) }
    func checkout(_ name: String) throws { try git(["checkout", "-q", name]) }

    func merge(_ branch: String, by email: String, at date: String) throws {
        try git(
            ["merge", "-q", "--no-ff", "-m", "Merge branch '\(branch)'", branch], environment: identity(email, date))
    }

    /// The short hash of the commit whose subject contains `fragment`.
    func hash(_ fragment: String) throws -> String {
        let lines = try git(["log", "--all", "--format=%H %s"]).split(separator: "\n")
        guard let line = lines.first(where: { $0.contains(fragment) }) else {
            throw FixtureError("no commit \(fragment)")
        }
        return String(line.prefix(8))
    }
}
