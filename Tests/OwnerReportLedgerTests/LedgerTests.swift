import Foundation
import Synchronization
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

@Suite struct LedgerTests {
    let directory = TemporaryDirectory()
    var path: String { directory.appending("ledger.sqlite3") }

    func filledLedger(_ count: Int = 5) throws -> Ledger {
        let ledger = try Ledger(path: path)
        for index in 1...count {
            try ledger.append(
                .init(
                    .enqueued, report: "r\(index).md", detail: "報告 \(index) 🚀",
                    enqueuedAt: Timestamp(seconds: Int64(index)), sha256: "ab"))
        }
        return ledger
    }

    @Test func eventsAreAppendedInOrderAndChained() throws {
        let ledger = try filledLedger()
        try ledger.append(.init(.delivered, report: "r1.md", destination: "owner", status: 200, part: 1, parts: 1))
        let events = try ledger.allEvents()
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(events.first?.previousHash == Ledger.genesisHash)
        for (earlier, later) in zip(events, events.dropFirst()) { #expect(later.previousHash == earlier.hash) }
        #expect(try ledger.verifyChain() == nil)
        #expect(try ledger.events(for: "r1.md").map(\.kind) == [.enqueued, .delivered])
        #expect(try ledger.enqueueTime(of: "r3.md") == Timestamp(seconds: 3))
    }

    @Test(arguments: ["UPDATE events SET detail = 'forged' WHERE seq = 2", "DELETE FROM events WHERE seq = 2"])
    func triggersRefuseUpdateAndDelete(sql: String) throws {
        let ledger = try filledLedger()
        #expect {
            try ledger.database.execute(sql)
        } throws: { error in
            SQLiteError.Code.constraint ~= error && "\(error)".contains("append-only")
        }
        #expect(try ledger.allEvents().count == 5)
        #expect(try ledger.verifyChain() == nil)
    }

    @Test func anEditMadeAfterDroppingTheTriggerIsFoundByTheChain() throws {
        let ledger = try filledLedger()
        try ledger.database.execute("DROP TRIGGER events_refuse_update")
        try ledger.database.execute("UPDATE events SET detail = 'forged' WHERE seq = 3")
        let broken = try #require(try ledger.verifyChain())
        #expect(broken.sequence == 3)
        #expect(broken.reason.contains("edited"))
    }

    @Test func aDeletedRowIsFoundByTheChain() throws {
        let ledger = try filledLedger()
        try ledger.database.execute("DROP TRIGGER events_refuse_delete")
        try ledger.database.execute("DELETE FROM events WHERE seq = 4")
        #expect(try ledger.verifyChain() == ChainBreak(sequence: 5, reason: "row 4 is missing"))
    }

    @Test func aRehashedForgeryStillBreaksTheLinkToTheNextRow() throws {
        // A forger who recomputes the edited row's hash must also rewrite every later row's link.
        let ledger = try filledLedger()
        try ledger.database.execute("DROP TRIGGER events_refuse_update")
        // Always a different first digit: replacing it with a fixed one would be a no-op 1 time in 16.
        try ledger.database.execute(
            "UPDATE events SET hash = (CASE substr(hash, 1, 1) WHEN 'f' THEN '0' ELSE 'f' END) || substr(hash, 2) WHERE seq = 2"
        )
        let broken = try #require(try ledger.verifyChain())
        #expect(broken.sequence == 2)
    }

    @Test func severalRowsAppendedTogetherAreChainedInOrderAndCommitTogether() throws {
        let ledger = try filledLedger(2)
        let stored = try ledger.append([
            .init(.partDelivered, report: "r1.md", destination: "owner", status: 200, part: 1, parts: 1),
            .init(.delivered, report: "r1.md", destination: "owner", parts: 1),
            .init(.attempt, report: "r2.md", destination: "owner", part: 1, parts: 1),
        ])
        #expect(stored.map(\.sequence) == [3, 4, 5])
        #expect(stored.map(\.kind) == [.partDelivered, .delivered, .attempt])
        let events = try ledger.allEvents()
        #expect(Array(events.suffix(3)) == stored, "what append returned is what was stored")
        #expect(try ledger.verifyChain() == nil)
        // One of them refused (a trigger on the third row's kind) takes the other two with it.
        try ledger.database.execute(
            "CREATE TRIGGER refuse_alerts BEFORE INSERT ON events WHEN NEW.event = 'alert' BEGIN SELECT RAISE(ABORT, 'no alerts'); END"
        )
        #expect(throws: (any Error).self) {
            try ledger.append([
                .init(.archived, report: "r1.md"), .init(.deferred, report: "r2.md"), .init(.alert, detail: "x"),
            ])
        }
        #expect(try ledger.allEvents().count == 5, "none of the three was kept")
        try ledger.append(.init(.archived, report: "r1.md"))
        #expect(
            try ledger.allEvents().map(\.sequence) == [1, 2, 3, 4, 5, 6], "and the next row follows on without a gap")
        #expect(try ledger.verifyChain() == nil)
        #expect(try ledger.append([]).isEmpty)
    }

    @Test func aWitnessIsReadOnlyInItsOwnFormAndCheckedAgainstItsRow() throws {
        let ledger = try filledLedger(3)
        let head = try #require(try ledger.head())
        #expect(head.sequence == 3)
        #expect(LedgerWitness(head.description) == head)
        #expect(LedgerWitness("3:" + head.hash.uppercased()) == head, "hex in either case")
        for bad in [
            "", "3", "3:", ":" + head.hash, "0:" + head.hash, "-1:" + head.hash, "3:" + head.hash.dropLast(),
            "3:" + head.hash + "0", "3:" + head.hash.dropLast() + "g", "x:" + head.hash,
        ] {
            #expect(LedgerWitness(bad) == nil, "\(bad)")
        }
        #expect(try ledger.disagreement(with: head) == nil)
        #expect(
            try ledger.disagreement(with: LedgerWitness(sequence: 3, hash: String(repeating: "0", count: 64)))?
                .contains("rewritten") == true)
        #expect(
            try ledger.disagreement(with: LedgerWitness(sequence: 9, hash: head.hash))?.contains("ends at row 3")
                == true)
    }

    @Test func theLedgerFileIsPrivateAndReopensWithItsHistory() throws {
        _ = try filledLedger(3)
        let reopened = try Ledger(path: path)
        try reopened.append(.init(.archived, report: "r1.md"))
        #expect(try reopened.allEvents().count == 4)
        #expect(try reopened.verifyChain() == nil)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    /// Eight producers started together on a fresh queue open its new ledger at once. While one of them
    /// holds the new file's write lock, SQLite refuses another's switch to WAL mode at once, without
    /// waiting out the busy timeout; that producer must wait, not fail "database is locked".
    @Test func aNewLedgerOpenedWhileAnotherConnectionWritesItWaitsInsteadOfFailing() throws {
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE scratch (x); BEGIN IMMEDIATE; INSERT INTO scratch VALUES (1)")
        let opened = Mutex<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [path] in
            let result = Result { () throws -> Int in
                let ledger = try Ledger(path: path)
                try ledger.append(.init(.enqueued, report: "r.md"))
                return try ledger.allEvents().count
            }
            opened.withLock { $0 = result }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        try writer.execute("COMMIT")
        #expect(done.wait(timeout: .now() + 15) == .success)
        #expect(try opened.withLock { try $0?.get() } == 1)
    }

    @Test func aFileThatIsNotADatabaseGivesAClearError() throws {
        try directory.write("ledger.sqlite3", String(repeating: "not sqlite ", count: 100))
        #expect {
            let ledger = try Ledger(path: path)
            try ledger.append(.init(.enqueued))
        } throws: { error in
            "\(error)".contains("ledger.sqlite3") && "\(error)".contains("not a usable SQLite database")
        }
    }
}

@Suite struct ScratchLedgerTests {
    @Test func rowsCopiedVerbatimKeepTheirChainAndAnswerTheSameQueries() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger(path: directory.appending("ledger.sqlite3"))
        for index in 1...6 {
            try ledger.append(
                .init(
                    index % 2 == 0 ? .delivered : .enqueued, report: "r\(index).md",
                    detail: "\"quoted\" \\ {a,b} NULL\n報告"))
        }
        let events = try ledger.allEvents()
        let copy = try Ledger.scratch()
        try copy.insertVerbatim(Array(events.prefix(3)))
        try copy.insertVerbatim(Array(events.dropFirst(3)))
        #expect(try copy.allEvents() == events)
        #expect(try copy.verifyChain() == nil)
        #expect(try copy.events(for: "r2.md").map(\.kind) == [.delivered])
        #expect(try copy.head() == ledger.head())
    }

    @Test func theWalkNamesEachBreakAndGoesOnFromTheStoredRow() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger(path: directory.appending("ledger.sqlite3"))
        for index in 1...8 { try ledger.append(.init(.enqueued, report: "r\(index).md")) }
        var events = try ledger.allEvents()
        events[2].detail = "edited"
        events.removeSubrange(4...5)
        var walk = ChainWalk()
        let problems = events.compactMap { walk.check($0) }
        #expect(
            problems == [
                ChainBreak(sequence: 3, reason: "content does not match its hash (edited)"),
                ChainBreak(sequence: 7, reason: "rows 5 to 6 are missing"),
            ])
    }
}
