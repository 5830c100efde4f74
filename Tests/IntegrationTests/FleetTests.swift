import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Three queues act as three hosts of a fleet, shipping their ledgers to a real PostgreSQL server
/// (Debian's, started by the test on 127.0.0.1 in a temporary directory).
@Suite(
    .serialized,
    .enabled(
        if: PostgresServer.unavailableReason == nil, "needs Debian's postgresql and postgresql-client (make test-deps)")
)
struct FleetTests {
    static let hosts = ["web-1", "web-2", "db-1"]

    /// One host: a queue whose `[fleet]` names the database through `TEST_FLEET_DB`.
    static func host(_ name: String, _ server: PostgresServer, batch: Int = 500) throws -> ReportsFixture {
        let fixture = try ReportsFixture(
            extra: "[fleet]\nhost = \"\(name)\"\ndatabase_env = \"TEST_FLEET_DB\"\nship_batch = \(batch)")
        fixture.extraEnvironment = ["TEST_FLEET_DB": server.connectionString]
        return fixture
    }

    /// A day of work on a host: `notes` notes delivered, and per host one more thing the daily report counts.
    static func work(_ fixture: ReportsFixture, index: Int, notes: Int) throws {
        for number in 0..<notes {
            try ArchiverTests.deliver(
                fixture, "note \(number) of host \(index)", at: "2026-11-20T0\(1 + number % 8):0\(index):00Z")
        }
        switch index {
        case 0:
            // Before the daily window: a delivered note (not counted), an incident still open (counted
            // as open at the end), and a note enqueued before the window but delivered in it (counted,
            // its latency from its enqueue): the fleet's reports must read these rows as the host does.
            try ArchiverTests.deliver(fixture, "two days ago", at: "2026-11-18T05:00:00Z")
            let old = try fixture.produce(
                ["incident", "open", "--id", "INC-0", "--title", "cert expiring", "--severity", "warning"],
                now: "2026-11-18T06:00:00Z")
            #expect(old.status == 0, "\(old)")
            #expect(try fixture.drive(now: "2026-11-18T06:00:01Z").status == 0)
            #expect(
                try fixture.produce(["note", "--title", "late evening", "--body", "x"], now: "2026-11-19T23:50:00Z")
                    .status == 0)
            #expect(try fixture.drive(now: "2026-11-20T00:10:00Z").status == 0)
            // Text that PostgreSQL's array literals must escape: quotes, a backslash, braces, commas, NULL.
            try ArchiverTests.deliver(fixture, #"she said "NULL" \ {a,b}, 報告"#, at: "2026-11-20T08:30:00Z")
            let opened = try fixture.produce(
                [
                    "incident", "open", "--id", "INC-1", "--title", "disk full", "--severity", "critical", "--category",
                    "disk",
                ], now: "2026-11-20T09:00:00Z")
            #expect(opened.status == 0, "\(opened)")
            #expect(try fixture.drive(now: "2026-11-20T09:00:01Z").status == 0)
        case 1:
            // Refused by the sink for good: a failed report.
            #expect(
                try fixture.produce(["note", "--title", "reject-me", "--body", "x"], now: "2026-11-20T10:00:00Z").status
                    == 0)
            #expect(try fixture.drive(now: "2026-11-20T10:00:01Z").status == 0)
        default:
            let opened = try fixture.produce(
                [
                    "incident", "open", "--id", "INC-1", "--title", "replica lag", "--severity", "warning",
                    "--category", "db",
                ], now: "2026-11-20T11:00:00Z")
            #expect(opened.status == 0, "\(opened)")
            #expect(
                try fixture.produce(["incident", "resolve", "--id", "INC-1"], now: "2026-11-20T11:20:00Z").status == 0)
            #expect(try fixture.drive(now: "2026-11-20T11:20:01Z").status == 0)
        }
    }

    /// `ledger.append` many rows at once: the volume a ship can be killed in the middle of.
    static func pad(_ fixture: ReportsFixture, rows: Int) throws {
        let ledger = try Ledger(queue: fixture.queue)
        let at = try #require(Timestamp(iso8601UTC: "2026-11-20T12:00:00.000000Z"))
        for start in stride(from: 0, to: rows, by: 1000) {
            try ledger.append(
                (start..<min(rows, start + 1000)).map {
                    LedgerEvent.Draft(.alert, detail: "heartbeat \($0) (load for the ship test)")
                }, at: at)
        }
    }

    static func ship(_ fixture: ReportsFixture, _ extra: [String] = []) throws -> Program.Outcome {
        try fixture.archive(["ship"] + extra)
    }

    @Test func threeHostsShipEveryRowExactlyOnceThroughKillsAndVerifyFleetNamesATamperedRow() throws {
        let server = try PostgresServer()
        var outputs: [String] = []
        var fixtures: [ReportsFixture] = []
        for (index, name) in Self.hosts.enumerated() {
            let fixture = try Self.host(name, server, batch: 20)
            try Self.work(fixture, index: index, notes: 2 + index)
            try Self.pad(fixture, rows: 12000 + 2000 * index)
            fixtures.append(fixture)
        }

        // Each host's ship is killed with SIGKILL at random moments, then runs to the end.
        var cutMidway = 0
        for (fixture, name) in zip(fixtures, Self.hosts) {
            let total = try Ledger(queue: fixture.queue).allEvents().count
            for attempt in 0..<4 {
                let running = try Program.archiver.start(
                    ["ship", "--queue", fixture.queue.root, "--config", fixture.configPath],
                    environment: fixture.environment)
                Thread.sleep(forTimeInterval: 0.03 + 0.04 * Double(attempt) + Double.random(in: 0..<0.04))
                running.signal(SIGKILL)
                outputs.append(running.wait().description)
                // A kill before the table was made leaves none: the creation is one transaction.
                let shipped =
                    Int((try? server.psql("SELECT count(*) FROM owner_report_events WHERE host = '\(name)'")) ?? "0")
                    ?? -1
                if shipped > 0, shipped < total { cutMidway += 1 }
            }
            let finished = try Self.ship(fixture)
            outputs.append(finished.description)
            #expect(finished.status == 0 && finished.stdout.contains("host \(name)"), "\(finished)")
            let again = try Self.ship(fixture)
            #expect(again.stdout.contains("host \(name) is shipped up to row \(total); nothing new"), "\(again)")
        }
        #expect(cutMidway >= 1, "at least one kill landed in the middle of a ship")

        // Every row exactly once, with the content and hash the host's ledger has.
        for (fixture, name) in zip(fixtures, Self.hosts) {
            let events = try Ledger(queue: fixture.queue).allEvents()
            let counts = try server.psql(
                "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM owner_report_events WHERE host = '\(name)'"
            )
            #expect(counts == "\(events.count)|\(events.count)|1|\(events.count)", "\(name): \(counts)")
            let hashes = try server.psql(
                "SELECT string_agg(hash, ',' ORDER BY seq) FROM owner_report_events WHERE host = '\(name)'")
            #expect(
                hashes == events.map(\.hash).joined(separator: ","), "\(name): the database holds the ledger's rows")
            let details = try server.psql(
                "SELECT count(*) FROM owner_report_events WHERE host = '\(name)' AND detail LIKE 'heartbeat %'")
            #expect(details == String(events.filter { $0.detail?.hasPrefix("heartbeat ") == true }.count))
        }

        let honest = try fixtures[0].archive(["verify", "--fleet"])
        outputs.append(honest.description)
        #expect(honest.status == 0, "\(honest)")
        for name in Self.hosts {
            #expect(honest.stdout.contains(name) && !honest.stdout.contains("FAILED"), "\(honest)")
        }

        // The table refuses edits like the ledger does; a superuser who disables the trigger is found.
        #expect(throws: TestSetupError.self) {
            try server.psql("UPDATE owner_report_events SET detail = 'nothing' WHERE host = 'web-2' AND seq = 5")
        }
        try server.psql(
            """
            ALTER TABLE owner_report_events DISABLE TRIGGER owner_report_events_append_only;
            UPDATE owner_report_events SET detail = 'nothing happened' WHERE host = 'web-2' AND seq = 5;
            ALTER TABLE owner_report_events ENABLE TRIGGER owner_report_events_append_only;
            """)
        let caught = try fixtures[1].archive(["verify", "--fleet"])
        outputs.append(caught.description)
        #expect(caught.status == 65, "\(caught)")
        #expect(
            caught.stdout.contains("host web-2: ledger row 5: content does not match its hash (edited)"), "\(caught)")
        #expect(
            caught.stdout.split(separator: "\n").filter { $0.contains("FAILED") }.count == 1,
            "only web-2's chain is broken: \(caught)")
        #expect(caught.stderr.split(separator: "\n").count == 1)

        // A chain rewritten in the database with every hash recomputed: db-1's rows are replaced by a
        // forged ledger's (row 3 changed, every later hash recomputed by the ledger's own code), shipped
        // under its name. The walk cannot tell from elsewhere; db-1's own ledger can.
        let forged = TemporaryDirectory("owner-report-forged-host")
        let forgedLedger = try Ledger(path: "\(forged.path)/ledger.sqlite3")
        var groups: [(String, [LedgerEvent.Draft])] = []
        for event in try Ledger(queue: fixtures[2].queue).allEvents() {
            let draft = LedgerEvent.Draft(
                event.kind, report: event.report, destination: event.destination, status: event.status,
                part: event.part, parts: event.parts,
                detail: event.sequence == 3 ? "nothing happened" : event.detail, enqueuedAt: event.enqueuedAt,
                sha256: event.sha256,
                notBefore: event.notBefore, facts: event.facts)
            if groups.last?.0 == event.time {
                groups[groups.count - 1].1.append(draft)
            } else {
                groups.append((event.time, [draft]))
            }
        }
        for (time, drafts) in groups { try forgedLedger.append(drafts, at: try #require(Timestamp(iso8601UTC: time))) }
        try server.psql(
            """
            ALTER TABLE owner_report_events DISABLE TRIGGER owner_report_events_append_only;
            DELETE FROM owner_report_events WHERE host = 'db-1';
            ALTER TABLE owner_report_events ENABLE TRIGGER owner_report_events_append_only;
            """)
        let forger = try ReportsFixture(
            extra: "[fleet]\nhost = \"db-1\"\ndatabase_env = \"TEST_FLEET_DB\"", queueRoot: forged.path)
        forger.extraEnvironment = ["TEST_FLEET_DB": server.connectionString]
        #expect(try Self.ship(forger).status == 0)
        let elsewhere = try fixtures[0].archive(["verify", "--fleet"])
        #expect(
            elsewhere.stdout.split(separator: "\n").contains { $0.hasPrefix("db-1 ") && $0.contains(" ok") },
            "\(elsewhere)")
        let atHome = try fixtures[2].archive(["verify", "--fleet"])
        outputs.append(atHome.description)
        #expect(atHome.status == 65, "\(atHome)")
        #expect(
            atHome.stdout.contains("host db-1: ledger row 3: differs from this host's own ledger")
                && !atHome.stdout.contains("host db-1: ledger row 2:"),
            "the first difference is the forged row: \(atHome)")

        // A second ledger under a name already shipped is refused, naming the row, before it mixes chains.
        let impostor = try Self.host("web-1", server)
        try Self.work(impostor, index: 2, notes: 1)
        let refused = try Self.ship(impostor)
        outputs.append(refused.description)
        #expect(refused.status == 65 && refused.stderr.contains("another ledger ships as 'web-1'"), "\(refused)")

        // A wrong password: one line, exit 69, and no password in it.
        impostor.extraEnvironment = [
            "TEST_FLEET_DB": server.connectionString.replacingOccurrences(
                of: PostgresServer.password, with: "wrong-pass-4411")
        ]
        let denied = try Self.ship(impostor)
        outputs.append(denied.description)
        #expect(denied.status == 69 && denied.stderr.contains("password authentication failed"), "\(denied)")
        #expect(
            !denied.stderr.contains("wrong-pass-4411") && denied.stderr.split(separator: "\n").count == 1, "\(denied)")
        for output in outputs {
            #expect(!output.contains(PostgresServer.password), "the connection string is a secret: \(output)")
        }
    }

    /// The figures of `- Label: N` lines of a daily or weekly report.
    static func figure(_ label: String, in text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("- \(label): ") }) else { return nil }
        return Int(line.dropFirst(label.count + 4).prefix { $0.isNumber })
    }

    @Test func theFleetDailyAndWeeklyReportsFiguresAreTheSumOfTheHostsOwn() throws {
        let server = try PostgresServer()
        var own: [String] = []
        var ownWeekly: [String] = []
        var fixtures: [ReportsFixture] = []
        for (index, name) in Self.hosts.enumerated() {
            let fixture = try Self.host(name, server)
            try Self.work(fixture, index: index, notes: 3 + 2 * index)
            let daily = try fixture.produce(
                ["daily", "--at", "2026-11-21T08:00", "--dry-run"], now: "2026-11-21T00:00:01Z")
            #expect(daily.status == 0, "\(daily)")
            own.append(daily.stdout)
            let weekly = try fixture.produce(
                ["weekly", "--week", "2026-W47", "--dry-run"], now: "2026-11-23T00:00:01Z")
            #expect(weekly.status == 0, "\(weekly)")
            ownWeekly.append(weekly.stdout)
            #expect(try Self.ship(fixture).status == 0)
            fixtures.append(fixture)
        }
        let fleet = try fixtures[0].produce(
            ["daily", "--fleet", "--at", "2026-11-21T08:00"], now: "2026-11-21T00:00:01Z")
        #expect(fleet.status == 0, "\(fleet)")
        let text = try fixtures[0].onlyPending("daily")
        for label in [
            "Enqueued", "Delivered", "Failed", "Retries (deferred)", "Opened", "Resolved",
            "Open at the end of the period", "Postmortems",
        ] {
            let sum = own.map { Self.figure(label, in: $0) ?? -1000 }.reduce(0, +)
            #expect(
                Self.figure(label, in: text) == sum,
                "\(label): the fleet's figure is the sum of the hosts' own (\(sum))\n\(text)")
        }
        #expect(
            Self.figure("Enqueued", in: text) == 3 + 5 + 7 + 1 + 1 + 1 + 3,
            "the hosts' notes, the rejected one, the incidents' reports and a postmortem")
        #expect(
            Self.figure("Failed", in: text) == 1 && Self.figure("Opened", in: text) == 2
                && Self.figure("Postmortems", in: text) == 1)
        #expect(
            Self.figure("Open at the end of the period", in: text) == 2,
            "web-1's INC-0 from before the window, and INC-1")
        #expect(text.contains("web-1/INC-0 (warning): cert expiring"), "\(text)")
        #expect(text.contains("web-1/INC-1 (critical): disk full"), "incidents are named by host: \(text)")
        for name in Self.hosts { #expect(text.contains("- \(name): enqueued"), "a By host line for \(name)") }
        #expect(
            text.contains("hosts:") && text.contains("the fleet database (3 host(s): db-1, web-1, web-2)"), "\(text)")

        let weekly = try fixtures[0].produce(
            ["weekly", "--fleet", "--week", "2026-W47", "--dry-run"], now: "2026-11-23T00:00:01Z")
        #expect(weekly.status == 0, "\(weekly)")
        let delivered = ownWeekly.map { Self.weeklyDelivered(in: $0) ?? -1000 }.reduce(0, +)
        #expect(Self.weeklyDelivered(in: weekly.stdout) == delivered, "\(weekly.stdout)")
        #expect(
            weekly.stdout.contains("Failed delivery: web-2/"),
            "a failed report is named with its host: \(weekly.stdout)")

        // The archiver's pass ships as its last step when [fleet] names a database; --no-ship leaves it to the timer.
        #expect(try fixtures[1].produce(["note", "--title", "after the ship", "--body", "x"]).status == 0)
        let offline = try fixtures[1].archive(["--no-ship"])
        #expect(offline.status == 0 && !offline.stdout.contains("ship"), "\(offline)")
        let pass = try fixtures[1].archive([])
        #expect(
            pass.status == 0 && pass.stdout.contains("filed ") && pass.stdout.contains("row(s) of host web-2"),
            "\(pass)")
        let rows = try Ledger(queue: fixtures[1].queue).allEvents().count
        #expect(try server.psql("SELECT count(*) FROM owner_report_events WHERE host = 'web-2'") == String(rows))

        // Nothing is left behind: no server process, no directory.
        let leftover = server.path
        server.shutDown()
        #expect(!FileManager.default.fileExists(atPath: leftover))
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let survivors = processes.filter { Int($0) != nil }.filter { pid in
            let command =
                (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map {
                    String(decoding: $0, as: UTF8.self)
                } ?? ""
            return command.contains(leftover)
        }
        #expect(survivors.isEmpty, "postgres processes left: \(survivors)")

        // Without [fleet] a database, --fleet says what to set.
        let plain = try ReportsFixture()
        let missing = try plain.produce(["daily", "--fleet", "--dry-run"])
        #expect(
            missing.status == 78 && missing.stderr.contains("fleet.database_env") && missing.stderr.contains("missing"),
            "\(missing)")
    }

    /// The weekly report's "Reports delivered: N" figure.
    static func weeklyDelivered(in text: String) -> Int? {
        guard let range = text.range(of: "Reports delivered: ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
