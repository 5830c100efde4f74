import OwnerReportCore
import OwnerReportLedger

/// Takes one submitted report: validates it as the driver will, stamps the kernel-given identity of its
/// submitter, keeps the flood bound, and enqueues it durably. The server calls it one report at a time.
public final class SubmissionDesk {
    let queue: QueueDirectory
    let configuration: Configuration
    private let ledger: Ledger
    /// Who submitted each report seen in pending/ (nil: the owner's own); names never change meaning.
    private var submitterOfName: [String: UInt32?] = [:]

    public init(queue: QueueDirectory, configuration: Configuration, ledger: Ledger) {
        self.queue = queue
        self.configuration = configuration
        self.ledger = ledger
    }

    /// The field a submitted report shows its submitter in; whatever the report itself said there is replaced.
    public static let submittedByField = "submitted_by"

    /// Enqueues `bytes` for `submitter` and returns the report's id (its name in pending/).
    ///
    /// - Throws: `SubmissionError` naming what is wrong; nothing is enqueued then.
    public func accept(_ bytes: [UInt8], format: ReportFormat, from submitter: ReportFacts.Submitter) throws(SubmissionError) -> String {
        let origin = "submission from \(submitter.description)"
        let limit = configuration.delivery.maxReportBytes
        guard bytes.count <= limit else {
            throw SubmissionError("\(origin): \(bytes.count) bytes, over delivery.max_report_bytes = \(limit)", exitStatus: .dataError)
        }
        var report: Report
        do {
            report = try ReportCodec.decode(bytes, format: format, path: origin)
        } catch {
            throw SubmissionError(error.description, exitStatus: .dataError)
        }
        for name in configuration.destinationNames(for: report) where configuration.destinations[name] == nil {
            let known = configuration.destinations.keys.sorted().joined(separator: ", ")
            throw SubmissionError("\(origin): destination: no destination named '\(name)' in this queue (known: \(known))", exitStatus: .usage)
        }
        try checkRoom(for: submitter)
        report.fields[Self.submittedByField] = .text(submitter.description)
        var facts = ReportFacts(report)
        facts.submitter = submitter
        do {
            let path = try queue.enqueue(
                Array(ReportCodec.encode(report, as: format).utf8), kind: report.kind, title: report.title, format: format,
                ledger: ledger, origin: "the submit socket, \(submitter.description)", facts: facts)
            let name = DurableFile.fileName(of: path)
            submitterOfName[name] = submitter.uid
            return name
        } catch let error as OperatorFacingError {
            // A full disk or an unwritable ledger: the submitter keeps its report and tries again later.
            throw SubmissionError("\(error)", exitStatus: .temporaryFailure)
        } catch {
            throw SubmissionError("\(error)", exitStatus: .temporaryFailure)
        }
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
            throw SubmissionError("\(all) submitted report(s) are already waiting (submit.max_pending); try again later", exitStatus: .temporaryFailure)
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
        let facts = (try? ledger.query("WHERE report = ? AND event = 'enqueued' ORDER BY seq LIMIT 1", [.text(name)]))?.first?.facts
        let uid = ReportFacts(json: facts)?.submitter?.uid
        submitterOfName[name] = .some(uid)
        return uid
    }
}
