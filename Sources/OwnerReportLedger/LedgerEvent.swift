import OwnerReportCore

/// One row of the append-only audit log.
public struct LedgerEvent: Hashable, Sendable {
    /// What happened; new kinds can be added without a schema change.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A report entered pending/ (by the producer, or first seen there when dropped in by hand).
        public static let enqueued = Kind(rawValue: "enqueued")
        /// A delivery of a report (or one of its parts) to a destination is about to be tried.
        public static let attempt = Kind(rawValue: "attempt")
        /// One part of a split report was accepted.
        public static let partDelivered = Kind(rawValue: "part_delivered")
        /// A transient failure: the report waits in pending/ until `detail`'s next try.
        public static let deferred = Kind(rawValue: "deferred")
        /// Every part was accepted by one destination.
        public static let delivered = Kind(rawValue: "delivered")
        /// The report was moved to failed/ (permanent failure, give-up or unreadable file).
        public static let failed = Kind(rawValue: "failed")
        /// The report was moved to sent/.
        public static let archived = Kind(rawValue: "archived")
        /// A failed report was put back into pending/.
        public static let requeued = Kind(rawValue: "requeued")
        /// The watchdog raised or cleared an alert.
        public static let alert = Kind(rawValue: "alert")
        /// An incident was opened; `facts` holds it (id, title, severity, times).
        public static let incidentOpened = Kind(rawValue: "incident_opened")
        /// An incident was resolved; `facts` holds it with its resolution time.
        public static let incidentResolved = Kind(rawValue: "incident_resolved")
        /// Someone acknowledged an incident; `facts` says who (their id and name), when and through which channel.
        public static let acknowledged = Kind(rawValue: "acknowledged")
        /// A step of an unacknowledged incident's escalation; `facts` holds the incident, the step and the destination.
        public static let escalated = Kind(rawValue: "escalated")
        /// The archiver filed a report of sent/ into its dated folder.
        public static let filed = Kind(rawValue: "filed")
        /// The archiver deleted an archived report whose retention ran out.
        public static let expired = Kind(rawValue: "expired")
        /// A job said it ran (`producer ping`, the intake's `/v1/ping/NAME`); `facts`: the name, `start`,
        /// `success` or `fail`, and a message. Nothing is sent for it, but a `fail` opens an incident.
        public static let ping = Kind(rawValue: "ping")
        /// Alertmanager notified a firing alert (a repeat too); `facts`: its `alertname` and fingerprint.
        /// An `[expect]` on an alertname (a dead man's switch) counts these.
        public static let alertReceived = Kind(rawValue: "alert_received")
        /// The watchdog first looked at an `[expect.NAME]`: its silence is counted from here until
        /// something matching comes.
        public static let expectationArmed = Kind(rawValue: "expectation_armed")
        /// Recovery linked a report into pending/ from tmp/: its `enqueued` row had committed, and the
        /// writer died before the link (docs/design.md §3).
        public static let republished = Kind(rawValue: "republished")
        /// Recovery removed a report's bytes from tmp/: the writer died before its `enqueued` row
        /// committed, so nobody was ever told it was enqueued.
        public static let discarded = Kind(rawValue: "discarded")
    }

    /// Position in the log, from 1.
    public var sequence: Int64
    /// When it was recorded, UTC, microseconds.
    public var time: String
    public var kind: Kind
    /// The report id (its file name), when the event is about one report.
    public var report: String?
    public var destination: String?
    /// HTTP or SMTP status code, when there was a response.
    public var status: Int?
    public var part: Int?
    public var parts: Int?
    /// A short, secret-free explanation.
    public var detail: String?
    /// For `enqueued`: the time that fixes the report's place in line.
    public var enqueuedAt: Timestamp?
    /// For `enqueued`: the SHA-256 of the file's bytes.
    public var sha256: String?
    /// For `deferred`: no new attempt before this time (backoff and Retry-After).
    public var notBefore: Timestamp?
    /// Structured facts as a JSON object: for `enqueued`, what the report says (kind, team, status,
    /// done/next…); for incidents, the incident. The daily and weekly reports are computed from them.
    public var facts: String?
    public var previousHash: String
    public var hash: String

    /// A row as stored: a draft's fields with the ledger's number, time and hashes (the ledger's
    /// own rows, and rows read back from the fleet database).
    public init(sequence: Int64, time: String, _ draft: Draft, previousHash: String, hash: String) {
        self.sequence = sequence
        self.time = time
        kind = draft.kind
        report = draft.report
        destination = draft.destination
        status = draft.status
        part = draft.part
        parts = draft.parts
        detail = draft.detail
        enqueuedAt = draft.enqueuedAt
        sha256 = draft.sha256
        notBefore = draft.notBefore
        facts = draft.facts
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The fields a caller supplies when appending; sequence, time and hashes are the ledger's.
    public struct Draft: Sendable {
        public var kind: Kind
        public var report: String?
        public var destination: String?
        public var status: Int?
        public var part: Int?
        public var parts: Int?
        public var detail: String?
        public var enqueuedAt: Timestamp?
        public var sha256: String?
        public var notBefore: Timestamp?
        public var facts: String?

        public init(
            _ kind: Kind, report: String? = nil, destination: String? = nil, status: Int? = nil, part: Int? = nil,
            parts: Int? = nil, detail: String? = nil, enqueuedAt: Timestamp? = nil, sha256: String? = nil,
            notBefore: Timestamp? = nil, facts: String? = nil
        ) {
            self.kind = kind
            self.report = report
            self.destination = destination
            self.status = status
            self.part = part
            self.parts = parts
            self.detail = detail
            self.enqueuedAt = enqueuedAt
            self.sha256 = sha256
            self.notBefore = notBefore
            self.facts = facts
        }
    }

    /// The exact bytes the hash covers: every field but the hash itself, length-prefixed so no two
    /// different rows serialize alike. `facts` is covered when present; rows without it serialize as
    /// they did before the column existed, so older ledgers still verify.
    var hashedContent: String {
        var fields: [String?] = [
            String(sequence), time, kind.rawValue, report, destination, status.map(String.init), part.map(String.init),
            parts.map(String.init), detail, enqueuedAt.map { String($0.rawValue) }, sha256,
            notBefore.map { String($0.rawValue) }, previousHash,
        ]
        if let facts { fields.append("facts=" + facts) }
        return fields.map { field in field.map { "\($0.utf8.count):\($0);" } ?? "-;" }.joined()
    }
}
