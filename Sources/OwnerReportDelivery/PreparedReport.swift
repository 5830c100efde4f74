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
