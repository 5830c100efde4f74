import OwnerReportCore

extension QueueDirectory {
    /// Enqueues a report's bytes under a producer-made name and records `enqueued` in the ledger.
    ///
    /// The ledger row is committed after the bytes are fsynced in tmp/ and before they appear in
    /// pending/: a report the driver can see always has its history, and a failed record leaves nothing.
    public func enqueue(
        _ bytes: [UInt8], kind: ReportKind, title: String, format: ReportFormat, ledger: Ledger, origin: String,
        facts: ReportFacts? = nil, at time: Timestamp = .now(), pacing: Duration = .zero
    ) throws -> String {
        let name = ReportName.make(at: time, kind: kind, title: title, format: format)
        return try enqueue(bytes, named: name, pacing: pacing) { sha256 in
            try ledger.append(
                .init(.enqueued, report: name, detail: "\(kind.rawValue) from \(origin)", enqueuedAt: time, sha256: sha256, facts: facts?.json),
                at: time)
        }
    }
}
