import Foundation
import OwnerReportCore
import Testing
import TestSupport

/// An in-memory book of first-seen times, standing in for the ledger.
final class MemoryBook: EnqueueTimeBook, @unchecked Sendable {
    var times: [String: Timestamp] = [:]
    var hashes: [String: String?] = [:]
    func enqueueTime(of name: String) throws -> Timestamp? { times[name] }
    func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws {
        times[name] = enqueuedAt
        hashes[name] = sha256
    }
}

@Suite struct QueueDirectoryTests {
    let directory = TemporaryDirectory()
    var queue: QueueDirectory { QueueDirectory(root: directory.appending("queue")) }

    init() throws { try queue.prepare() }

    func setModificationTime(_ path: String, seconds: Int) throws {
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: Double(seconds))], ofItemAtPath: path)
    }

    func drop(_ name: String, mtime seconds: Int) throws {
        let path = "\(queue.pending)/\(name)"
        try Data("---\ntitle: \(name)\n---\n".utf8).write(to: URL(fileURLWithPath: path))
        try setModificationTime(path, seconds: seconds)
    }

    func producerName(_ seconds: Int64, _ title: String) -> String {
        ReportName.make(at: Timestamp(seconds: seconds), kind: .note, title: title, format: .markdown)
    }

    @Test func layoutIsCreatedPrivate() throws {
        for path in [queue.root, queue.tmp, queue.pending, queue.sent, queue.failed, queue.state] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o700, "\(path)")
        }
    }

    @Test func producerNamesSortByTheirTimestampNotByModificationTime() throws {
        let early = producerName(1_000, "early")
        let late = producerName(2_000, "late")
        // mtimes say the opposite of the names: the names must win.
        try drop(late, mtime: 100)
        try drop(early, mtime: 5_000)
        let scan = try queue.scanPending(book: MemoryBook(), maxReportBytes: 1 << 20)
        #expect(scan.reports.map(\.name) == [early, late])
    }

    @Test func handDroppedFilesTakeTheirFirstSeenModificationTimeAndKeepIt() throws {
        let book = MemoryBook()
        try drop(producerName(1_000, "a"), mtime: 0)
        try drop("by-hand.md", mtime: 1_500)
        try drop(producerName(2_000, "c"), mtime: 0)
        let first = try queue.scanPending(book: book, maxReportBytes: 1 << 20).reports.map(\.name)
        #expect(first[1] == "by-hand.md")
        #expect(book.times["by-hand.md"] == Timestamp(seconds: 1_500))
        #expect(book.hashes["by-hand.md"] != nil)

        // Touching the file later must not move it in line.
        try setModificationTime("\(queue.pending)/by-hand.md", seconds: 9_999)
        #expect(try queue.scanPending(book: book, maxReportBytes: 1 << 20).reports.map(\.name) == first)
    }

    @Test func equalTimesAreOrderedByName() throws {
        try drop("b.md", mtime: 1_000)
        try drop("a.json", mtime: 1_000)
        try drop("c.md", mtime: 1_000)
        #expect(
            try queue.scanPending(book: MemoryBook(), maxReportBytes: 1 << 20).reports.map(\.name) == [
                "a.json", "b.md", "c.md",
            ])
    }

    @Test func hiddenEditorAndForeignFilesAreNotCandidates() throws {
        for name in [".hidden.md", "draft.md~", "report.md.tmp", ".report.md.swp", "notes.txt", "README"] {
            try drop(name, mtime: 1_000)
        }
        try drop("real.md", mtime: 1_000)
        let scan = try queue.scanPending(book: MemoryBook(), maxReportBytes: 1 << 20)
        #expect(scan.entries.map(\.name) == ["real.md"])
    }

    @Test func symlinksFIFOsAndDirectoriesAreListedAsRejectsAndNeverOpened() throws {
        try drop("good.md", mtime: 1_000)
        try FileManager.default.createSymbolicLink(
            atPath: "\(queue.pending)/passwd.md", withDestinationPath: "/etc/passwd")
        #expect(mkfifo("\(queue.pending)/pipe.md", 0o600) == 0)
        try FileManager.default.createDirectory(
            atPath: "\(queue.pending)/folder.json", withIntermediateDirectories: false)
        let book = MemoryBook()
        // A FIFO opened for reading would block this scan forever: finishing at all proves it was not opened.
        let scan = try queue.scanPending(book: book, maxReportBytes: 1 << 20)
        #expect(scan.reports.map(\.name) == ["good.md"])
        #expect(
            Set(scan.rejects.map { "\($0.name) \($0.kind.rawValue)" }) == [
                "passwd.md symbolic link", "pipe.md FIFO", "folder.json directory",
            ])
        #expect(book.hashes["passwd.md"] == .some(nil), "a symlink's target must not be read")
    }

    @Test func readingRefusesSymlinksFIFOsAndOversizeFiles() throws {
        let big = try directory.write("big.md", bytes: [UInt8](repeating: 0x61, count: 2_000))
        #expect(throws: SystemError.self) { try DurableFile.readRegularFile(big, limit: 1_000) }
        #expect(try DurableFile.readRegularFile(big, limit: 2_000).count == 2_000)
        let link = directory.appending("link.md")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: big)
        #expect { try DurableFile.readRegularFile(link, limit: 10_000) } throws: {
            ($0 as? SystemError)?.errno == ELOOP
        }
        let fifo = directory.appending("fifo.md")
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect { try DurableFile.readRegularFile(fifo, limit: 10_000) } throws: {
            ($0 as? SystemError)?.errno == EINVAL
        }
    }

    @Test func enqueueNeverOverwritesAndLeavesNothingWhenRecordingFails() throws {
        let name = producerName(1_000, "x")
        let path = "\(queue.pending)/\(name)"
        try DurableFile.publish(Array("first".utf8), as: path, via: queue.tmp)
        #expect(throws: SystemError.self) { try DurableFile.publish(Array("second".utf8), as: path, via: queue.tmp) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")

        struct LedgerDown: Error {}
        #expect(throws: LedgerDown.self) {
            try DurableFile.publish(
                Array("third".utf8), as: "\(queue.pending)/\(producerName(2_000, "y"))", via: queue.tmp
            ) { _ in throw LedgerDown() }
        }
        #expect(directoryNames(queue.pending) == [name])
        #expect(directoryNames(queue.tmp).isEmpty)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test func theDeliveryLockAdmitsOneHolderAtATime() throws {
        let first = try #require(try FileLock.acquire(at: queue.lockPath, wait: false))
        #expect(FileLock.isHeld(at: queue.lockPath))
        let second = try FileLock.acquire(at: queue.lockPath, wait: false)
        #expect(second == nil)
        withExtendedLifetime(first) {}
    }

    @Test func theLockIsFreeAgainWhenItsHolderIsReleased() throws {
        do {
            let held = try FileLock.acquire(at: queue.lockPath, wait: false)
            #expect(held != nil)
        }
        #expect(!FileLock.isHeld(at: queue.lockPath))
        #expect(try FileLock.acquire(at: queue.lockPath, wait: false) != nil)
    }
}
