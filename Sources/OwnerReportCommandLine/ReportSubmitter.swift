import Foundation
import OwnerReportCore
import OwnerReportLedger
import OwnerReportSubmission

/// Puts one built report into the queue, or with `--dry-run` shows what it would write: the producer's last step.
public struct ReportSubmitter {
    public let options: CommonOptions
    public let configuration: Configuration
    public let dryRun: Bool
    /// `--destination`: where every report this submitter builds goes, unless the report names its own.
    public let destination: String?

    public init(options: CommonOptions, configuration: Configuration, dryRun: Bool, destination: String? = nil) {
        self.options = options
        self.configuration = configuration
        self.dryRun = dryRun
        self.destination = destination
    }

    /// Checks that a `--destination` names a configured destination (another user's queue checks it on submission).
    public func checkDestination(_ name: String?) throws {
        guard let name, !SubmissionClient.isForeign(options.submissionQueueDirectory) else { return }
        do {
            // Several destinations are comma-separated, as in a report's `destination` field.
            for one in name.split(separator: ",") {
                _ = try configuration.destination(named: one.trimmingCharacters(in: .whitespaces))
            }
        } catch {
            throw UsageError("--destination: \(error.message) in \(configuration.sourceName)")
        }
    }

    /// The fields every report built from flags carries: when it was created and, if asked, where it goes.
    public func stampedFields(destination: String?) -> [String: FieldValue] {
        var fields: [String: FieldValue] = ["created": .text(Timestamp.now().iso8601(in: configuration.timeZone))]
        if let destination { fields["destination"] = .text(destination) }
        return fields
    }

    /// Encodes and submits a report built from flags. With a `cause`, a report already enqueued for the
    /// same cause (a timer that fired twice) is not enqueued again: a line says so, and its path is returned.
    @discardableResult
    public func submit(_ report: Report, format: ReportFormat = .markdown, origin: String, cause: String? = nil) throws
        -> String?
    {
        guard let cause else {
            return try submit(
                bytes: try encode(report, format: format), report: routed(report), format: format, origin: origin)
        }
        let enqueued = try submit(together: [(report, origin, cause)], format: format)
        guard let first = enqueued.first else { return nil }
        return "\(options.submissionQueueDirectory.pending)/\(first.id)"
    }

    /// Submits the reports that announce one state change with that change's ledger rows, in one
    /// transaction (`QueueDirectory.enqueue(_:recording:ledger:)`), each keyed by its cause. Prints the
    /// path of each report enqueued, and a line for each whose cause was enqueued before. Only into
    /// the user's own queue; a dry run shows what it would write and returns [].
    public func submit(
        together reports: [(report: Report, origin: String, cause: String)], recording rows: [LedgerEvent.Draft] = [],
        format: ReportFormat = .markdown
    ) throws -> [EnqueuedReport] {
        var prepared: [ReportToEnqueue] = []
        for (report, origin, cause) in reports {
            let report = routed(report)
            let bytes = try encode(report, format: format)
            if dryRun {
                _ = try submit(bytes: bytes, report: report, format: format, origin: origin)
                continue
            }
            let limit = configuration.delivery.maxReportBytes
            guard bytes.count <= limit else {
                throw ReportFormatError(
                    path: origin,
                    message: "the report is \(bytes.count) bytes, over delivery.max_report_bytes = \(limit)")
            }
            prepared.append(
                ReportToEnqueue(
                    bytes, kind: report.kind, title: report.title, format: format, origin: origin,
                    facts: ReportFacts(report), key: .cause(cause)))
        }
        guard !dryRun else { return [] }
        let queue = options.submissionQueueDirectory
        try queue.prepare()
        let enqueued = try queue.enqueue(prepared, recording: rows, ledger: try Ledger(queue: queue))
        for report in enqueued {
            if report.duplicate {
                print("already enqueued for the same cause: \(queue.pending)/\(report.id): nothing enqueued")
            } else {
                try printEnqueued("\(queue.pending)/\(report.id)", kind: ReportName.kind(of: report.id) ?? .note)
            }
        }
        return enqueued
    }

    /// The report with `--destination` applied, unless it names its own.
    private func routed(_ report: Report) -> Report {
        var report = report
        if let destination, report.fields["destination"] == nil { report.fields["destination"] = .text(destination) }
        return report
    }

    private func encode(_ report: Report, format: ReportFormat) throws -> [UInt8] {
        Array(ReportCodec.encode(routed(report), as: format).utf8)
    }

    /// Submits ready bytes that decode to `report`; prints the enqueued path (or what a dry run would write).
    @discardableResult
    public func submit(bytes: [UInt8], report: Report, format: ReportFormat, origin: String) throws -> String? {
        let limit = configuration.delivery.maxReportBytes
        guard bytes.count <= limit else {
            throw ReportFormatError(
                path: origin, message: "the report is \(bytes.count) bytes, over delivery.max_report_bytes = \(limit)")
        }
        let queue = options.submissionQueueDirectory
        // Another user's queue takes reports through its socket; its daemon names and stamps them.
        let foreign = SubmissionClient.isForeign(queue)
        let now = Timestamp.now()
        if dryRun {
            let name = ReportName.make(at: now, kind: report.kind, title: report.title, format: format)
            let target = foreign ? queue.submitSocket : "\(queue.pending)/\(name)"
            if options.json {
                try printJSON(["dry_run": true, "path": target, "content": String(decoding: bytes, as: UTF8.self)])
            } else {
                print("dry run: would \(foreign ? "submit through" : "write") \(target) (\(bytes.count) bytes):")
                print(String(decoding: bytes, as: UTF8.self), terminator: bytes.last == UInt8(ascii: "\n") ? "" : "\n")
            }
            return nil
        }
        if foreign {
            let path = "\(queue.pending)/\(try SubmissionClient.submit(bytes, format: format, to: queue))"
            try printEnqueued(path, kind: report.kind)
            return path
        }
        try queue.prepare()
        let ledger = try Ledger(queue: queue)
        let pacing =
            options.environment["OWNER_REPORT_FAULT_WRITE_PACING_MS"].flatMap(Int.init).map(Duration.milliseconds)
            ?? .zero
        let path = try queue.enqueue(
            bytes, kind: report.kind, title: report.title, format: format, ledger: ledger, origin: origin,
            facts: ReportFacts(report),
            at: now, pacing: pacing)
        try printEnqueued(path, kind: report.kind)
        return path
    }

    private func printEnqueued(_ path: String, kind: ReportKind) throws {
        if options.json {
            try printJSON(["path": path, "id": DurableFile.fileName(of: path), "kind": kind.rawValue])
        } else {
            print(path)
        }
    }

    private func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}
