import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Lanes as processes see them (docs/design.md §5, "Lanes"): a slow, hanging or rate-limited
/// destination delays no other, a backlog catches up in few messages under a chat's limits, a
/// SIGTERM ends the longest wait at once, and kill -9 mid-send loses nothing.
@Suite struct LaneTests {
    static let full = ProcessInfo.processInfo.environment["OWNER_REPORT_FAULTS"] == "full"

    /// Seconds from a report's enqueue time (its name) to `time` (the sink's clock, the same host's).
    static func latency(_ id: String, receivedAt time: Double) throws -> Double {
        let enqueued = try #require(ReportName.enqueueTime(of: id))
        return time - Double(enqueued.rawValue) / 1e9
    }

    /// Beside a destination that answers in a second, or hangs past the timeout, the other
    /// destination's reports arrive as if it were alone: none waits for the other lane. (Measured
    /// before lanes: 1.0, 1.8 … 6.8 s beside the slow one, 30 s each beside the hanging one.)
    @Test(arguments: ["slow", "hang"]) func aSlowOrHangingDestinationDelaysNoOther(other: String) throws {
        let fixture = try LaneFixture(lanes: 2)
        try fixture.sinks[1].plan(
            [], default: other == "slow" ? ["status": 200, "body": "ok", "delay": 1.0] : ["hang": 4.0])
        let daemon = try fixture.startDriver(["--follow"])
        defer {
            daemon.signal(SIGTERM)
            _ = daemon.wait()
        }
        #expect(
            eventually { FileManager.default.fileExists(atPath: "\(fixture.queue.state)/heartbeat") },
            "the daemon did not start")
        let ledger = try Ledger(queue: fixture.queue)
        var fast: [String] = []
        for index in 0..<6 {
            _ = try fixture.enqueue("other \(index)", to: "lane1", ledger: ledger)
            fast.append(try fixture.enqueue("fast \(index)", to: "lane0", ledger: ledger))
            Thread.sleep(forTimeInterval: 0.15)
        }
        #expect(
            eventually(timeout: .seconds(10)) { ((try? fixture.accepted(0)) ?? []).count == fast.count },
            "the fast lane did not finish")
        #expect(try fixture.accepted(0) == fast, "every fast report once, in order")
        let received = try fixture.received(0)
        let latencies = try fast.map { try Self.latency($0, receivedAt: try #require(received[$0])) }
        // The other lane takes a second or more per message: a fast report that waited behind
        // even one of them would show it.
        #expect(
            latencies.allSatisfy { $0 < 0.9 },
            "a fast report waited for the \(other) lane: \(latencies.map { String(format: "%.3f", $0) })")
    }

    /// A lane waiting out a 50-second rate limit ends at once on SIGTERM: the daemon exits 0 within a
    /// second or so, and the report stays pending with its wait recorded.
    @Test func sigtermDuringALongRateLimitWaitExitsAtOnce() throws {
        let fixture = try LaneFixture(lanes: 1, telegram: true)
        let telegram = try #require(fixture.telegram)
        try telegram.plan(
            [],
            default: [
                "status": 429, "headers": ["Retry-After": "50"],
                "body": [
                    "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 50",
                    "parameters": ["retry_after": 50],
                ],
            ])
        let id = try fixture.enqueue("limited", to: "group")
        let daemon = try fixture.startDriver(["--follow"])
        #expect(eventually { ((try? telegram.requests()) ?? []).count >= 1 }, "the request never came")
        Thread.sleep(forTimeInterval: 0.3)
        let asked = ContinuousClock.now
        daemon.signal(SIGTERM)
        let outcome = daemon.wait()
        let took = ContinuousClock.now - asked
        #expect(outcome.status == 0, "\(outcome)")
        #expect(took < .seconds(3), "SIGTERM waited for the rate limit: \(took)")
        #expect(directoryNames(fixture.queue.pending) == [id])
        let rows = try Ledger(queue: fixture.queue).events(for: id)
        #expect(
            rows.contains { $0.kind == .deferred && ($0.detail ?? "").contains("waiting 50") }, "\(rows.map(\.kind))")
        #expect(try telegram.requests().count == 1, "nothing was sent again before the wait was over")
    }

    /// A backlog reaches a Telegram group that allows 1 message a second and `limit` a window: each
    /// report exactly once, in order, packed into few messages, the critical one in a message of its
    /// own; every report has its own ledger rows and `verify` passes.
    @Test func aBacklogReachesATelegramGroupUnderItsLimitsOnceEachInOrder() throws {
        let count = Self.full ? 1000 : 300
        let (limit, window) = Self.full ? (20, 60.0) : (6, 8.0)
        let fixture = try LaneFixture(lanes: 1, telegram: true)
        let telegram = try #require(fixture.telegram)
        try telegram.emulate([
            "telegram_token": LaneFixture.telegramToken, "telegram_chats": ["-100500"],
            "telegram_rate": ["per_chat": 1.0, "group_limit": limit, "group_window": window],
        ])
        let ledger = try Ledger(queue: fixture.queue)
        let critical = count / 2
        let ids = try (0..<count).map { index in
            try fixture.enqueue(
                String(format: "job %04d finished", index), to: "group",
                status: index == critical ? .critical : .normal, body: "exit 0 after \(index % 60)s",
                ledger: ledger)
        }
        let started = ContinuousClock.now
        let run = try fixture.drive()
        let took = ContinuousClock.now - started
        #expect(run.status == 0, "\(run)")
        let messages = try telegram.accepted().compactMap(\.shown)
        let pattern = try NSRegularExpression(pattern: "[0-9]{8}T[0-9]{6}\\.[0-9]{9}Z-note-[a-z0-9-]+\\.md")
        let shown = messages.map { text in
            pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range, in: text).map { String(text[$0]) }
            }
        }
        #expect(shown.flatMap { $0 } == ids, "each report once, in order")
        let alone = try #require(shown.first { $0.contains(ids[critical]) })
        #expect(alone == [ids[critical]], "the critical report shares its message: \(alone.count) reports")
        #expect(
            messages.count <= count / 20, "\(messages.count) messages for \(count) reports: the backlog was not packed")
        let rows = try Ledger(queue: fixture.queue).allEvents()
        for kind in [LedgerEvent.Kind.delivered, .archived] {
            #expect(
                Set(rows.filter { $0.kind == kind }.compactMap(\.report)).isSuperset(of: ids),
                "a report lacks its \(kind) row")
        }
        #expect(directoryNames(fixture.queue.sent).count == count)
        #expect(try fixture.verify().status == 0)
        print(
            "backlog of \(count) to a Telegram group (1/s, \(limit) per \(Int(window)) s): \(messages.count) messages in \(took)"
        )
    }

    /// kill -9 while four lanes are each mid-send: nothing lost, each lane's first deliveries in
    /// its enqueue order, at most one duplicate per lane per kill, and `verify` passes.
    @Test func killedWhileSeveralLanesAreMidSendNothingIsLostAndEachLaneKeepsItsOrder() throws {
        let lanes = 4
        let perLane = Self.full ? 150 : 40
        let kills = Self.full ? 30 : 8
        let fixture = try LaneFixture(lanes: lanes)
        for sink in fixture.sinks { try sink.plan([], default: ["status": 200, "body": "ok", "delay": 0.02]) }
        let ledger = try Ledger(queue: fixture.queue)
        var ids = Array(repeating: [String](), count: lanes)
        for index in 0..<perLane {
            for lane in 0..<lanes {
                ids[lane].append(try fixture.enqueue("lane \(lane) report \(index)", to: "lane\(lane)", ledger: ledger))
            }
        }
        for _ in 0..<kills {
            let driver = try fixture.startDriver()
            Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.5))
            driver.signal(SIGKILL)
            _ = driver.wait()
        }
        for _ in 0..<10 where !directoryNames(fixture.queue.pending).isEmpty {
            if try fixture.drive().status == 75 { Thread.sleep(forTimeInterval: 2.1) }
        }
        #expect(directoryNames(fixture.queue.pending).isEmpty, "nothing left pending")
        #expect(Set(directoryNames(fixture.queue.sent)) == Set(ids.flatMap { $0 }), "every report in sent/")
        for lane in 0..<lanes {
            let accepted = try fixture.accepted(lane)
            var seen = Set<String>()
            let first = accepted.filter { seen.insert($0).inserted }
            #expect(first == ids[lane], "lane \(lane): first deliveries out of order or missing")
            #expect(
                accepted.count - first.count <= kills,
                "lane \(lane): \(accepted.count - first.count) duplicates for \(kills) kills")
        }
        #expect(try fixture.verify().status == 0)
    }
}
