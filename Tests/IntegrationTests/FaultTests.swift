import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The fault suite: each scenario ends with the same two checks, the archive verified against the
/// ledger, and the exact set (every produced report in sent/ exactly once, or in failed/ with a
/// reason; first deliveries in enqueue order). `make test` runs it small; `make faults`
/// (OWNER_REPORT_FAULTS=full) runs it at full size, with the disk-full scenario.
@Suite struct FaultTests {
    static let full = ProcessInfo.processInfo.environment["OWNER_REPORT_FAULTS"] == "full"
    static func size(_ small: Int, _ large: Int) -> Int { full ? large : small }

    /// Drives until pending/ is empty (or `attempts` runs), with the plan back to 200.
    static func drainToEnd(_ fixture: DriverFixture, now: String? = nil, attempts: Int = 20) throws {
        try fixture.sink.plan([])
        for _ in 0..<attempts where !directoryNames(fixture.queue.pending).isEmpty {
            let run = try fixture.drive(environment: now.map { ["OWNER_REPORT_NOW": $0] } ?? [:])
            if run.status == 75 { Thread.sleep(forTimeInterval: 1.1) }
        }
    }

    /// The two closing checks of every scenario.
    /// - Parameter checkOrder: false where the clock jumped back, so that reports were enqueued "before"
    ///   others already delivered; that scenario checks order within each run instead.
    static func checkExactSet(
        _ fixture: DriverFixture, produced: [String], maxDuplicates: Int? = nil, checkOrder: Bool = true
    ) throws {
        let sent = directoryNames(fixture.queue.sent)
        let failed = directoryNames(fixture.queue.failed).filter { !$0.hasSuffix(".error.json") }
        #expect(directoryNames(fixture.queue.pending).isEmpty, "nothing left pending")
        #expect(Set(sent).isDisjoint(with: failed))
        #expect(
            (sent + failed).sorted() == produced.sorted(), "every produced report is in sent/ or failed/ exactly once")
        for name in failed {
            #expect(
                FileManager.default.fileExists(atPath: "\(fixture.queue.failed)/\(name).error.json"),
                "\(name) has its reason")
        }
        let accepted = try fixture.acceptedIDs()
        var firstSeen: [String] = []
        var seen = Set<String>()
        for id in accepted where seen.insert(id).inserted { firstSeen.append(id) }
        #expect(Set(firstSeen) == Set(sent), "the destination accepted exactly what is in sent/")
        let order = try Dictionary(uniqueKeysWithValues: produced.map { ($0, try enqueueKey($0, fixture)) })
        if checkOrder {
            #expect(
                firstSeen == firstSeen.sorted { (order[$0] ?? "", $0) < (order[$1] ?? "", $1) },
                "first deliveries in enqueue order")
        }
        if let maxDuplicates { #expect(accepted.count - firstSeen.count <= maxDuplicates) }
        let verify = try Program.archiver.run(["verify", "--queue", fixture.queue.root, "--config", fixture.configPath])
        #expect(verify.status == 0, "\(verify)")
    }

    static func enqueueKey(_ name: String, _ fixture: DriverFixture) throws -> String {
        let time = try #require(try Ledger(queue: fixture.queue).enqueueTime(of: name))
        return String(format: "%020lld", time.rawValue) + name
    }

    /// Producer processes adding `count` notes, one by one; returns their ids in production order.
    static func produce(_ fixture: DriverFixture, _ count: Int, prefix: String, now: String? = nil) throws -> [String] {
        try (0..<count).map { index in
            let run = try Program.producer.run(
                [
                    "note", "--title", "\(prefix) \(index)", "--body", "本文 \(index)", "--queue", fixture.queue.root,
                    "--config", fixture.configPath,
                ],
                environment: fixture.environment.merging(now.map { ["OWNER_REPORT_NOW": $0] } ?? [:]) { $1 })
            guard run.status == 0 else { throw FixtureError("producer: \(run)") }
            return DurableFile.fileName(of: run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func killMinus9LoopsWhileProducersAdd() throws {
        let fixture = try DriverFixture()
        var produced = try fixture.enqueueNotes(Self.size(120, 600), prefix: "early")
        let kills = Self.size(15, 60)
        for round in 0..<kills {
            let driver = try fixture.startDriver()
            if round % 3 == 0 { produced += try Self.produce(fixture, 2, prefix: "during \(round)") }
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.2))
            driver.signal(SIGKILL)
            _ = driver.wait()
        }
        try Self.drainToEnd(fixture)
        try Self.checkExactSet(fixture, produced: produced, maxDuplicates: kills)
    }

    @Test func aSinkFlappingBetween200And500And429AndHanging() throws {
        let fixture = try DriverFixture()
        let produced = try fixture.enqueueNotes(Self.size(12, 120), prefix: "flap")
        // Each report meets one of the four answers once (or twice) before a 200.
        let answers: [[String: Any]] = [
            ["status": 500, "body": "oops"], ["status": 429, "body": "slow down", "headers": ["Retry-After": "1"]],
            ["status": 200, "body": "ok", "hang": 3], ["status": 503, "body": "busy"],
        ]
        try fixture.sink.plan(
            produced.indices.map { index in
                answers[index % answers.count].merging([
                    "contains": "flap \(String(format: "%03d", index + 1))\"", "times": 1 + index % 2,
                ]) { $1 }
            })
        let deadline = Date().addingTimeInterval(Double(Self.size(60, 300)))
        while Date() < deadline, !directoryNames(fixture.queue.pending).isEmpty {
            let run = try fixture.drive()
            #expect([0, 75].contains(run.status), "\(run)")
            if run.status == 75 { Thread.sleep(forTimeInterval: 0.3) }
        }
        try Self.drainToEnd(fixture)
        let statuses = Set(try fixture.sink.requests().compactMap(\.status))
        #expect(statuses.isSuperset(of: [200, 429, 500, 503]), "\(statuses)")
        #expect(try fixture.sink.requests().contains { $0.status == nil }, "and hung")
        try Self.checkExactSet(fixture, produced: produced)
    }

    @Test func twoDaemonsAndAWatchdogAtOnce() throws {
        let fixture = try DriverFixture()
        let first = try fixture.startDriver(["--follow"])
        let second = try fixture.startDriver(["--follow"])
        defer {
            first.signal(SIGKILL)
            second.signal(SIGKILL)
        }
        var produced: [String] = []
        for round in 0..<Self.size(6, 30) {
            produced += try Self.produce(fixture, 5, prefix: "busy \(round)")
            let watchdog = try Program.watchdog.run(
                ["--queue", fixture.queue.root, "--config", fixture.configPath, "--max-count", "3"],
                environment: fixture.environment)
            #expect([0, 75].contains(watchdog.status), "\(watchdog)")
        }
        #expect(eventually(timeout: .seconds(30)) { directoryNames(fixture.queue.pending).isEmpty })
        first.signal(SIGTERM)
        second.signal(SIGTERM)
        _ = first.wait()
        _ = second.wait()
        try Self.checkExactSet(fixture, produced: produced, maxDuplicates: 0)
    }

    @Test func theClockJumpsBackAndForth() throws {
        let fixture = try DriverFixture()
        var produced: [String] = []
        let clocks = [
            "2026-11-20T10:00:00Z", "2026-11-20T07:00:00Z", "2026-11-22T10:00:00Z", "2026-11-19T10:00:00Z",
            "2026-11-20T10:00:30Z",
        ]
        try fixture.sink.plan([["contains": "jump 1 ", "status": 503, "body": "later", "times": 2]])
        var batches: [[String]] = []
        for (index, clock) in clocks.enumerated() {
            produced += try Self.produce(fixture, Self.size(4, 20), prefix: "jump \(index)", now: clock)
            let before = try fixture.acceptedIDs().count
            let run = try fixture.drive(environment: ["OWNER_REPORT_NOW": clock])
            #expect([0, 75].contains(run.status), "\(run)")
            batches.append(Array(try fixture.acceptedIDs().dropFirst(before)))
        }
        // Whatever the clock said when a backoff was set, a later real day lets everything through.
        let before = try fixture.acceptedIDs().count
        try Self.drainToEnd(fixture, now: "2026-12-01T00:00:00Z")
        batches.append(Array(try fixture.acceptedIDs().dropFirst(before)))
        try Self.checkExactSet(fixture, produced: produced, checkOrder: false)
        // Within each run, what went out went oldest-first by enqueue time, whatever the clock said.
        for batch in batches {
            let keys = try batch.map { try Self.enqueueKey($0, fixture) }
            #expect(keys == keys.sorted(), "\(batch)")
        }
        let archive = try Program.archiver.run(
            ["--queue", fixture.queue.root, "--config", fixture.configPath],
            environment: ["OWNER_REPORT_NOW": "2026-12-01T00:00:00Z"])
        #expect(archive.status == 0, "\(archive)")
    }
}
