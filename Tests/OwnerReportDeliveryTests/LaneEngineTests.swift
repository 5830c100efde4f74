import Foundation
import Logging
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportLedger
import Testing
import TestSupport

/// A transport that answers on cue, in process: the lane engine's order, stop-on-failure, quarantine,
/// digests and archive batching, checked without processes or sockets.
final class ScriptedTransport: Transport, BacklogPacking, @unchecked Sendable {
    enum Answer {
        case accept
        case fail(SendOutcome)
        /// Accepts after this long (a slow relay).
        case slow(Duration)
        /// Never answers until the run is stopped (a hanging server).
        case hang
    }

    let destination: Destination
    var interruption: Interruption?
    private let lock = NSLock()
    private var script: (PreparedReport, OutgoingMessage) -> Answer
    /// What was accepted, in order: each message's report id and part, and when.
    private(set) var log: [(id: String, part: Int, at: ContinuousClock.Instant, text: String)] = []
    /// Reports per catch-up message; nil: this destination does not pack.
    let packing: Int?

    init(
        _ name: String, packing: Int? = nil,
        script: @escaping (PreparedReport, OutgoingMessage) -> Answer = { _, _ in .accept }
    ) {
        destination = Destination(name: name, channel: .webhook)
        self.packing = packing
        self.script = script
    }

    func answer(_ script: @escaping (PreparedReport, OutgoingMessage) -> Answer) {
        lock.lock()
        self.script = script
        lock.unlock()
    }

    var accepted: [(id: String, part: Int, at: ContinuousClock.Instant, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        [
            OutgoingMessage(
                part: 1, parts: 1, payload: Array(report.id.utf8), text: report.report.title, reportID: report.id)
        ]
    }

    func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        lock.lock()
        let answer = script(report, message)
        lock.unlock()
        switch answer {
        case .accept:
            break
        case .fail(let outcome):
            return outcome
        case .slow(let pause):
            Thread.sleep(forTimeInterval: pause.seconds)
        case .hang:
            while interruption?.isRequested != true { Thread.sleep(forTimeInterval: 0.01) }
            return .transient(status: nil, retryAfter: nil, detail: "timed out")
        }
        lock.lock()
        log.append((report.id, message.part, ContinuousClock.now, message.text))
        lock.unlock()
        return .accepted(status: 200, messageID: nil)
    }

    func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String { message.text }

    func catchUpMessages(for reports: [PreparedReport]) -> CatchUp {
        guard let packing, reports.count >= 2 else { return .none }
        let groups = stride(from: 0, to: reports.count, by: packing).map { $0..<min($0 + packing, reports.count) }
        let id = "catchup-\(reports[0].id)"
        let messages = groups.enumerated().map { index, range in
            OutgoingMessage(
                part: index + 1, parts: groups.count, payload: [],
                text: reports[range].map(\.report.title).joined(separator: "|"), reportID: id)
        }
        return CatchUp(messages: messages, covering: groups, digest: Report(kind: .note, title: "Catch-up"))
    }
}

@Suite struct LaneEngineTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }
    let configuration: Configuration

    init() throws {
        configuration = try ConfigurationLoader.parse(
            """
            default_destination = "fast"
            [delivery]
            backoff_initial = "30s"
            [destinations.fast]
            channel = "file"
            path = "outbox-fast"
            [destinations.slow]
            channel = "file"
            path = "outbox-slow"
            [destinations.chat]
            channel = "file"
            path = "outbox-chat"
            """, file: "test.toml")
        try queue.prepare()
    }

    func enqueue(_ title: String, to destination: String, status: ReportStatus = .normal) throws -> String {
        try queue.enqueue(
            Report(
                kind: .note, title: title,
                fields: ["destination": .text(destination), "status": .text(status.rawValue)]))
    }

    func engine(
        _ transports: [ScriptedTransport], dryRun: Bool = false, stop: @escaping @Sendable () -> Bool = { false }
    ) throws -> DeliveryRun {
        DeliveryRun(
            queue: queue, configuration: configuration, ledger: try Ledger(queue: queue),
            transports: Dictionary(uniqueKeysWithValues: transports.map { ($0.destination.name, $0 as Transport) }),
            secrets: SecretResolver(environment: [:], configurationFile: "test.toml"),
            options: .init(dryRun: dryRun, shouldStop: stop),
            logger: Logger(label: "test"))
    }

    func rows(_ report: String) throws -> [String] {
        try Ledger(queue: queue).events(for: report).map(\.kind.rawValue)
    }

    /// A lane that takes 300 ms a message holds back no report of another lane: every fast report
    /// is accepted before the slow lane's second message.
    @Test func aSlowLaneHoldsBackNoOtherLane() throws {
        let fast = ScriptedTransport("fast")
        let slow = ScriptedTransport("slow") { _, _ in .slow(.milliseconds(300)) }
        var fastIDs: [String] = []
        // The slow lane's report first in each pair: one loop over both, in either order, would make
        // the fast lane wait.
        for index in 0..<6 {
            _ = try enqueue("slow \(index)", to: "slow")
            fastIDs.append(try enqueue("fast \(index)", to: "fast"))
        }
        let summary = try engine([fast, slow]).run()
        #expect(summary.delivered.count == 12)
        #expect(fast.accepted.map(\.id) == fastIDs, "in order, each once")
        let secondSlow = try #require(slow.accepted.dropFirst().first?.at)
        #expect(fast.accepted.allSatisfy { $0.at < secondSlow }, "a fast report waited for the slow lane")
    }

    /// A hanging destination's report stays in pending/ with no `delivered` row; the other lane is
    /// done long before, and a stop ends the hang at once.
    @Test func aHangingLaneIsInterruptedByAStopAndLosesNothing() throws {
        let fast = ScriptedTransport("fast")
        let slow = ScriptedTransport("slow") { _, _ in .hang }
        let stuck = try enqueue("stuck", to: "slow")
        var fastIDs: [String] = []
        for index in 0..<5 { fastIDs.append(try enqueue("fast \(index)", to: "fast")) }
        let started = ContinuousClock.now
        // A deadline too, so that a lane that waits for the hanging one fails the test instead of hanging it.
        let summary = try engine([fast, slow]) {
            let waited = ContinuousClock.now - started
            return (fast.accepted.count == 5 && waited > .milliseconds(200)) || waited > .seconds(5)
        }.run()
        #expect(fast.accepted.map(\.id) == fastIDs)
        #expect(Set(summary.delivered) == Set(fastIDs))
        #expect(directoryNames(queue.pending) == [stuck], "the hanging lane's report waits for the next run")
        #expect(try !rows(stuck).contains("delivered"))
        #expect(try !rows(stuck).contains("deferred"), "a stop is no failure: no backoff is charged")
    }

    /// A transient failure stops its lane for the pass (newer reports wait, order holds); a
    /// rejected report goes to failed/ and its lane goes on; the other lane is untouched.
    @Test func aFailureStopsOnlyItsLaneAndARejectionOnlyItsReport() throws {
        var a: [String] = [], b: [String] = []
        for index in 0..<5 {
            a.append(try enqueue("a \(index)", to: "fast"))
            b.append(try enqueue("b \(index)", to: "slow"))
        }
        let fast = ScriptedTransport("fast")
        fast.answer { report, _ in
            report.id == a[2] ? .fail(.transient(status: 503, retryAfter: nil, detail: "HTTP 503")) : .accept
        }
        let slow = ScriptedTransport("slow")
        slow.answer { report, _ in
            report.id == b[1] ? .fail(.rejected(status: 400, detail: "HTTP 400 bad body")) : .accept
        }
        let summary = try engine([fast, slow]).run()
        #expect(fast.accepted.map(\.id) == Array(a[..<2]), "the lane stopped at its failure")
        #expect(slow.accepted.map(\.id) == [b[0]] + b[2...], "the rejected one skipped, the lane went on")
        #expect(summary.quarantined.map(\.id) == [b[1]])
        #expect(summary.stoppedLanes.keys.sorted() == ["fast"])
        #expect(summary.waiting == 3)
        #expect(Set(directoryNames(queue.pending)) == Set(a[2...]))
        #expect(try rows(a[2]).suffix(2) == ["attempt", "deferred"])
        #expect(try !rows(a[3]).contains("attempt"), "a newer report of a stopped lane is not tried")
    }

    /// A report for two lanes moves to sent/ only when both accepted; one that only one accepted
    /// stays, and the next run sends it only where it is missing.
    @Test func aReportForTwoLanesIsArchivedWhenBothAccepted() throws {
        let both = try enqueue("both", to: "fast, slow")
        let fast = ScriptedTransport("fast")
        let slow = ScriptedTransport("slow") { _, _ in
            .fail(.transient(status: 502, retryAfter: nil, detail: "HTTP 502"))
        }
        _ = try engine([fast, slow]).run()
        #expect(directoryNames(queue.pending) == [both])
        #expect(fast.accepted.map(\.id) == [both])

        // The backoff is over: the second run sends to slow alone.
        let later = ScriptedTransport("fast")
        let healed = ScriptedTransport("slow")
        let ledger = try Ledger(queue: queue)
        try ledger.append(.init(.requeued, report: both, detail: "test: backoff over"))
        let summary = try engine([later, healed]).run()
        #expect(summary.delivered == [both])
        #expect(later.accepted.isEmpty, "never sent twice to a destination that accepted it")
        #expect(healed.accepted.map(\.id) == [both])
        #expect(directoryNames(queue.sent) == [both])
    }

    /// A backlog is packed into catch-up messages, oldest first; a critical report goes in a message
    /// of its own between them; every report gets its own attempt and delivered rows.
    @Test func aBacklogIsPackedAroundACriticalReportWithRowsPerReport() throws {
        var ids: [String] = []
        for index in 0..<10 {
            ids.append(try enqueue("r\(index)", to: "chat", status: index == 5 ? .critical : .normal))
        }
        let chat = ScriptedTransport("chat", packing: 4)
        let summary = try engine([chat]).run()
        #expect(summary.delivered == ids)
        #expect(
            chat.accepted.map(\.text) == ["r0|r1|r2|r3", "r4", "r5", "r6|r7|r8|r9"], "\(chat.accepted.map(\.text))")
        for id in ids {
            let kinds = try rows(id)
            #expect(
                kinds.filter { $0 == "attempt" }.count == 1 && kinds.filter { $0 == "delivered" }.count == 1,
                "\(id): \(kinds)")
            #expect(kinds.last == "archived")
        }
    }

    /// A dry run shows the catch-up messages a backlog would go in, and sends and writes nothing.
    @Test func aDryRunShowsTheCatchUpMessagesAndChangesNothing() throws {
        for index in 0..<5 { _ = try enqueue("r\(index)", to: "chat") }
        let rowsBefore = try Ledger(queue: queue).allEvents().count
        let pendingBefore = directoryNames(queue.pending)
        let chat = ScriptedTransport("chat", packing: 3)
        let summary = try engine([chat], dryRun: true).run()
        #expect(summary.previews.count == 2, "\(summary.previews)")
        #expect(
            summary.previews.first?.hasSuffix("r0|r1|r2") == true && summary.previews.last?.hasSuffix("r3|r4") == true,
            "\(summary.previews)")
        #expect(chat.accepted.isEmpty)
        #expect(try Ledger(queue: queue).allEvents().count == rowsBefore)
        #expect(directoryNames(queue.pending) == pendingBefore)
    }

    /// A catch-up digest refused on its second message keeps what the first delivered, defers the
    /// rest, and the next run sends only the rest.
    @Test func aDigestsRetryResumesAtTheFirstMessageNotAccepted() throws {
        var ids: [String] = []
        for index in 0..<8 { ids.append(try enqueue("r\(index)", to: "chat")) }
        let chat = ScriptedTransport("chat", packing: 4)
        chat.answer { _, message in
            message.part == 2 ? .fail(.transient(status: 503, retryAfter: nil, detail: "HTTP 503")) : .accept
        }
        let first = try engine([chat]).run()
        #expect(first.delivered == Array(ids[..<4]))
        #expect(Set(directoryNames(queue.pending)) == Set(ids[4...]))
        try Ledger(queue: queue).append(ids[4...].map { .init(.requeued, report: $0, detail: "test: backoff over") })

        let again = ScriptedTransport("chat", packing: 4)
        let second = try engine([again]).run()
        #expect(second.delivered == Array(ids[4...]))
        #expect(again.accepted.map(\.text) == ["r4|r5|r6|r7"], "only what was not accepted")
        #expect(directoryNames(queue.pending).isEmpty)
    }

    /// Eight lanes finishing messages at once share the ledger's commits (group commit): fewer
    /// transactions than messages, and every report still has its rows.
    @Test func lanesShareCommits() throws {
        var transports: [ScriptedTransport] = []
        var text = "default_destination = \"l0\"\n"
        for lane in 0..<8 {
            text += "[destinations.l\(lane)]\nchannel = \"file\"\npath = \"o\(lane)\"\n"
            transports.append(ScriptedTransport("l\(lane)") { _, _ in .slow(.milliseconds(5)) })
        }
        let configuration = try ConfigurationLoader.parse(text, file: "test.toml")
        var ids: [String] = []
        for index in 0..<80 {
            ids.append(
                try queue.enqueue(
                    Report(kind: .note, title: "n\(index)", fields: ["destination": .text("l\(index % 8)")])))
        }
        let run = DeliveryRun(
            queue: queue, configuration: configuration, ledger: try Ledger(queue: queue),
            transports: Dictionary(uniqueKeysWithValues: transports.map { ($0.destination.name, $0 as Transport) }),
            secrets: SecretResolver(environment: [:], configurationFile: "test.toml"), options: .init(),
            logger: Logger(label: "test"))
        let summary = try run.run()
        #expect(summary.delivered.count == 80)
        #expect(run.ledgerCommits < 80, "one commit per message or more: \(run.ledgerCommits)")
        for lane in 0..<8 {
            #expect(
                transports[lane].accepted.map(\.id) == ids.enumerated().filter { $0.offset % 8 == lane }.map(\.element),
                "lane \(lane) out of order")
        }
    }

    /// A backlog larger than the read-ahead is read as the lane drains it: the lanes never hold
    /// more decoded reports than the bound, and every report still goes, in order.
    @Test func aBacklogIsReadAheadOnlyAsFarAsTheBound() throws {
        var ids: [String] = []
        let ledger = try Ledger(queue: queue)
        for index in 0..<200 {
            ids.append(
                try queue.enqueue(
                    Report(kind: .note, title: "n\(index)", fields: ["destination": .text("fast")]), ledger: ledger))
        }
        final class Peak: @unchecked Sendable {
            var run: DeliveryRun?
            var most = 0
        }
        let peak = Peak()
        let fast = ScriptedTransport("fast") { _, _ in
            peak.most = max(peak.most, peak.run?.reportsInHand ?? 0)
            return .accept
        }
        let run = DeliveryRun(
            queue: queue, configuration: configuration, ledger: ledger, transports: ["fast": fast],
            secrets: SecretResolver(environment: [:], configurationFile: "test.toml"), options: .init(readAhead: 16),
            logger: Logger(label: "test"))
        peak.run = run
        let summary = try run.run()
        #expect(summary.delivered == ids)
        #expect(fast.accepted.map(\.id) == ids)
        #expect(peak.most > 0 && peak.most <= 16, "held \(peak.most) at once")
    }

    /// The daemon's engine: a lane stopped by a failure stays stopped through the next scans until
    /// its backoff is over, so neither the failed report nor a newer one goes early.
    @Test func aLaterScanDoesNotCutABackoffShort() throws {
        let first = try enqueue("first", to: "fast")
        let fast = ScriptedTransport("fast") { _, _ in
            .fail(.transient(status: 503, retryAfter: nil, detail: "HTTP 503"))
        }
        let engine = try engine([fast])
        defer { engine.shutDown() }
        try engine.feed()
        #expect(eventually { !engine.isBusy && engine.takeSummary().stoppedLanes["fast"] != nil })
        fast.answer { _, _ in .accept }
        let second = try enqueue("second", to: "fast")
        try engine.feed()
        #expect(eventually { !engine.isBusy })
        let summary = engine.takeSummary()
        #expect(fast.accepted.isEmpty, "a backoff of 15 s or more was cut short: \(fast.accepted.map(\.id))")
        #expect(summary.nextDue.map { $0 > Timestamp.now() } == true, "the daemon would not know when to wake")
        #expect(Set(directoryNames(queue.pending)) == [first, second])
    }

    /// A destination broken as a whole stops the run while the scan is still handing out a backlog:
    /// the run returns with the configuration error, and does not wait for lanes that have ended.
    @Test func aBrokenDestinationEndsTheRunWhileTheScanHandsOut() throws {
        let ledger = try Ledger(queue: queue)
        for index in 0..<400 {
            _ = try queue.enqueue(
                Report(
                    kind: .note, title: "n\(index)", fields: ["destination": .text(index % 2 == 0 ? "fast" : "slow")]),
                ledger: ledger)
        }
        let fast = ScriptedTransport("fast") { _, _ in .fail(.destinationBroken(status: 401, detail: "HTTP 401")) }
        let slow = ScriptedTransport("slow")
        let run = try engine([fast, slow])
        final class Box: @unchecked Sendable { var summary: DeliverySummary? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread {
            box.summary = try? run.run()
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 20) == .success, "the run never returned")
        #expect(box.summary?.configurationError?.contains("refused as a whole") == true)
        #expect(directoryNames(queue.sent).count + directoryNames(queue.pending).count == 400, "nothing lost")
    }

    /// A lane waiting out a long rate limit is interrupted by a stop at once, not after the wait.
    @Test func aStopEndsALongRateLimitWait() throws {
        let id = try enqueue("limited", to: "chat")
        let chat = ScriptedTransport("chat") { _, _ in
            .fail(.transient(status: 429, retryAfter: .seconds(50), detail: "HTTP 429"))
        }
        let started = ContinuousClock.now
        let summary = try engine([chat]) { ContinuousClock.now - started > .milliseconds(300) }.run()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(5), "the stop waited for the rate limit: \(took)")
        #expect(summary.delivered.isEmpty)
        #expect(directoryNames(queue.pending) == [id])
    }
}
