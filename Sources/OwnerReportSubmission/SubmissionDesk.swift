#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore
import OwnerReportLedger

/// Takes one submitted report: validates it as the driver will, stamps the kernel-given identity of its
/// submitter, keeps the flood bound, and enqueues it durably. The server calls it one report at a time.
public final class SubmissionDesk {
    let queue: QueueDirectory
    let configuration: Configuration
    /// The queue's ledger, which the desk writes `enqueued` rows to (the intake's incidents read it too).
    public let ledger: Ledger
    /// Who submitted each report seen in pending/ (nil: the owner's own); names never change meaning.
    private var submitterOfName: [String: UInt32?] = [:]

    public init(queue: QueueDirectory, configuration: Configuration, ledger: Ledger) {
        self.queue = queue
        self.configuration = configuration
        self.ledger = ledger
    }

    /// The field a submitted report shows its submitter in; whatever the report itself said there is replaced.
    public static let submittedByField = "submitted_by"

    /// A report the desk took: its id, and whether it was already taken under the same key.
    public struct Accepted: Sendable, Equatable {
        public var id: String
        public var duplicate: Bool
    }

    /// Enqueues `bytes` for `submitter` (nil: not a local user's, such as an authenticated HTTP sender)
    /// and returns the report's id (its name in pending/). A `key` already taken returns that report
    /// again, enqueuing nothing. `via` says how it came, for the ledger.
    ///
    /// - Throws: `SubmissionError` naming what is wrong; nothing is enqueued then.
    public func accept(
        _ bytes: [UInt8], format: ReportFormat, from submitter: ReportFacts.Submitter?, key: String? = nil,
        via: String = "the submit socket"
    ) throws(SubmissionError) -> Accepted {
        if let key, let id = reportID(forKey: key) { return Accepted(id: id, duplicate: true) }
        let origin = "submission from \(submitter?.description ?? via)"
        let limit = configuration.delivery.maxReportBytes
        guard bytes.count <= limit else {
            throw SubmissionError(
                "\(origin): \(bytes.count) bytes, over delivery.max_report_bytes = \(limit)", exitStatus: .dataError)
        }
        let report: Report
        do {
            report = try ReportCodec.decode(bytes, format: format, path: origin)
        } catch {
            throw SubmissionError(error.description, exitStatus: .dataError)
        }
        return try enqueue(report, format: format, from: submitter, key: key, via: via)
    }

    /// Enqueues a report already read (a relayed one, an incident's), with the same checks, stamp and bounds.
    ///
    /// `submitted_by` always says who handed the report over: the kernel's word on a local user, else
    /// `via`. Only a relayed report keeps the stamp its origin host gave it (`keepsOriginStamp`): that
    /// host's kernel said it, and the relay's signature vouches for the host.
    public func enqueue(
        _ report: Report, format: ReportFormat = .markdown, from submitter: ReportFacts.Submitter?, key: String? = nil,
        via: String,
        keepsOriginStamp: Bool = false
    ) throws(SubmissionError) -> Accepted {
        if let key, let id = reportID(forKey: key) { return Accepted(id: id, duplicate: true) }
        let prepared = try prepare(
            report, format: format, from: submitter, key: key.map(ReportKey.sender), via: via,
            keepsOriginStamp: keepsOriginStamp)
        let enqueued = try commit([prepared], recording: [], from: submitter)[0]
        if let key { idOfKey[key] = enqueued.id }
        return Accepted(id: enqueued.id, duplicate: enqueued.duplicate)
    }

    /// Enqueues the reports that announce one state change (an incident's) with the change's rows, in
    /// one transaction, each keyed by its cause; checked and stamped as `enqueue` does.
    public func enqueue(
        together reports: [(report: Report, via: String, cause: String)], recording rows: [LedgerEvent.Draft],
        from submitter: ReportFacts.Submitter?
    ) throws(SubmissionError) -> [EnqueuedReport] {
        var prepared: [ReportToEnqueue] = []
        for (report, via, cause) in reports {
            prepared.append(
                try prepare(
                    report, format: .markdown, from: submitter, key: .cause(cause), via: via, keepsOriginStamp: false))
        }
        return try commit(prepared, recording: rows, from: submitter)
    }

    /// A report checked against this queue's destinations and bounds, stamped with who handed it over.
    private func prepare(
        _ report: Report, format: ReportFormat, from submitter: ReportFacts.Submitter?, key: ReportKey?, via: String,
        keepsOriginStamp: Bool
    ) throws(SubmissionError) -> ReportToEnqueue {
        var report = report
        let origin = "submission from \(submitter?.description ?? via)"
        for name in configuration.destinationNames(for: report) where configuration.destinations[name] == nil {
            let known = configuration.destinations.keys.sorted().joined(separator: ", ")
            throw SubmissionError(
                "\(origin): destination: no destination named '\(name)' in this queue (known: \(known))",
                exitStatus: .usage)
        }
        if let submitter { try checkRoom(for: submitter) }
        if !keepsOriginStamp || report.fields[Self.submittedByField] == nil {
            report.fields[Self.submittedByField] = .text(submitter?.description ?? via)
        }
        var facts = ReportFacts(report)
        facts.submitter = submitter
        return ReportToEnqueue(
            encoding: report, as: format, origin: submitter.map { "\(via), \($0.description)" } ?? via, facts: facts,
            key: key)
    }

    private func commit(
        _ reports: [ReportToEnqueue], recording rows: [LedgerEvent.Draft], from submitter: ReportFacts.Submitter?
    ) throws(SubmissionError) -> [EnqueuedReport] {
        do {
            let enqueued = try queue.enqueue(reports, recording: rows, ledger: ledger)
            for report in enqueued where !report.duplicate { submitterOfName[report.id] = submitter?.uid }
            return enqueued
        } catch {
            // A full disk or an unwritable ledger: the sender keeps its report and tries again later.
            throw SubmissionError("\(error)", exitStatus: .temporaryFailure)
        }
    }

    /// Reports already taken, by the sender's key: from memory, else from the ledger's `enqueued` rows.
    private var idOfKey: [String: String] = [:]

    /// A key's report, when one was enqueued under it. A writer killed between the `enqueued` commit
    /// and the link into pending/ left it in tmp/: the lookup publishes it, so "duplicate" always
    /// names a report that exists.
    private func reportID(forKey key: String) -> String? {
        if let known = idOfKey[key] { return known }
        guard let id = try? queue.report(enqueuedUnder: .sender(key), ledger: ledger) else { return nil }
        idOfKey[key] = id
        return id
    }

    /// Refuses (exit 75, try again later) when this user, or all submitters together, already have as
    /// many reports waiting as `[submit]` allows: the bound on how far a flood can push the owner's reports back.
    private func checkRoom(for submitter: ReportFacts.Submitter) throws(SubmissionError) {
        let policy = configuration.submit
        var mine = 0
        var all = 0
        for name in pendingNames() {
            guard let uid = submitterUID(of: name) else { continue }
            all += 1
            if uid == submitter.uid { mine += 1 }
        }
        if mine >= policy.maxPendingPerUser {
            throw SubmissionError(
                "\(submitter.description) already has \(mine) report(s) waiting (submit.max_pending_per_user); try again later",
                exitStatus: .temporaryFailure)
        }
        if all >= policy.maxPending {
            throw SubmissionError(
                "\(all) submitted report(s) are already waiting (submit.max_pending); try again later",
                exitStatus: .temporaryFailure)
        }
    }

    private func pendingNames() -> [String] {
        guard let names = try? queue.scanPendingNames() else { return [] }
        let present = Set(names)
        submitterOfName = submitterOfName.filter { present.contains($0.key) }
        return names
    }

    /// The submitting uid of a pending report, from its `enqueued` row (cached: a name never changes meaning).
    private func submitterUID(of name: String) -> UInt32? {
        if let known = submitterOfName[name] { return known }
        let facts = (try? ledger.query("WHERE report = ? AND +event = 'enqueued' ORDER BY seq LIMIT 1", [.text(name)]))?
            .first?.facts
        let uid = ReportFacts(json: facts)?.submitter?.uid
        submitterOfName[name] = .some(uid)
        return uid
    }
}
