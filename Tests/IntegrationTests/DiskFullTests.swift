import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The queue on a small tmpfs filled to the last byte: every program fails with a clear line, and
/// nothing queued or archived is lost or corrupted. Mounting needs root (CI runs as root).
@Suite struct DiskFullTests {
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskFailsClearlyAndLosesNothing() throws {
        let mountPoint = try SmallTmpfs()
        defer { withExtendedLifetime(mountPoint) {} }  // unmounted only when the test is over
        let fixture = try ReportsFixture(queueRoot: mountPoint.appending("queue"))

        var produced: [String] = []
        for index in 1...3 {
            produced.append(try ArchiverTests.deliver(fixture, "before \(index)", at: "2026-11-20T0\(index):00:00Z"))
        }
        #expect(try fixture.archive([], now: "2026-11-20T12:00:00Z").status == 0)
        produced.append(try ArchiverTests.deliver(fixture, "unfiled", at: "2026-11-21T01:00:00Z"))
        for index in 1...2 {
            let made = try fixture.produce(["note", "--title", "waiting \(index)", "--body", "x"])
            produced.append(DurableFile.fileName(of: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        // An empty write-ahead log, so the next ledger write must grow a file.
        #expect(try sqlite3(fixture.queue.ledgerPath, "PRAGMA wal_checkpoint(TRUNCATE);").status == 0)
        let before = fingerprint(fixture)
        let requestsBefore = try fixture.sink.requests().count

        let filler = try mountPoint.fillUp()

        let producer = try fixture.produce([
            "note", "--title", "no room", "--body", String(repeating: "x", count: 20_000),
        ])
        #expect(producer.status != 0, "\(producer)")
        #expect(Self.isOneClearLine(producer.stderr), "\(producer.stderr)")
        #expect(directoryNames(fixture.queue.tmp).isEmpty, "no half-written file is left in tmp/")

        let driver = try fixture.drive()
        #expect(driver.status != 0, "\(driver)")
        #expect(Self.isOneClearLine(driver.stderr), "\(driver.stderr)")
        #expect(try fixture.sink.requests().count == requestsBefore, "nothing is sent without its attempt recorded")

        let archiver = try fixture.archive([], now: "2026-11-22T12:00:00Z")
        #expect(archiver.status != 0, "\(archiver)")
        #expect(Self.isOneClearLine(archiver.stderr), "\(archiver.stderr)")

        // Every byte that was queued or archived is still there, wherever the archiver got to.
        let during = fingerprint(fixture)
        #expect(Set(during.values) == Set(before.values), "same reports, same bytes")
        #expect(
            during.keys.filter { $0.hasPrefix("pending/") }.sorted()
                == before.keys.filter { $0.hasPrefix("pending/") }.sorted())

        // Room again: everything goes through, once, and the archive verifies.
        try FileManager.default.removeItem(atPath: filler)
        #expect(try fixture.drive().status == 0)
        #expect(try fixture.archive([], now: "2026-11-22T12:00:00Z").status == 0)
        let verify = try fixture.archive(["verify"])
        #expect(verify.status == 0, "\(verify)")
        #expect(try sqlite3(fixture.queue.ledgerPath, "PRAGMA integrity_check;").output == "ok\n")
        let archived = fixture.tree("sent").map { DurableFile.fileName(of: $0) }
        #expect(archived.sorted() == produced.sorted(), "each produced report is in sent/ exactly once")
        let ids = try fixture.sink.reportIDs()
        #expect(ids.sorted() == produced.sorted(), "each was accepted by the destination once")
    }

    static func isOneClearLine(_ text: String) -> Bool {
        let lines = text.split(separator: "\n")
        return lines.count == 1 && (text.contains("No space left on device") || text.contains("disk is full"))
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func theIntakeAnswers503WithRetryAfterOnAFullDiskAndTakesTheReportOnceThereIsRoom() throws {
        let mountPoint = try SmallTmpfs()
        defer { withExtendedLifetime(mountPoint) {} }  // unmounted only when the test is over
        let intake = try IntakeFixture(queueRoot: mountPoint.appending("queue"))
        let first = try intake.request("POST", "/v1/reports", body: IntakeTests.note)
        #expect(first.status == 202, "\(first)")
        // An empty write-ahead log, so the next ledger write must grow a file.
        #expect(try sqlite3(intake.queue.ledgerPath, "PRAGMA wal_checkpoint(TRUNCATE);").status == 0)
        let filler = try mountPoint.fillUp()

        let big = Array(
            #"{"kind": "note", "title": "no room", "body": "\#(String(repeating: "x", count: 20_000))"}"#.utf8)
        let refused = try intake.request("POST", "/v1/reports", body: big, headers: ["Idempotency-Key: later"])
        #expect(refused.status == 503 && refused.headers["retry-after"] == "30", "\(refused)")
        #expect(directoryNames(intake.queue.tmp).isEmpty, "nothing half-written")
        let firstID = try #require(first.json["id"] as? String)
        #expect(directoryNames(intake.queue.pending) == [firstID])

        unlink(filler)
        let retried = try intake.request("POST", "/v1/reports", body: big, headers: ["Idempotency-Key: later"])
        #expect(retried.status == 202 && retried.json["duplicate"] as? Bool == false, "\(retried)")
        #expect(directoryNames(intake.queue.pending).count == 2)
        #expect(intake.stop().status == 0)
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func anAgentsReportOnAFullDiskIsAToolErrorToRetryAndTheRetryTakesItOnce() throws {
        let mountPoint = try SmallTmpfs()
        defer { withExtendedLifetime(mountPoint) {} }
        let fixture = try DriverFixture(queueRoot: mountPoint.appending("queue"))
        _ = try fixture.enqueueNotes(1)
        #expect(try sqlite3(fixture.queue.ledgerPath, "PRAGMA wal_checkpoint(TRUNCATE);").status == 0)
        let filler = try mountPoint.fillUp()
        let call: [String: Any] = [
            "tool": "report_note",
            "arguments": [
                "title": "no room", "body": String(repeating: "x", count: 20_000), "idempotency_key": "no-room",
            ],
        ]
        let refused = try MCPTests().session(fixture, [call])
        #expect(refused.isError(0) == true && refused.structured(0)["retry"] as? Bool == true, "\(refused.results)")
        #expect(
            refused.text(0).contains("try again later (nothing was enqueued; keep your report)"), "\(refused.text(0))")
        #expect(directoryNames(fixture.queue.tmp).isEmpty, "nothing half-written")
        #expect(directoryNames(fixture.queue.pending).count == 1)

        unlink(filler)
        let retried = try MCPTests().session(fixture, [call, call])
        #expect(
            retried.isError(0) == false && retried.structured(1)["duplicate"] as? Bool == true, "\(retried.results)")
        #expect(directoryNames(fixture.queue.pending).count == 2)
    }

    /// Path → SHA-256 of every report file in pending/, sent/ and failed/.
    func fingerprint(_ fixture: ReportsFixture) -> [String: String] {
        var result: [String: String] = [:]
        for directory in ["pending", "sent", "failed"] {
            for path in fixture.tree(directory) {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: "\(fixture.queue.root)/\(path)"))) ?? Data()
                result[path] = QueueDirectory.sha256(Array(bytes))
            }
        }
        return result
    }
}

/// A 4 MiB tmpfs mounted for one test (root only) and unmounted when released.
final class SmallTmpfs {
    let directory = TemporaryDirectory("owner-report-tmpfs")
    var path: String { directory.path }

    init() throws {
        let mounted = try runTool(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", directory.path])
        guard mounted.status == 0 else { throw TestSetupError("mount: \(mounted.output)") }
    }

    deinit { _ = try? runTool(["umount", "-l", directory.path]) }

    func appending(_ component: String) -> String { directory.appending(component) }

    /// Fills it to the last byte with a file of its own and returns that file's path.
    func fillUp() throws -> String {
        let filler = appending("filler")
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestSetupError("open \(filler): errno \(errno)") }
        let chunk = [UInt8](repeating: 0x5A, count: 65_536)
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        let fullErrno = errno
        close(fd)
        guard fullErrno == ENOSPC else { throw TestSetupError("the tmpfs did not fill: errno \(fullErrno)") }
        return filler
    }
}
