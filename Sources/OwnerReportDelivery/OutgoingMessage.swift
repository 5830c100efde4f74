import OwnerReportCore

/// A pending report read and decoded, ready to render: what every transport is given.
public struct PreparedReport: Sendable {
    /// The file name in pending/, which is the report's id.
    public var id: String
    public var report: Report
    public var enqueuedAt: Timestamp

    public init(id: String, report: Report, enqueuedAt: Timestamp) {
        self.id = id
        self.report = report
        self.enqueuedAt = enqueuedAt
    }
}

/// One message a transport sends for a report: part `part` of `parts`.
public struct OutgoingMessage: Sendable {
    public var part: Int
    public var parts: Int
    /// The exact payload (request body, file content).
    public var payload: [UInt8]
    /// Stable across retries: the report id and the part, so a receiver can drop a resend.
    public var idempotencyKey: String

    public init(part: Int, parts: Int, payload: [UInt8], reportID: String) {
        self.part = part
        self.parts = parts
        self.payload = payload
        self.idempotencyKey = "\(reportID).\(part)"
    }
}
