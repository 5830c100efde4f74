#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// What a writer killed between its durable steps leaves, and how recovery and keyed enqueues finish it.
@Suite struct RecoveryTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }

    init() throws { try queue.prepare() }

    func names(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// A writer that died after its `enqueued` row committed and before the link: bytes in tmp/, a row, no file.
    func diedAfterCommit(_ name: String, _ text: String, ledger: Ledger) throws {
        let staged = try DurableFile.stage(Array(text.utf8), for: "\(queue.pending)/\(name)", in: queue.tmp)
        try ledger.append(
            .init(
                .enqueued, report: name, enqueuedAt: ReportName.enqueueTime(of: name),
                sha256: QueueDirectory.sha256(staged.bytes)))
        staged.release()
    }

    let name = ReportName.make(
        at: Timestamp(seconds: 1_800_000_000), kind: .note, title: "recovered", format: .markdown)

    @Test func aCommittedReportLeftInTmpIsPublishedOnceAndRecorded() throws {
        let ledger = try Ledger(queue: queue)
        try diedAfterCommit(name, "# committed\n", ledger: ledger)
        #expect(names(queue.pending).isEmpty)
        let recovery = try queue.recoverStaged(ledger: ledger, by: "a test")
        #expect(recovery.republished == [name])
        #expect(names(queue.pending) == [name])
        #expect(try String(contentsOfFile: "\(queue.pending)/\(name)", encoding: .utf8) == "# committed\n")
        #expect(names(queue.tmp).isEmpty)
        #expect(try ledger.events(for: name).map(\.kind) == [.enqueued, .republished])
        #expect(
            try queue.recoverStaged(ledger: ledger, by: "a test") == StagingRecovery(),
            "a second recovery finds nothing")
    }

    @Test func bytesWhoseRowNeverCommittedAreRemovedAndRecorded() throws {
        let ledger = try Ledger(queue: queue)
        try DurableFile.stage(Array("never recorded".utf8), for: "\(queue.pending)/\(name)", in: queue.tmp).release()
        let recovery = try queue.recoverStaged(ledger: ledger, by: "a test")
        #expect(recovery.discarded == [name])
        #expect(names(queue.tmp).isEmpty && names(queue.pending).isEmpty)
        #expect(try ledger.events(for: name).map(\.kind) == [.discarded])
    }

    @Test func aLiveWritersBytesAreLeftAlone() throws {
        let ledger = try Ledger(queue: queue)
        // Held as a writer holds it between its fsync and its link: recovery must not judge it.
        let staged = try DurableFile.stage(Array("in flight".utf8), for: "\(queue.pending)/\(name)", in: queue.tmp)
        #expect(try queue.recoverStaged(ledger: ledger, by: "a test") == StagingRecovery())
        #expect(names(queue.tmp).count == 1)
        try ledger.append(.init(.enqueued, report: name, sha256: QueueDirectory.sha256(staged.bytes)))
        try staged.publish(as: "\(queue.pending)/\(name)")
        staged.release()
        #expect(names(queue.pending) == [name])
        #expect(names(queue.tmp).isEmpty)
    }

    @Test func bytesOfAReportAlreadyVisibleOrDeliveredAreOnlyRemoved() throws {
        let ledger = try Ledger(queue: queue)
        // Linked and delivered, but the staging name outlived a power cut (its unlink is not fsynced).
        try diedAfterCommit(name, "delivered", ledger: ledger)
        try ledger.append(.init(.delivered, report: name, destination: "owner"))
        try ledger.append(.init(.archived, report: name))
        // And one still in pending/.
        let waiting = ReportName.make(
            at: Timestamp(seconds: 1_800_000_001), kind: .note, title: "waiting", format: .markdown)
        try diedAfterCommit(waiting, "waiting", ledger: ledger)
        try DurableFile.create("\(queue.pending)/\(waiting)", bytes: Array("waiting".utf8))
        #expect(try queue.recoverStaged(ledger: ledger, by: "a test") == StagingRecovery())
        #expect(names(queue.tmp).isEmpty)
        #expect(names(queue.pending) == [waiting], "a delivered report is never put back")
    }

    @Test func bytesThatDoNotMatchTheirRowAreLeftForVerifyToName() throws {
        let ledger = try Ledger(queue: queue)
        let staged = try DurableFile.stage(Array("torn".utf8), for: "\(queue.pending)/\(name)", in: queue.tmp)
        try ledger.append(.init(.enqueued, report: name, sha256: QueueDirectory.sha256(Array("whole".utf8))))
        staged.release()
        #expect(try queue.recoverStaged(ledger: ledger, by: "a test") == StagingRecovery())
        #expect(names(queue.pending).isEmpty)
        #expect(names(queue.tmp).count == 1)
    }

    @Test func strayTemporariesGoByAgeOnly() throws {
        let ledger = try Ledger(queue: queue)
        let old = try directory.write("queue/tmp/.alerts.json.1.tmp", "partial")
        var times = [timespec(tv_sec: 1_000, tv_nsec: 0), timespec(tv_sec: 1_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, old, &times, 0) == 0)
        _ = try directory.write("queue/tmp/.metrics.prom.2.tmp", "partial")
        try queue.recoverStaged(ledger: ledger, by: "a test")
        #expect(names(queue.tmp) == [".metrics.prom.2.tmp"])
        #expect(try ledger.allEvents().isEmpty, "a state file's leftovers are not reports")
    }

    func report(_ title: String, cause: String) -> ReportToEnqueue {
        ReportToEnqueue(
            Array("# \(title)\n".utf8), kind: .incident, title: title, format: .markdown, origin: "a test",
            key: .cause(cause))
    }

    @Test func aStateChangeAndItsReportsCommitTogetherOncePerCause() throws {
        let ledger = try Ledger(queue: queue)
        let change = LedgerEvent.Draft(.incidentResolved, detail: "INC-1 resolved")
        let first = try queue.enqueue(
            [
                report("resolved", cause: "incident:INC-1:resolved:T"),
                report("postmortem", cause: "incident:INC-1:postmortem:T"),
            ], recording: [change],
            ledger: ledger)
        #expect(first.map(\.duplicate) == [false, false])
        #expect(try ledger.allEvents().map(\.kind) == [.incidentResolved, .enqueued, .enqueued])
        #expect(names(queue.pending) == first.map(\.id).sorted())

        // The same cause again (a sender's retry): the same ids, nothing new recorded or written.
        let again = try queue.enqueue(
            [
                report("resolved", cause: "incident:INC-1:resolved:T"),
                report("postmortem", cause: "incident:INC-1:postmortem:T"),
            ], recording: [change],
            ledger: ledger)
        #expect(again == first.map { EnqueuedReport(id: $0.id, duplicate: true) })
        #expect(try ledger.allEvents().count == 3)
        #expect(names(queue.pending).count == 2)
        #expect(names(queue.tmp).isEmpty)
    }

    @Test func aRetryOfACauseWhoseWriterDiedPublishesTheCommittedReport() throws {
        let ledger = try Ledger(queue: queue)
        // As the enqueue leaves it when killed after its commit: the row carries the cause.
        let staged = try DurableFile.stage(Array("opened".utf8), for: "\(queue.pending)/\(name)", in: queue.tmp)
        var facts = ReportFacts(kind: "incident")
        facts.cause = "incident:INC-2:opened:T"
        try ledger.append(
            .init(.enqueued, report: name, sha256: QueueDirectory.sha256(staged.bytes), facts: facts.json))
        staged.release()
        let retry = try queue.enqueue([report("opened again", cause: "incident:INC-2:opened:T")], ledger: ledger)
        #expect(retry == [EnqueuedReport(id: name, duplicate: true)])
        #expect(names(queue.pending) == [name])
        #expect(
            try String(contentsOfFile: "\(queue.pending)/\(name)", encoding: .utf8) == "opened",
            "the committed bytes, not the retry's")
        #expect(try ledger.events(for: name).map(\.kind) == [.enqueued, .republished])
    }

    @Test func aFailedCommitLeavesNothingInTmpOrPending() throws {
        let ledger = try Ledger(queue: queue)
        try ledger.database.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        #expect(throws: (any Error).self) {
            try queue.enqueue([report("x", cause: "c")], recording: [.init(.incidentOpened)], ledger: ledger)
        }
        #expect(names(queue.tmp).isEmpty && names(queue.pending).isEmpty)
    }
}
