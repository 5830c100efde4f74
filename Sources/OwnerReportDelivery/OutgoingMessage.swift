import OwnerReportCore

/// One message a transport sends for a report: part `part` of `parts`.
public struct OutgoingMessage: Sendable {
    public var part: Int
    public var parts: Int
    /// The exact payload (request body, file content).
    public var payload: [UInt8]
    /// The message text as the service shows it (chat channels), so a request can be built again.
    public var text: String
    /// Stable across retries: the report id and the part, so a receiver can drop a resend.
    public var idempotencyKey: String

    public init(part: Int, parts: Int, payload: [UInt8], text: String = "", reportID: String) {
        self.part = part
        self.parts = parts
        self.payload = payload
        self.text = text
        self.idempotencyKey = "\(reportID).\(part)"
    }
}
