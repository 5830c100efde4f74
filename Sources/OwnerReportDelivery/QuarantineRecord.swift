import Foundation
import OwnerReportCore

/// Why a report is in failed/: what the sidecar `NAME.error.json` says.
public struct QuarantineRecord: Sendable {
    /// `unreadable` (bad file), `rejected` (a destination refused it for good), `gave-up` (attempts or age).
    public var category: String
    public var reason: String
    public var destination: String?
    public var status: Int?
    public var responseExcerpt: String?
    public var attempts: Int
    /// Destinations that had already accepted the report, so a requeue does not resend to them.
    public var deliveredTo: [String]

    public init(
        category: String, reason: String, destination: String? = nil, status: Int? = nil,
        responseExcerpt: String? = nil,
        attempts: Int = 0, deliveredTo: [String] = []
    ) {
        self.category = category
        self.reason = reason
        self.destination = destination
        self.status = status
        self.responseExcerpt = responseExcerpt
        self.attempts = attempts
        self.deliveredTo = deliveredTo
    }

    func json(name: String) -> [UInt8] {
        var object: [String: Any] = [
            "report": name, "category": category, "reason": reason, "attempts": attempts,
            "delivered_to": deliveredTo, "failed_at": Timestamp.now().iso8601UTC,
        ]
        if let destination { object["destination"] = destination }
        if let status { object["status"] = status }
        if let responseExcerpt { object["response_excerpt"] = responseExcerpt }
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return Array(data) + [0x0A]
    }
}
