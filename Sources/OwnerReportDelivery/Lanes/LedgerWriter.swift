import Foundation
import OwnerReportCore
import OwnerReportLedger

/// The one writer every lane of a run shares: it commits what several lanes staged in one
/// transaction (one fsync of the write-ahead log), as a database's group commit does.
///
/// A lane stages rows as they happen and calls `commit()` before anything leaves the ledger's reach
/// (a message is sent, a file moves). `commit()` returns once every row staged so far, by any lane, is
/// durable: the first lane to ask writes the whole buffer while the others wait for it, so when
/// eight lanes finish a message at once they share one fsync instead of queueing for eight.
///
/// The ledger's connection is not shared between threads: every read and write of a run goes
/// through `reading`/`commit`, one at a time.
final class LedgerWriter: @unchecked Sendable {
    let ledger: Ledger
    private let condition = NSCondition()
    /// Rows staged and not yet handed to a commit.
    private var buffer: [LedgerEvent.Draft] = []
    /// How many rows were ever staged, and how many of those are committed.
    private var staged = 0
    private var committed = 0
    private var writing = false
    /// A failed commit breaks the run: every later commit reports it rather than skip rows.
    private var failure: Error?
    /// The connection's own lock: reads and the commit in progress take turns.
    private let connection = NSLock()
    /// Commits made, and rows they held, for the bench and tests (`statistics`).
    private var commits = 0

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Adds rows to the next commit.
    func stage(_ drafts: [LedgerEvent.Draft]) {
        guard !drafts.isEmpty else { return }
        condition.lock()
        buffer += drafts
        staged += drafts.count
        condition.unlock()
    }

    /// Makes every row staged so far durable, in as few transactions as the lanes' timing allows.
    func commit() throws {
        condition.lock()
        defer { condition.unlock() }
        let target = staged
        while committed < target {
            if let failure { throw failure }
            if writing {
                condition.wait()
                continue
            }
            writing = true
            let batch = buffer
            buffer.removeAll(keepingCapacity: true)
            let reaches = staged
            condition.unlock()
            var caught: Error?
            do {
                _ = try withConnection { try $0.append(batch) }
            } catch {
                caught = error
            }
            condition.lock()
            writing = false
            if let caught {
                failure = caught
            } else {
                committed = reaches
                commits += 1
            }
            condition.broadcast()
        }
        if let failure { throw failure }
    }

    /// Runs `body` on the ledger's connection, between commits.
    func withConnection<T>(_ body: (Ledger) throws -> T) rethrows -> T {
        connection.lock()
        defer { connection.unlock() }
        return try body(ledger)
    }

    /// What the ledger says of one report, committed rows only.
    func history(of report: String) throws -> ReportHistory {
        ReportHistory(events: try withConnection { try $0.events(for: report) })
    }

    /// How many transactions the run committed.
    var commitCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return commits
    }
}

extension LedgerWriter: EnqueueTimeBook {
    func enqueueTime(of name: String) throws -> Timestamp? {
        try withConnection { try $0.enqueueTime(of: name) }
    }

    func recordFirstSeen(_ name: String, enqueuedAt: Timestamp, sha256: String?) throws {
        try withConnection { try $0.recordFirstSeen(name, enqueuedAt: enqueuedAt, sha256: sha256) }
    }
}
