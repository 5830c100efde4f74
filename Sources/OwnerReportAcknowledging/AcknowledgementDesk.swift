import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

/// Records an acknowledgement read from a chat, the first one per incident counting (§15).
struct AcknowledgementDesk {
    let queue: QueueDirectory

    enum Outcome: Equatable {
        case recorded
        /// Someone acknowledged first: their name.
        case earlier(String)
        case unknownIncident
    }

    func acknowledge(_ incident: String, userID: String, name: String, channel: String) throws -> Outcome {
        let book = IncidentBook(ledger: try Ledger(queue: queue))
        guard try book.incident(id: incident) != nil else { return .unknownIncident }
        if let earlier = try book.acknowledgement(of: incident) { return .earlier(earlier.name) }
        try book.recordAcknowledged(Acknowledgement(incident: incident, userID: userID, name: name, channel: channel, at: .now()))
        return .recorded
    }
}
