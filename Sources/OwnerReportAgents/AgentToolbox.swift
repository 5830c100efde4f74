import Foundation

import OwnerReportArchive
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports

/// What the MCP server's tools do, apart from the protocol: each call checks its arguments (naming the
/// field it refuses), then enqueues durably before it answers, or reads the ledger and the queue.
public struct AgentToolbox: Sendable {
    public let agentQueue: AgentQueue
    /// The MCP client, as its `initialize` named it: "claude-code 2.0.14".
    public var client: String

    public init(queue: QueueDirectory, configuration: Configuration, client: String = "an MCP client") {
        agentQueue = AgentQueue(queue: queue, configuration: configuration)
        self.client = client
    }

    var configuration: Configuration { agentQueue.configuration }
    var queue: QueueDirectory { agentQueue.queue }

    public static var tools: [AgentTool] { AgentTools.all }

    /// A tool's answer: a line for the model to read, and the same as structured content.
    public struct Answer {
        public var text: String
        public var structured: [String: Any]
    }

    public func call(_ name: String, _ arguments: [String: ToolValue]?) throws(ToolError) -> Answer {
        let arguments = ToolArguments(tool: name, arguments)
        switch name {
        case "report_checkpoint": return try checkpoint(arguments)
        case "report_note": return try note(arguments)
        case "open_incident": return try openIncident(arguments)
        case "resolve_incident": return try resolveIncident(arguments)
        case "acknowledge": return try acknowledge(arguments)
        case "report_status": return try reportStatus(arguments)
        case "queue_status": return try queueStatus(arguments)
        default: throw ToolError("no tool named \(name) (the tools: \(Self.tools.map(\.name).joined(separator: ", ")))")
        }
    }

    // MARK: - Reports

    /// The fields every report an agent sends carries: when, from which client, and where to if asked.
    func stamped(_ arguments: ToolArguments) throws(ToolError) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [
            "created": .text(Timestamp.now().iso8601(in: configuration.timeZone)), "mcp_client": .text(client),
            "source": .text(try arguments.string("source") ?? client),
        ]
        if let destination = try arguments.string("destination") {
            for one in destination.split(separator: ",") {
                let name = one.trimmingCharacters(in: .whitespaces)
                if !agentQueue.isForeign, configuration.destinations[name] == nil {
                    throw arguments.problem(
                        "destination",
                        "no destination named '\(name)' (known: \(configuration.destinations.keys.sorted().joined(separator: ", ")))"
                    )
                }
            }
            fields["destination"] = .text(destination)
        }
        if let expectNext = try arguments.duration("expect_next") { fields["expect_next"] = .text(expectNext) }
        return fields
    }

    func checkpoint(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly([
            "team", "worker", "task_id", "progress", "done", "next", "status", "source", "title", "expect_next",
            "destination", "idempotency_key",
        ])
        let task = try arguments.required("task_id", example: "MIG-1")
        let progress = try arguments.required("progress", example: "50%")
        var fields = try stamped(arguments)
        fields.merge([
            "team": .text(try arguments.required("team", example: "platform")),
            "worker": .text(try arguments.required("worker", example: "build-agent")),
            "task": .text(task), "progress": .text(progress),
            "status": .text((try arguments.status() ?? .normal).rawValue),
        ]) { $1 }
        let done = try arguments.strings("done"), next = try arguments.strings("next")
        if !done.isEmpty { fields["done"] = .list(done) }
        if !next.isEmpty { fields["next"] = .list(next) }
        let report = Report(
            kind: .checkpoint, title: try arguments.string("title") ?? "\(task) \(progress)", fields: fields)
        return try send(report, arguments)
    }

    func note(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly([
            "title", "body", "status", "fields", "source", "expect_next", "destination", "idempotency_key",
        ])
        var fields: [String: FieldValue] = [:]
        for (key, value) in try arguments.stringMap("fields") {
            guard Report.isValidFieldName(key[...]) else {
                throw arguments.problem("fields.\(key)", "not a field name (letters, digits, '_', '-', '.')")
            }
            guard !["kind", "title"].contains(key.lowercased()) else {
                throw arguments.problem("fields.\(key)", "cannot be set here; title is an argument of its own")
            }
            fields[key.lowercased()] = .text(value)
        }
        fields.merge(try stamped(arguments)) { $1 }
        if let status = try arguments.status() { fields["status"] = .text(status.rawValue) }
        if fields["expect_next"] != nil, fields["task"] == nil {
            throw arguments.problem("expect_next", "needs fields.task: the task whose next report is due")
        }
        let report = Report(
            kind: .note, title: try arguments.required("title", example: "nightly build passed"), fields: fields,
            body: try arguments.string("body") ?? "")
        return try send(report, arguments)
    }

    func send(_ report: Report, _ arguments: ToolArguments) throws(ToolError) -> Answer {
        let key = try arguments.string("idempotency_key")
        let enqueued = try agentQueue.enqueue(report, key: key.map { "mcp:\($0)" }, origin: "mcp (\(client))")
        let destinations = configuration.destinationNames(for: report)
        let text =
            enqueued.duplicate
            ? "already enqueued with this idempotency_key as \(enqueued.id): nothing new was enqueued; it goes to \(destinations.joined(separator: ", "))"
            : "enqueued \(enqueued.id) (durable); it goes to \(destinations.joined(separator: ", ")). Ask report_status with this id to see it delivered."
        return Answer(
            text: text, structured: ["id": enqueued.id, "duplicate": enqueued.duplicate, "destinations": destinations])
    }

    // MARK: - Incidents

    func openIncident(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly(["id", "title", "severity", "category", "service", "summary"])
        let id = try arguments.required("id", example: "INC-7")
        let severity = try arguments.required("severity", example: "critical")
        guard ["critical", "warning", "info"].contains(severity) else {
            throw arguments.problem("severity", "'\(severity)' is not one of critical, warning, info")
        }
        let incident = Incident(
            id: id, title: try arguments.required("title", example: "API 5xx above 2%"), severity: severity,
            category: try arguments.string("category"),
            service: try arguments.string("service"), summary: try arguments.string("summary"), source: client,
            openedAt: .now())
        let (desk, ledger) = try agentQueue.incidentDesk(origin: "mcp (\(client))")
        do {
            if let existing = try IncidentBook(ledger: ledger).incident(id: id), existing.isOpen {
                return Answer(
                    text:
                        "\(id) is already open since \(existing.openedAt.iso8601(in: configuration.timeZone)): nothing enqueued",
                    structured: ["id": id, "state": "open", "enqueued": [String]()])
            }
            let enqueued = try desk.announce(incident, opened: true, postmortem: nil)
            return Answer(
                text: "opened \(id); enqueued \(enqueued.joined(separator: ", "))",
                structured: ["id": id, "state": "open", "enqueued": enqueued])
        } catch {
            throw AgentQueue.refusal(error)
        }
    }

    func resolveIncident(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly(["id", "summary", "root_cause", "action", "auto_repaired"])
        let id = try arguments.required("id", example: "INC-7")
        let (desk, ledger) = try agentQueue.incidentDesk(origin: "mcp (\(client))")
        let details = ReportBuilder.PostmortemDetails(
            rootCause: try arguments.string("root_cause"), action: try arguments.string("action"),
            autoRepaired: try arguments.bool("auto_repaired") ?? false)
        let summary = try arguments.string("summary")
        do {
            guard var incident = try IncidentBook(ledger: ledger).incident(id: id) else {
                throw ToolError(
                    "resolve_incident: id: no incident \(id) in the ledger (open it first with open_incident); nothing was enqueued"
                )
            }
            if let at = incident.resolvedAt {
                return Answer(
                    text: "\(id) was already resolved at \(at.iso8601(in: configuration.timeZone)): nothing enqueued",
                    structured: ["id": id, "state": "resolved", "enqueued": [String]()])
            }
            incident.resolvedAt = max(.now(), incident.openedAt)
            if let summary { incident.summary = summary }
            let enqueued = try desk.announce(incident, opened: false, postmortem: details)
            return Answer(
                text: "resolved \(id); enqueued \(enqueued.joined(separator: ", "))",
                structured: ["id": id, "state": "resolved", "enqueued": enqueued])
        } catch let error as ToolError {
            throw error
        } catch {
            throw AgentQueue.refusal(error)
        }
    }

    func acknowledge(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly(["incident", "note"])
        let id = try arguments.required("incident", example: "INC-7")
        let note = try arguments.string("note")
        let (_, ledger) = try agentQueue.incidentDesk(origin: "mcp (\(client))")
        do {
            let book = IncidentBook(ledger: ledger)
            guard try book.incident(id: id) != nil else {
                throw ToolError("acknowledge: incident: no incident \(id) in the ledger; nothing was recorded")
            }
            if let earlier = try book.acknowledgement(of: id) {
                return Answer(
                    text:
                        "\(id) was already acknowledged by \(earlier.name) via \(earlier.channel) at \(earlier.at.iso8601(in: configuration.timeZone)): nothing recorded",
                    structured: ["incident": id, "acknowledged_by": earlier.name, "recorded": false])
            }
            try book.recordAcknowledged(
                Acknowledgement(incident: id, userID: "mcp", name: client, channel: "mcp", at: .now(), note: note))
            return Answer(
                text: "\(id) acknowledged by \(client)",
                structured: ["incident": id, "acknowledged_by": client, "recorded": true])
        } catch let error as ToolError {
            throw error
        } catch {
            throw AgentQueue.refusal(error)
        }
    }

    // MARK: - Status

    func reportStatus(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly(["id"])
        let id = try arguments.required("id", example: "20261202T140200.123456789Z-checkpoint-mig-1-50-1a2b3c4d.md")
        try ownLedger("report_status")
        do {
            let status = try DeliveryStatus(
                id: id, queue: queue, ledger: try Ledger.open(queue, .reading), configuration: configuration)
            return Answer(
                text: status.lines(in: configuration.timeZone).joined(separator: "\n"), structured: status.jsonObject())
        } catch {
            throw ToolError("report_status: \(error)")
        }
    }

    /// Delivery status is read from the queue's ledger, which only the queue's owner can read.
    func ownLedger(_ tool: String) throws(ToolError) {
        guard agentQueue.isForeign else { return }
        throw ToolError(
            "\(tool): \(queue.root) belongs to another user, whose ledger only its owner can read; the report was taken (its id is its receipt), and its owner's status and daily reports show its delivery"
        )
    }

    func queueStatus(_ arguments: ToolArguments) throws(ToolError) -> Answer {
        try arguments.allowOnly([])
        try ownLedger("queue_status")
        do {
            let status = try QueueStatus(
                queue: queue, ledger: try Ledger.open(queue, .reading), configuration: configuration)
            let now = Timestamp.now()
            var lines = ["pending: \(status.pending.count), failed: \(status.failed.count)"]
            if let oldest = status.pending.map(\.enqueuedAt).min() {
                lines.append(
                    "oldest waiting: \(DurationText.describe(.nanoseconds(max(0, now.rawValue - oldest.rawValue))))")
            }
            for failed in status.failed.prefix(10) {
                lines.append("failed \(failed.report) [\(failed.category)]: \(failed.reason)")
            }
            return Answer(text: lines.joined(separator: "\n"), structured: status.jsonObject(now: now))
        } catch {
            throw ToolError("queue_status: \(error)")
        }
    }
}
