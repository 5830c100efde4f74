import OwnerReportCore

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
