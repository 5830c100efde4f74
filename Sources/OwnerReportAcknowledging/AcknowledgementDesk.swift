import OwnerReportCore
import OwnerReportTransfer
import OwnerReportLedger

/// What a chat acknowledges: an incident, or a critical report that belongs to none.
enum Subject: Equatable {
    case incident(String)
    case report(String)

    var name: String {
        switch self {
        case .incident(let id): id
        case .report(let report): report
        }
    }
}

/// Records an acknowledgement read from a chat, the first one per incident counting (§15).
struct AcknowledgementDesk {
    let queue: QueueDirectory

    enum Outcome: Equatable {
        case recorded
        /// Someone acknowledged first: their name.
        case earlier(String)
        /// The ledger knows no such incident or report.
        case unknown
    }

    /// A reply acknowledges when its first word is `ack` (any case): "ack", "ACK, on it", not "acknowledging".
    static func isAcknowledgement(_ text: String) -> Bool {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0.isLetter }
        return word.lowercased() == "ack"
    }

    func acknowledge(_ subject: Subject, userID: String, name: String, channel: String) throws -> Outcome {
        switch subject {
        case .incident(let id): try acknowledge(id, userID: userID, name: name, channel: channel)
        case .report(let report): try acknowledge(report: report, userID: userID, name: name, channel: channel)
        }
    }

    /// A critical report without an incident: the first acknowledgement of it counts.
    func acknowledge(report: String, userID: String, name: String, channel: String) throws -> Outcome {
        let ledger = try Ledger(queue: queue)
        let book = IncidentBook(ledger: ledger)
        guard try !ledger.events(for: report).isEmpty else { return .unknown }
        if let earlier = try book.acknowledgement(ofReport: report) { return .earlier(earlier.name) }
        try book.recordAcknowledged(
            Acknowledgement(incident: "", report: report, userID: userID, name: name, channel: channel, at: .now()))
        return .recorded
    }

    /// The report whose button data is `ackr:<stamp>:<8 hex>` (`TelegramAcknowledgement.reportData`).
    func report(forData data: String) throws -> String? {
        let parts = data.dropFirst(TelegramAcknowledgement.reportPrefix.count).split(separator: ":")
        guard parts.count == 2, parts[0].count == 26, parts[1].count == 8 else { return nil }
        return try Ledger(queue: queue).query(
            "WHERE event = 'enqueued' AND report LIKE ? ORDER BY seq LIMIT 1", [.text("\(parts[0])-%-\(parts[1]).%")]
        ).first?.report
    }

    func acknowledge(_ incident: String, userID: String, name: String, channel: String) throws -> Outcome {
        let book = IncidentBook(ledger: try Ledger(queue: queue))
        guard try book.incident(id: incident) != nil else { return .unknown }
        if let earlier = try book.acknowledgement(of: incident) { return .earlier(earlier.name) }
        try book.recordAcknowledged(
            Acknowledgement(incident: incident, userID: userID, name: name, channel: channel, at: .now()))
        return .recorded
    }
}
