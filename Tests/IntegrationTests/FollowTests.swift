import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `owner-report-driver --follow` as a process: inotify wake-ups, floods, SIGTERM, pending/ replaced.
@Suite struct FollowTests {
    /// Starts the daemon and waits for its first heartbeat (the watch is set, the first scan done).
    static func follow(_ fixture: DriverFixture) throws -> RunningProgram {
        let daemon = try fixture.startDriver(["--follow", "--verbose"])
        let heartbeat = "\(fixture.queue.state)/heartbeat"
        #expect(
            eventually { (try? String(contentsOfFile: heartbeat, encoding: .utf8))?.contains("activity=idle") == true },
            "no heartbeat")
        return daemon
    }

    static func stop(_ daemon: RunningProgram) -> Program.Outcome {
        daemon.signal(SIGTERM)
        return daemon.wait()
    }

    @Test func reportsArrivingByProducerCopyAndRenameAreDeliveredAtOnce() throws {
        let fixture = try DriverFixture()
        let daemon = try Self.follow(fixture)
        // The producer links a finished file into pending/ (IN_CREATE).
        let produced = try Program.producer.run([
            "note", "--queue", fixture.queue.root, "--config", fixture.configPath, "--title", "by producer",
        ])
        #expect(produced.status == 0, "\(produced)")
        #expect(eventually { (try? fixture.acceptedIDs().count) == 1 }, "the producer's report was not delivered")
        // cp writes in place (IN_CLOSE_WRITE); the file is read only once it has settled.
        let staging = fixture.directory.appending("staging")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let copied = try fixture.directory.write("staging/copied.json", #"{"kind": "note", "title": "by cp"}"#)
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [copied, "\(fixture.queue.pending)/copied.json"]
        try cp.run()
        cp.waitUntilExit()
        #expect(
            eventually { (try? fixture.acceptedIDs())?.contains("copied.json") == true },
            "the copied report was not delivered")
        // mv within the file system (IN_MOVED_TO).
        let moved = try fixture.directory.write("staging/moved.md", "---\nkind: note\ntitle: by mv\n---\nbody\n")
        #expect(rename(moved, "\(fixture.queue.pending)/moved.md") == 0)
        #expect(
            eventually { (try? fixture.acceptedIDs())?.contains("moved.md") == true },
            "the moved report was not delivered")

        let outcome = Self.stop(daemon)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(
            !FileManager.default.fileExists(atPath: "\(fixture.queue.state)/heartbeat"),
            "a clean stop must not leave a heartbeat to go stale")
        #expect(directoryNames(fixture.queue.pending).isEmpty)
        #expect(directoryNames(fixture.queue.sent).count == 3)
        #expect(try fixture.acceptedIDs().count == 3, "a report was sent twice")
    }

    @Test func aFloodOfTwoThousandReportsIsDeliveredInOrder() throws {
        let fixture = try DriverFixture(delivery: "timeout = \"20s\"")
        // A small kernel queue for this daemon's inotify instance, and a first delivery that takes
        // 1.5 s while the flood goes on, make the queue overflow, so the overflow path runs. The
        // limit is read when the instance is made; it is put back at once.
        try fixture.sink.plan([["contains": "flood 001\"", "hang": 1.5, "status": 200, "times": 1]])
        let limitPath = "/proc/sys/fs/inotify/max_queued_events"
        let original = try? String(contentsOfFile: limitPath, encoding: .utf8)
        let lowered = (try? "16\n".write(toFile: limitPath, atomically: false, encoding: .utf8)) != nil
        let daemon: RunningProgram
        do {
            defer {
                if lowered, let original { try? original.write(toFile: limitPath, atomically: false, encoding: .utf8) }
            }
            daemon = try Self.follow(fixture)
        }
        let ids = try fixture.enqueueNotes(2000, prefix: "flood")
        #expect(
            eventually(timeout: .seconds(120)) { directoryNames(fixture.queue.sent).count == 2000 }, "not all delivered"
        )
        let outcome = Self.stop(daemon)
        #expect(outcome.status == 0)
        // Every request, the slow first one included (the sink logs no status for a delayed answer).
        let accepted = try fixture.sink.reportIDs(acceptedOnly: false)
        let firstDifference = zip(accepted, ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(
            accepted == ids,
            "every report once, in production order: \(accepted.count) accepted, first difference at \(firstDifference.map(String.init) ?? "-")"
        )
        if lowered {
            #expect(outcome.stderr.contains("inotify queue overflowed"), "the flood did not exercise the overflow path")
        }
    }

    @Test func sigtermMidDrainFinishesTheCurrentReportAndLosesNothing() throws {
        let fixture = try DriverFixture()
        try fixture.sink.plan([], default: ["status": 200, "body": "ok", "hang": 0.6])
        let ids = try fixture.enqueueNotes(6)
        let daemon = try fixture.startDriver(["--follow"])
        #expect(eventually { ((try? fixture.sink.requests().count) ?? 0) >= 1 })
        let outcome = Self.stop(daemon)
        #expect(outcome.status == 0, "\(outcome)")
        let sent = directoryNames(fixture.queue.sent)
        let pending = directoryNames(fixture.queue.pending)
        #expect(
            !sent.isEmpty && !pending.isEmpty,
            "sent \(sent.count), pending \(pending.count): the stop was not mid-drain")
        #expect((sent + pending).sorted() == ids.sorted(), "a report was lost")
        // What was sent is what the sink answered 200 to, with no report left half-recorded.
        for id in sent { #expect(try fixture.ledgerKinds(of: id).suffix(2) == ["delivered", "archived"]) }

        try fixture.sink.plan([])
        let rest = try fixture.drive()
        #expect(rest.status == 0, "\(rest)")
        #expect(directoryNames(fixture.queue.sent) == ids)
        let accepted = try fixture.sink.reportIDs(acceptedOnly: false)
        #expect(accepted == ids, "in order, none twice")
    }

    @Test func pendingDeletedAndRecreatedIsWatchedAgain() throws {
        let fixture = try DriverFixture()
        let daemon = try Self.follow(fixture)
        try FileManager.default.removeItem(atPath: fixture.queue.pending)
        try FileManager.default.createDirectory(atPath: fixture.queue.pending, withIntermediateDirectories: false)
        Thread.sleep(forTimeInterval: 0.3)
        let produced = try Program.producer.run([
            "note", "--queue", fixture.queue.root, "--config", fixture.configPath, "--title", "after recreate",
        ])
        #expect(produced.status == 0, "\(produced)")
        #expect(eventually { (try? fixture.acceptedIDs().count) == 1 }, "the new pending/ is not watched")
        let outcome = Self.stop(daemon)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("watching it again"))
    }

    @Test func aSecondDaemonWaitsForTheLockAndAOnceRunExitsAtOnce() throws {
        let fixture = try DriverFixture()
        let daemon = try Self.follow(fixture)
        let once = try fixture.drive()
        #expect(once.status == 0 && once.stderr.contains("another driver"), "\(once)")
        let outcome = Self.stop(daemon)
        #expect(outcome.status == 0)
    }
}
