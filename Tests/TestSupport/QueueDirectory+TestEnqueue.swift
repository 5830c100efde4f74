import OwnerReportCore
import OwnerReportLedger

extension QueueDirectory {
    /// Enqueues `report` as Markdown through the library, as the producer would; returns its id.
    public func enqueue(_ report: Report, ledger: Ledger? = nil) throws -> String {
        try prepare()
        let ledger = try ledger ?? Ledger(queue: self)
        let bytes = Array(ReportCodec.encode(report, as: .markdown).utf8)
        let path = try enqueue(
            bytes, kind: report.kind, title: report.title, format: .markdown, ledger: ledger, origin: "test")
        return DurableFile.fileName(of: path)
    }
}
