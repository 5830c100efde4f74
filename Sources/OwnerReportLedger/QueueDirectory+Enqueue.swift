import OwnerReportCore

/// What makes a report the same report when it is offered again: the sender's key, or the cause of a
/// report owner-report derives itself (docs/design.md §3). One key gives one report.
public enum ReportKey: Hashable, Sendable {
    /// An `Idempotency-Key` a sender gave, or a relayed `webhook-id` (`relay:ID`).
    case sender(String)
    /// What a derived report announces: `incident:ID:opened:TIME`, `daily:START/END`…
    case cause(String)

    /// The member of an `enqueued` row's facts that holds this key.
    var factsPath: String {
        switch self {
        case .sender: "$.idempotencyKey"
        case .cause: "$.cause"
        }
    }

    var text: String {
        switch self {
        case .sender(let text), .cause(let text): text
        }
    }

    /// The facts with this key set.
    func stamped(_ facts: ReportFacts) -> ReportFacts {
        var facts = facts
        switch self {
        case .sender(let text): facts.idempotencyKey = text
        case .cause(let text): facts.cause = text
        }
        return facts
    }
}

/// A report ready to be enqueued: its bytes, what the ledger records of it, and its key, if any.
public struct ReportToEnqueue: Sendable {
    public var bytes: [UInt8]
    public var kind: ReportKind
    public var title: String
    public var format: ReportFormat
    /// What built or sent it, for the `enqueued` row's detail.
    public var origin: String
    public var facts: ReportFacts?
    public var key: ReportKey?
    /// A name fixed by the caller (an escalation step's); else one is made from the time, kind and title.
    public var name: String?

    public init(
        _ bytes: [UInt8], kind: ReportKind, title: String, format: ReportFormat, origin: String,
        facts: ReportFacts? = nil,
        key: ReportKey? = nil, name: String? = nil
    ) {
        self.bytes = bytes
        self.kind = kind
        self.title = title
        self.format = format
        self.origin = origin
        self.facts = facts
        self.key = key
        self.name = name
    }
}

extension ReportToEnqueue {
    /// `report` encoded as `format`, with what the ledger keeps of it (its `ReportFacts` unless given).
    public init(
        encoding report: Report, as format: ReportFormat = .markdown, origin: String, facts: ReportFacts? = nil,
        key: ReportKey? = nil,
        name: String? = nil
    ) {
        self.init(
            Array(ReportCodec.encode(report, as: format).utf8), kind: report.kind, title: report.title, format: format,
            origin: origin,
            facts: facts ?? ReportFacts(report), key: key, name: name)
    }
}

/// One report of an enqueue: its id (file name) and whether its key had been taken already, so that
/// nothing new was enqueued for it.
public struct EnqueuedReport: Sendable, Equatable {
    public var id: String
    public var duplicate: Bool

    public init(id: String, duplicate: Bool) {
        self.id = id
        self.duplicate = duplicate
    }
}

extension QueueDirectory {
    /// Enqueues a report's bytes under a producer-made name and records `enqueued` in the ledger.
    ///
    /// The ledger row is committed after the bytes are fsynced in tmp/ and before they appear in
    /// pending/: a report the driver can see always has its history, and a failed record leaves nothing.
    public func enqueue(
        _ bytes: [UInt8], kind: ReportKind, title: String, format: ReportFormat, ledger: Ledger, origin: String,
        facts: ReportFacts? = nil, at time: Timestamp = .now(), pacing: Duration = .zero
    ) throws -> String {
        let report = ReportToEnqueue(bytes, kind: kind, title: title, format: format, origin: origin, facts: facts)
        return "\(pending)/\(try enqueue([report], ledger: ledger, at: time, pacing: pacing)[0].id)"
    }

    /// Enqueues reports together with the rows of the state change they announce, in one transaction:
    /// an incident's `incident_opened` and its report's `enqueued`, a resolution and its postmortem.
    ///
    /// Every report's bytes are fsynced in tmp/ (and their names there) first; then one `BEGIN
    /// IMMEDIATE` transaction looks up each report's key and commits `rows` and the `enqueued` rows; then
    /// the files are linked into pending/. A report whose key was taken already enqueues nothing new:
    /// its id is the one recorded, and if a crash left that one unpublished in tmp/, it is published now.
    /// `rows` are committed only when no report's key was taken, since then the state change is new.
    /// A crash before the commit leaves bytes in tmp/ that recovery removes; after it, bytes that
    /// recovery publishes (`recoverStaged`); nothing is ever half-recorded.
    public func enqueue(
        _ reports: [ReportToEnqueue], recording rows: [LedgerEvent.Draft] = [], ledger: Ledger,
        at time: Timestamp = .now(),
        pacing: Duration = .zero
    ) throws -> [EnqueuedReport] {
        var staged: [(name: String, file: DurableFile.Staged)] = []
        defer { staged.forEach { $0.file.release() } }
        for report in reports {
            let name =
                report.name ?? ReportName.make(at: time, kind: report.kind, title: report.title, format: report.format)
            staged.append(
                (name, try DurableFile.stage(report.bytes, for: "\(pending)/\(name)", in: tmp, pacing: pacing)))
        }
        CrashPoint.reach(CrashPoint.staged)
        let found: [String?]
        do {
            found = try ledger.append(unlessTaken: reports.map(\.key), at: time) { found in
                let drafts = zip(reports, staged).enumerated().compactMap { index, pair -> LedgerEvent.Draft? in
                    let (report, stage) = pair
                    guard found[index] == nil else { return nil }
                    let facts =
                        report.key.map { $0.stamped(report.facts ?? ReportFacts(kind: report.kind.rawValue)) }
                        ?? report.facts
                    return .init(
                        .enqueued, report: stage.name, detail: "\(report.kind.rawValue) from \(report.origin)",
                        enqueuedAt: ReportName.enqueueTime(of: stage.name) ?? time,
                        sha256: Self.sha256(stage.file.bytes), facts: facts?.json)
                }
                return (found.allSatisfy { $0 == nil } ? rows : []) + drafts
            }
        } catch {
            staged.forEach { $0.file.discard() }
            throw error
        }
        CrashPoint.reach(CrashPoint.committed)
        var result: [EnqueuedReport] = []
        for (index, stage) in staged.enumerated() {
            if let earlier = found[index] {
                stage.file.discard()
                result.append(EnqueuedReport(id: earlier, duplicate: true))
            } else {
                try stage.file.publish(as: "\(pending)/\(stage.name)")
                result.append(EnqueuedReport(id: stage.name, duplicate: false))
                if index < staged.count - 1 { CrashPoint.reach(CrashPoint.partlyLinked) }
            }
        }
        let earlier = Set(found.compactMap { $0 })
        if !earlier.isEmpty { try recoverStaged(ledger: ledger, by: "a retry of the same key", only: earlier) }
        return result
    }

    /// The report enqueued under `key`, if any; one committed but left unpublished by a crash is published now.
    public func report(enqueuedUnder key: ReportKey, ledger: Ledger) throws -> String? {
        guard let id = try ledger.report(enqueuedUnder: key) else { return nil }
        try recoverStaged(ledger: ledger, by: "a retry of the same key", only: [id])
        return id
    }
}

extension Ledger {
    /// The report whose `enqueued` row carries `key`, oldest first.
    public func report(enqueuedUnder key: ReportKey) throws(SQLiteError) -> String? {
        let statement = try keyLookup(key)
        try statement.bind([.text(key.text)])
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    /// Looks up each key and appends what `drafts` makes of the answers, all in one transaction, so
    /// that two writers offering the same key cannot both record it.
    func append(
        unlessTaken keys: [ReportKey?], at time: Timestamp, _ drafts: (_ found: [String?]) throws -> [LedgerEvent.Draft]
    ) throws -> [String?] {
        try database.writeTransaction {
            let found = try keys.map { key in try key.flatMap { key in try report(enqueuedUnder: key) } }
            let rows = try drafts(found)
            // A nested append runs in this transaction: SQLite's BEGIN would fail inside one, so the rows go in directly.
            try appendInTransaction(rows, at: time)
            return found
        }
    }
}
