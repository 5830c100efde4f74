import Foundation

/// What the ledger keeps of a report's content when it is enqueued, so the daily and weekly reports
/// can be computed from the ledger alone: its kind and the fields those reports count or list.
public struct ReportFacts: Codable, Hashable, Sendable {
    public var kind: String
    public var title: String?
    public var team: String?
    public var worker: String?
    public var task: String?
    /// What produced it (`source`: a checkpoint's `--source`, `ci`…).
    public var source: String?
    /// `expect_next`: the same task's next report is due within this duration (`30m`).
    public var expectNext: String?
    public var status: String?
    public var progress: String?
    public var severity: String?
    public var category: String?
    public var service: String?
    public var incident: String?
    public var done: [String]?
    public var next: [String]?
    /// Who submitted it through the queue's socket, as the kernel said (SO_PEERCRED); nil for the owner's own.
    public var submitter: Submitter?
    /// The sender's key for this report (an `Idempotency-Key`, a relayed `webhook-id`): the same key is enqueued once.
    public var idempotencyKey: String?
    /// For a report owner-report derives itself, what caused it (`incident:ID:opened:TIME`,
    /// `daily:START/END`…): one cause gives one report, however often it is seen (docs/design.md §3).
    public var cause: String?

    /// A submitting process's identity: never taken from what the report says.
    public struct Submitter: Codable, Hashable, Sendable {
        public var uid: UInt32
        public var user: String?
        /// The systemd unit the process ran in, when it could be read from /proc.
        public var unit: String?

        public init(uid: UInt32, user: String?, unit: String?) {
            self.uid = uid
            self.user = user
            self.unit = unit
        }

        /// How a report shows it: `alice (uid 1001, unit ci-job.service)`.
        public var description: String {
            let unitText = unit.map { ", unit \($0)" } ?? ""
            return "\(user ?? "uid \(uid)") (uid \(uid)\(unitText))"
        }
    }

    public init(kind: String) { self.kind = kind }

    /// The facts of `report`; items of `done` and `next` are kept one per entry.
    public init(_ report: Report) {
        kind = report.kind.rawValue
        title = report.title
        func text(_ key: String) -> String? { report.text(key) }
        func items(_ key: String) -> [String]? {
            switch report.fields[key] {
            case .list(let items): items.isEmpty ? nil : items
            case .text(let text): text.isEmpty ? nil : [text]
            case nil: nil
            }
        }
        team = text("team")
        worker = text("worker")
        task = text("task")
        source = text("source")
        expectNext = text("expect_next")
        status = text("status")
        progress = text("progress")
        severity = text("severity")
        category = text("category")
        service = text("service")
        incident = text("incident")
        done = items("done")
        next = items("next")
    }

    /// The JSON object stored in the ledger's `facts` column (keys sorted, so equal facts are equal text).
    public var json: String {
        FactsJSON.encode(self) ?? #"{"kind":"\#(kind)"}"#
    }

    /// Reads the facts back; nil when `json` is absent or not facts.
    public init?(json: String?) {
        guard let value = FactsJSON.decode(ReportFacts.self, from: json) else { return nil }
        self = value
    }
}
