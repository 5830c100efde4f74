import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
import OwnerReportSubmission

/// Where an agent's reports go: the user's own queue (fsynced, recorded, then linked, as the producer
/// does), or another user's through its `submit.sock`. Answers only once the report is durable.
public struct AgentQueue: Sendable {
    public let queue: QueueDirectory
    public let configuration: Configuration

    public init(queue: QueueDirectory, configuration: Configuration) {
        self.queue = queue
        self.configuration = configuration
    }

    /// Whether the queue belongs to another user (reports then go through its socket).
    public var isForeign: Bool { SubmissionClient.isForeign(queue) }

    /// Enqueues one report; `key` is the caller's idempotency key: a second call with it enqueues nothing
    /// and answers with the first report's id.
    public func enqueue(_ report: Report, key: String?, origin: String) throws(ToolError) -> EnqueuedReport {
        let bytes = Array(ReportCodec.encode(report, as: .markdown).utf8)
        let limit = configuration.delivery.maxReportBytes
        guard bytes.count <= limit else {
            throw ToolError(
                "the report is \(bytes.count) bytes, over delivery.max_report_bytes = \(limit); shorten it (nothing was enqueued)"
            )
        }
        do {
            if isForeign {
                let name = try SubmissionClient.submit(bytes, format: .markdown, to: queue)
                return EnqueuedReport(id: name, duplicate: false)
            }
            try checkRoom()
            try queue.prepare()
            let ledger = try Ledger(queue: queue)
            let toEnqueue = ReportToEnqueue(
                bytes, kind: report.kind, title: report.title, format: .markdown, origin: origin,
                facts: ReportFacts(report), key: key.map(ReportKey.sender))
            return try queue.enqueue([toEnqueue], ledger: ledger)[0]
        } catch let error as ToolError {
            throw error
        } catch {
            throw Self.refusal(error)
        }
    }

    /// An agent is bounded like a submitting user: while pending/ holds `[submit] max_pending_per_user`
    /// reports, it is refused, so that a runaway agent cannot bury the owner's next report.
    func checkRoom() throws(ToolError) {
        let waiting = (try? queue.scanPendingNames().count) ?? 0
        let bound = configuration.submit.maxPendingPerUser
        if waiting >= bound {
            throw ToolError(
                "the queue holds \(waiting) reports waiting, at its bound ([submit] max_pending_per_user = \(bound)): try again once the driver has sent some (nothing was enqueued; keep your report)",
                retry: true)
        }
    }

    /// A queue's refusal as a tool error: whether to try again, and that nothing was enqueued. The
    /// error's exit status says it, as it does for the producer: 75 (a locked ledger, a full bound) and
    /// 74 (a full disk, an I/O error; `SQLiteError` and `SystemError` both map a full disk there).
    static func refusal(_ error: any Error) -> ToolError {
        let text = "\(error)"
        if let failure = error as? OperatorFacingError,
            failure.exitStatus == .temporaryFailure || failure.exitStatus == .ioError
        {
            return ToolError(
                "the queue refused it: \(text); try again later (nothing was enqueued; keep your report)", retry: true)
        }
        return ToolError("the queue refused it: \(text) (nothing was enqueued)")
    }

    /// An incident desk that writes into the own queue (incidents are built from its ledger).
    func incidentDesk(origin: String) throws(ToolError) -> (IncidentDesk, Ledger) {
        guard !isForeign else {
            throw ToolError(
                "\(queue.root) belongs to another user: incidents are kept in its ledger, so run the MCP server as the queue's owner"
            )
        }
        do {
            try queue.prepare()
            let ledger = try Ledger(queue: queue)
            let desk = IncidentDesk.writing(
                into: queue, ledger: ledger, builder: try ReportBuilder(configuration: configuration), origin: origin)
            return (desk, ledger)
        } catch {
            throw Self.refusal(error)
        }
    }
}
