import Foundation
import OwnerReportCore

/// A coding agent's hook event (Claude Code's `Stop`, `SubagentStop`, `Notification`, and any other
/// with the same common fields), read from the JSON the agent writes on the hook's standard input,
/// turned into the note the owner receives.
public struct AgentHookEvent: Sendable, Equatable {
    public var event: String
    public var session: String
    public var cwd: String?
    public var transcriptPath: String?
    /// Notification: what the agent says ("Claude needs your permission to use Bash").
    public var message: String?
    public var notificationType: String?
    /// Stop and SubagentStop: the agent's last message, when the agent sends it.
    public var lastMessage: String?
    public var agentID: String?
    public var agentType: String?
    public var promptID: String?

    /// Reads the event; `path` names the input in errors.
    public init(json bytes: [UInt8], path: String) throws(ReportFormatError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw ReportFormatError(
                path: path, message: "not a JSON object (a hook event is one JSON object on standard input)")
        }
        func text(_ key: String) throws(ReportFormatError) -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else {
                throw ReportFormatError(path: path, message: "\(key) must be a string")
            }
            return text
        }
        guard let event = try text("hook_event_name"), !event.isEmpty else {
            throw ReportFormatError(
                path: path, message: "no hook_event_name (expected Stop, SubagentStop, Notification, …)")
        }
        guard let session = try text("session_id"), !session.isEmpty else {
            throw ReportFormatError(path: path, message: "no session_id")
        }
        self.event = event
        self.session = session
        cwd = try text("cwd")
        transcriptPath = try text("transcript_path")
        message = try text("message")
        notificationType = try text("notification_type")
        lastMessage = try text("last_assistant_message")
        agentID = try text("agent_id")
        agentType = try text("agent_type")
        promptID = try text("prompt_id")
    }

    /// The project the agent works in, by its directory's name.
    var project: String { cwd.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?" }

    /// The note: "finished", "needs your input" or "subagent done", with the session, the working
    /// directory and the event's message.
    public func report(agent: String, at time: Timestamp, in zone: TimeZone) -> Report {
        let title: String
        var status = ReportStatus.normal
        var body = ""
        switch event {
        case "Stop":
            title = "\(agent) finished in \(project)"
            body = lastMessage ?? ""
        case "SubagentStop":
            title = "\(agent) subagent done in \(project)\((agentType ?? agentID).map { ": \($0)" } ?? "")"
            body = lastMessage ?? ""
        case "Notification":
            title = "\(agent) needs your input in \(project)\(message.map { ": \($0.prefix(120))" } ?? "")"
            status = .warning
            body = message ?? ""
        default:
            title = "\(agent) \(event) in \(project)"
            body = message ?? lastMessage ?? ""
        }
        var fields: [String: FieldValue] = [
            "created": .text(time.iso8601(in: zone)), "source": .text("\(agent) hook"), "hook_event": .text(event),
            "session": .text(session),
            "status": .text(status.rawValue),
        ]
        if let cwd { fields["cwd"] = .text(cwd) }
        if let notificationType { fields["notification_type"] = .text(notificationType) }
        if let agentID { fields["agent_id"] = .text(agentID) }
        if let agentType { fields["agent_type"] = .text(agentType) }
        return Report(kind: .note, title: title, fields: fields, body: String(body.prefix(4_000)))
    }

    /// The key that makes an event delivered twice one report. Hook events carry no time of their own,
    /// so the moment is the session's transcript length when it fired (each new turn lengthens it; a
    /// repeat of the same event finds it unchanged), or the minute when there is no transcript to read.
    public func key(at time: Timestamp) -> String {
        var moment = "minute \(time.rawValue / 60_000_000_000)"
        if let transcriptPath, let attributes = try? FileManager.default.attributesOfItem(atPath: transcriptPath),
            let size = attributes[.size] as? NSNumber
        {
            moment = "transcript \(size.int64Value)"
        }
        let parts = [
            event, session, agentID ?? "", promptID ?? "", notificationType ?? "", message ?? "", lastMessage ?? "",
            moment,
        ]
        let digest = DigitText.hex(SHA256.hash(Array(parts.joined(separator: "\u{1F}").utf8)))
        return "agent-hook:\(session):\(digest.prefix(32))"
    }
}
