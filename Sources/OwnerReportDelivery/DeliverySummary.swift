import OwnerReportCore

/// What one delivery run did, for the exit status, the summary line and `--json`.
public struct DeliverySummary: Sendable {
    /// A report moved to failed/ and why.
    public struct Quarantined: Sendable {
        public var id: String
        public var reason: String
    }

    /// Delivered in this run and moved to sent/, oldest first.
    public var delivered: [String] = []
    /// Found delivered by the ledger (a crash came before the move) and archived without resending.
    public var recovered: [String] = []
    public var quarantined: [Quarantined] = []
    /// Lanes stopped in this run, with the reason: a transient failure, or a backoff not yet over.
    public var stoppedLanes: [String: String] = [:]
    /// Reports left in pending/ because their lane stopped.
    public var waiting = 0
    /// Set when a destination refused as a whole (bad token, unknown webhook): the run stopped.
    public var configurationError: String?
    /// What the operator should act on though delivery went on (a Telegram chat that moved).
    public var notices: [String] = []
    /// The earliest time a stopped lane may be tried again: when a daemon should wake next.
    public var nextDue: Timestamp?
    /// With `--dry-run`: what each step would have done, in order.
    public var previews: [String] = []

    public init() {}

    mutating func noteDue(_ time: Timestamp) {
        if nextDue.map({ time < $0 }) ?? true { nextDue = time }
    }

    /// 78 when a destination is misconfigured, 75 when work is left for later, else 0.
    public var exitStatus: ExitStatus {
        if configurationError != nil { return .configuration }
        if !stoppedLanes.isEmpty { return .temporaryFailure }
        return .success
    }

    /// Whether the run did anything worth a line of output.
    public var isEmpty: Bool {
        delivered.isEmpty && recovered.isEmpty && quarantined.isEmpty && stoppedLanes.isEmpty
            && configurationError == nil
    }

    /// One line for people: `delivered 3, failed 1, waiting 16 (owner: HTTP 503 …)`.
    public var line: String {
        var parts = ["delivered \(delivered.count)"]
        if !recovered.isEmpty { parts.append("archived without resend \(recovered.count)") }
        parts.append("failed \(quarantined.count)")
        parts.append("waiting \(waiting)")
        var text = parts.joined(separator: ", ")
        if !stoppedLanes.isEmpty {
            text +=
                " (" + stoppedLanes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                + ")"
        }
        if let configurationError { text += "; stopped: \(configurationError)" }
        return text
    }

    /// The summary as a JSON-ready dictionary.
    public var jsonObject: [String: Any] {
        [
            "delivered": delivered, "archived_without_resend": recovered,
            "failed": quarantined.map { ["id": $0.id, "reason": $0.reason] }, "waiting": waiting,
            "stopped_lanes": stoppedLanes, "configuration_error": configurationError as Any,
            "exit_status": Int(exitStatus.rawValue), "notices": notices,
        ]
    }
}
