/// One tool as `tools/list` describes it: its name, when to use it, and the JSON Schema of its arguments.
public struct AgentTool: Sendable {
    public var name: String
    public var description: String
    public var inputSchema: ToolValue
    /// It changes nothing (MCP's `readOnlyHint`).
    public var readOnly = false

    /// The tool as `tools/list` lists it.
    public var listed: ToolValue {
        var object: [String: ToolValue] = [
            "name": .string(name), "description": .string(description), "inputSchema": inputSchema,
        ]
        if readOnly { object["annotations"] = ["readOnlyHint": true] }
        return .object(object)
    }
}

/// The tools the MCP server offers, with schemas whose descriptions tell a model when to use each.
enum AgentTools {
    static let statuses: ToolValue = .array(["normal", "warning", "critical", "blocked", "done"])

    static func property(_ type: String, _ description: String) -> ToolValue {
        .object(["type": .string(type), "description": .string(description)])
    }

    static func list(_ description: String) -> ToolValue {
        .object(["type": "array", "items": .object(["type": "string"]), "description": .string(description)])
    }

    static func schema(_ properties: [String: ToolValue], required: [String]) -> ToolValue {
        .object([
            "type": "object", "properties": .object(properties), "required": .array(required.map(ToolValue.string)),
            "additionalProperties": false,
        ])
    }

    /// What every report tool also takes.
    static let delivery: [String: ToolValue] = [
        "destination": property(
            "string",
            "A configured destination to send it to instead of the kind's route (several: comma-separated). Usually leave it out."
        ),
        "idempotency_key": property(
            "string",
            "Any string unique to this report. Give it when you may retry the call (after a timeout or an error): a second call with the same key enqueues nothing and answers with the first report's id."
        ),
    ]

    static let all: [AgentTool] = [
        AgentTool(
            name: "report_checkpoint",
            description: """
                Tell the owner how far a long-running task is: what is done, what comes next. Use it at each milestone \
                of multi-step work, and when you are blocked. It is queued durably and delivered in order; the answer \
                gives the report's id, to pass to report_status later.
                """,
            inputSchema: schema(
                [
                    "team": property("string", "The team or project the task belongs to."),
                    "worker": property("string", "Who is doing the work: your agent or subagent name."),
                    "task_id": property("string", "A stable id of the task, the same in every checkpoint of it."),
                    "progress": property("string", "How far along, e.g. 50% or 3/8."),
                    "done": list("What was done since the last checkpoint, one item each."),
                    "next": list("What comes next, one item each."),
                    "status": .object([
                        "type": "string", "enum": statuses,
                        "description": "normal, warning, critical, blocked (you need the owner) or done.",
                    ]),
                    "source": property("string", "What produced it; by default the MCP client's name and version."),
                    "title": property("string", "A title instead of \"<task_id> <progress>\"."),
                    "expect_next": property(
                        "string",
                        "The task's next checkpoint is due within this (30m, 2h): silence past it opens an incident."),
                ].merging(delivery) { $1 }, required: ["team", "worker", "task_id", "progress"])),
        AgentTool(
            name: "report_note",
            description:
                "Send the owner a free-form note: a result, a question, a summary. Use report_checkpoint for progress of a task.",
            inputSchema: schema(
                [
                    "title": property("string", "The note's title, in a line."),
                    "body": property("string", "The note itself, in Markdown."),
                    "status": .object([
                        "type": "string", "enum": statuses, "description": "normal unless it needs attention.",
                    ]),
                    "fields": .object([
                        "type": "object", "additionalProperties": .object(["type": "string"]),
                        "description": "Extra fields shown with the note, e.g. {\"task\": \"MIG-1\", \"url\": \"…\"}.",
                    ]),
                    "source": property("string", "What produced it; by default the MCP client's name and version."),
                    "expect_next": property("string", "With fields.task: the task's next report is due within this."),
                ].merging(delivery) { $1 }, required: ["title"])),
        AgentTool(
            name: "open_incident",
            description:
                "Open an incident: something is broken and the owner must know now. It is kept in the ledger until resolve_incident; a critical one is escalated until acknowledged.",
            inputSchema: schema(
                [
                    "id": property("string", "A stable id, e.g. INC-7; resolve_incident takes the same."),
                    "title": property("string", "What is wrong, in a line."),
                    "severity": .object([
                        "type": "string", "enum": ["critical", "warning", "info"],
                        "description": "critical, warning or info.",
                    ]),
                    "category": property("string", "A category, counted in the daily report."),
                    "service": property("string", "The service affected."),
                    "summary": property("string", "A longer description."),
                ], required: ["id", "title", "severity"])),
        AgentTool(
            name: "resolve_incident",
            description:
                "Resolve an incident you opened once it is fixed. A long one also gets a postmortem from root_cause and action.",
            inputSchema: schema(
                [
                    "id": property("string", "The id the incident was opened with."),
                    "summary": property("string", "What the resolution report should say."),
                    "root_cause": property("string", "What caused it (for the postmortem)."),
                    "action": property("string", "What was done to resolve it (for the postmortem)."),
                    "auto_repaired": property("boolean", "It was repaired automatically, not by people."),
                ], required: ["id"])),
        AgentTool(
            name: "acknowledge",
            description:
                "Acknowledge an incident: record that it is seen and being handled, which stops its escalation.",
            inputSchema: schema(
                [
                    "incident": property("string", "The incident's id."),
                    "note": property("string", "A short note kept with it."),
                ],
                required: ["incident"])),
        AgentTool(
            name: "report_status",
            description:
                "Ask whether a report you sent reached the owner: pending (and waiting for what), delivered (where, when, in how many parts) or failed (why).",
            inputSchema: schema(["id": property("string", "The id a report tool returned.")], required: ["id"]),
            readOnly: true),
        AgentTool(
            name: "queue_status",
            description:
                "See the whole queue: what waits in each lane and for how long, what failed and why, the last deliveries.",
            inputSchema: schema([:], required: []),
            readOnly: true),
    ]
}
