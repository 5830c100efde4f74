import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `owner-report-producer mcp` driven by the reference Python MCP client (PyPI `mcp`, in the
/// `.venv-test` that `make test` makes), as an agent's client would: over stdio, the real server.
@Suite struct MCPTests {
    /// The reference client's run: what it listed and each call's answer.
    struct Session {
        var object: [String: Any]
        var tools: [[String: Any]] { object["tools"] as? [[String: Any]] ?? [] }
        var results: [[String: Any]] { object["results"] as? [[String: Any]] ?? [] }
        func structured(_ index: Int) -> [String: Any] {
            results.indices.contains(index) ? results[index]["structured"] as? [String: Any] ?? [:] : [:]
        }
        func isError(_ index: Int) -> Bool? {
            results.indices.contains(index) ? results[index]["is_error"] as? Bool : nil
        }
        func text(_ index: Int) -> String {
            results.indices.contains(index) ? results[index]["text"] as? String ?? "" : ""
        }
    }

    static var python: String {
        URL(fileURLWithPath: ServerProcess.script("")).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".venv-test/bin/python").path
    }

    /// Runs the reference client against the server with `calls`; `environment` goes to the server.
    func session(_ fixture: DriverFixture, _ calls: [[String: Any]], environment: [String: String] = [:]) throws
        -> Session
    {
        let callsPath = try fixture.directory.write(
            "calls-\(UUID().uuidString).json",
            String(decoding: try JSONSerialization.data(withJSONObject: calls), as: UTF8.self))
        let outPath = fixture.directory.appending("result-\(UUID().uuidString).json")
        let run = try runTool(
            [
                Self.python, ServerProcess.script("mcp_client.py"), "--calls", callsPath, "--out", outPath, "--",
                Program.producer.path, "mcp", "--queue",
                fixture.queue.root, "--config", fixture.configPath,
            ],
            environment: environment)
        let data = try #require(
            FileManager.default.contents(atPath: outPath), "the client wrote nothing: \(run.output)")
        return Session(object: try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    func pendingReports(_ fixture: DriverFixture) throws -> [Report] {
        try directoryNames(fixture.queue.pending).map { name in
            try ReportCodec.decode(
                Array(try Data(contentsOf: URL(fileURLWithPath: "\(fixture.queue.pending)/\(name)"))),
                format: .markdown, path: name)
        }
    }

    @Test func theReferenceClientListsEveryToolAndEachCallReachesTheSinkAndReportStatusSaysDelivered() throws {
        let fixture = try DriverFixture()
        let first = try session(
            fixture,
            [
                [
                    "tool": "report_checkpoint",
                    "arguments": [
                        "team": "platform", "worker": "migrator", "task_id": "MIG-1", "progress": "50%",
                        "done": ["schema copied"], "next": ["copy the rows"],
                        "status": "normal", "idempotency_key": "mig-1-50",
                    ],
                ],
                [
                    "tool": "report_checkpoint",
                    "arguments": [
                        "team": "platform", "worker": "migrator", "task_id": "MIG-1", "progress": "50%",
                        "done": ["schema copied"], "next": ["copy the rows"],
                        "status": "normal", "idempotency_key": "mig-1-50",
                    ],
                ],
                [
                    "tool": "report_note",
                    "arguments": [
                        "title": "rows copied", "body": "**12 M** rows, 並行 4", "fields": ["task": "MIG-1"],
                        "source": "nightly-agent",
                    ],
                ],
                [
                    "tool": "open_incident",
                    "arguments": [
                        "id": "INC-9", "title": "replica lag above 30 s", "severity": "warning", "service": "db",
                    ],
                ],
                ["tool": "acknowledge", "arguments": ["incident": "INC-9", "note": "looking"]],
                ["tool": "resolve_incident", "arguments": ["id": "INC-9", "summary": "lag back under 1 s"]],
                ["tool": "report_status", "arguments": ["id": "$0.id"]],
                ["tool": "queue_status", "arguments": [String: Any]()],
            ])
        #expect((first.object["server"] as? [String: Any])?["name"] as? String == "owner-report", "\(first.object)")
        let names = first.tools.compactMap { $0["name"] as? String }
        #expect(
            names == [
                "report_checkpoint", "report_note", "open_incident", "resolve_incident", "acknowledge", "report_status",
                "queue_status",
            ])
        for tool in first.tools {
            let schema = tool["inputSchema"] as? [String: Any] ?? [:]
            #expect(schema["type"] as? String == "object" && schema["properties"] is [String: Any], "\(tool)")
            #expect(
                (tool["description"] as? String ?? "").count > 40,
                "a description that tells a model when to use it: \(tool)")
            for (name, property) in schema["properties"] as? [String: [String: Any]] ?? [:] {
                #expect(!(property["description"] as? String ?? "").isEmpty, "\(tool["name"] ?? "") \(name)")
            }
        }
        let checkpointSchema =
            first.tools.first { $0["name"] as? String == "report_checkpoint" }?["inputSchema"] as? [String: Any]
        #expect(checkpointSchema?["required"] as? [String] == ["team", "worker", "task_id", "progress"])

        for index in 0..<8 { #expect(first.isError(index) == false, "call \(index): \(first.results)") }
        let id = try #require(first.structured(0)["id"] as? String)
        #expect(
            first.structured(1)["id"] as? String == id && first.structured(1)["duplicate"] as? Bool == true,
            "the same idempotency key enqueues once")
        #expect(
            (first.structured(6)["destinations"] as? [[String: Any]])?.first?["waiting_for"] as? String
                == "the driver: it is next in its lane")

        let reports = try pendingReports(fixture)
        #expect(
            reports.count == 4,
            "checkpoint, note, opened, resolved (no postmortem for a short one): \(reports.map(\.title))")
        let checkpoint = try #require(reports.first { $0.kind == .checkpoint })
        #expect(
            checkpoint.text("task") == "MIG-1" && checkpoint.text("progress") == "50%"
                && checkpoint.fields["done"] == .list(["schema copied"]))
        #expect(
            checkpoint.text("source") == "owner-report-tests 1.0"
                && checkpoint.text("mcp_client") == "owner-report-tests 1.0")
        let note = try #require(reports.first { $0.title == "rows copied" })
        #expect(note.text("source") == "nightly-agent" && note.body.contains("並行 4"))
        let ledger = try Ledger(queue: fixture.queue)
        #expect(
            try ledger.query("WHERE event = 'acknowledged'", []).first?.detail?.contains("owner-report-tests 1.0")
                == true)

        #expect(try fixture.drive().status == 0)
        #expect(try fixture.sink.accepted().count == 4)
        let second = try session(fixture, [["tool": "report_status", "arguments": ["id": id]]])
        let status = second.structured(0)
        #expect(status["state"] as? String == "delivered", "\(second.results)")
        let destination = (status["destinations"] as? [[String: Any]])?.first
        #expect(
            destination?["name"] as? String == "hook" && destination?["delivered_at"] != nil
                && destination?["parts"] as? Int == 1, "\(status)")
        #expect(second.text(0).contains("hook: delivered at"), "\(second.text(0))")

        // The command line answers the same.
        let cli = try Program.producer.run([
            "status", id, "--queue", fixture.queue.root, "--config", fixture.configPath, "--json",
        ])
        #expect(cli.status == 0 && cli.stdout.contains("\"state\":\"delivered\""), "\(cli)")
    }

    @Test func theStatusSaysWhatAPendingReportWaitsForAndWhyAFailedOneFailed() throws {
        let fixture = try DriverFixture(
            delivery: "backoff_initial = \"10m\"\nbackoff_max = \"1h\"\ntimeout = \"2s\"\nconnect_timeout = \"1s\"")
        let ids = try fixture.enqueueNotes(2)
        try fixture.sink.plan([["contains": "report 001", "status": 503, "body": "upstream down"]])
        _ = try fixture.drive()
        func status(_ id: String) throws -> Program.Outcome {
            try Program.producer.run(["status", id, "--queue", fixture.queue.root, "--config", fixture.configPath])
        }
        let first = try status(ids[0])
        #expect(
            first.status == 75 && first.stdout.contains("hook: waiting for its lane's backoff: try 2 at "), "\(first)")
        let second = try status(ids[1])
        #expect(
            second.status == 75
                && second.stdout.contains(
                    "hook: waiting for an earlier report of its lane, which goes first to keep the order: \(ids[0]) (its next try at "
                ), "\(second)")

        let failing = try DriverFixture()
        let bad = try failing.enqueueNotes(1)
        try failing.sink.plan([["contains": "report 001", "status": 400, "body": "{\"error\": \"bad payload\"}"]])
        _ = try failing.drive()
        let failed = try Program.producer.run([
            "status", bad[0], "--queue", failing.queue.root, "--config", failing.configPath, "--json",
        ])
        #expect(
            failed.status == 65 && failed.stdout.contains("\"state\":\"failed\"") && failed.stdout.contains("400"),
            "\(failed)")
        let unknown = try status("20261202T000000.000000000Z-note-x-00000000.md")
        #expect(
            unknown.status == 66
                && unknown.stderr.contains("no report 20261202T000000.000000000Z-note-x-00000000.md in the ledger"),
            "\(unknown)")
    }

    @Test func badArgumentsUnknownIncidentsAndAFullQueueAreToolErrorsAndEnqueueNothing() throws {
        let fixture = try DriverFixture(extra: "\n[submit]\nmax_pending_per_user = 2")
        let checkpoint: [String: Any] = ["team": "t", "worker": "w", "task_id": "T-1", "progress": "10%"]
        let run = try session(
            fixture,
            [
                ["tool": "report_checkpoint", "arguments": ["team": "t", "worker": "w", "task_id": "T-1"]],
                ["tool": "report_checkpoint", "arguments": checkpoint.merging(["done": "not a list"]) { $1 }],
                ["tool": "report_checkpoint", "arguments": checkpoint.merging(["status": "fine"]) { $1 }],
                ["tool": "report_checkpoint", "arguments": checkpoint.merging(["colour": "red"]) { $1 }],
                ["tool": "report_checkpoint", "arguments": checkpoint.merging(["destination": "nowhere"]) { $1 }],
                ["tool": "resolve_incident", "arguments": ["id": "INC-404"]],
                ["tool": "acknowledge", "arguments": ["incident": "INC-404"]],
                ["tool": "report_status", "arguments": ["id": "20261202T000000.000000000Z-note-x-00000000.md"]],
                ["tool": "report_checkpoint", "arguments": checkpoint],
                ["tool": "report_checkpoint", "arguments": checkpoint],
                ["tool": "report_checkpoint", "arguments": checkpoint],
            ])
        let expected = [
            "report_checkpoint: progress: required", "report_checkpoint: done: must be a list of strings",
            "report_checkpoint: status: 'fine' is not one of normal, warning, critical, blocked, done",
            "report_checkpoint: colour: not an argument of report_checkpoint",
            "report_checkpoint: destination: no destination named 'nowhere'",
            "resolve_incident: id: no incident INC-404 in the ledger",
            "acknowledge: incident: no incident INC-404 in the ledger",
            "report_status: ",
        ]
        for (index, prefix) in expected.enumerated() {
            #expect(
                run.isError(index) == true && run.text(index).hasPrefix(prefix),
                "call \(index): \(run.text(index))" as Comment)
        }
        #expect(
            run.text(7).contains("no report 20261202T000000.000000000Z-note-x-00000000.md in the ledger"),
            "\(run.text(7))")
        #expect(run.isError(8) == false && run.isError(9) == false, "\(run.results)")
        #expect(
            run.isError(10) == true && run.text(10).contains("max_pending_per_user = 2")
                && run.structured(10)["retry"] as? Bool == true, "\(run.text(10))")
        #expect(directoryNames(fixture.queue.pending).count == 2)
        #expect(
            try Ledger(queue: fixture.queue).query("WHERE event = 'enqueued'", []).count == 2, "nothing half-enqueued")
        #expect(directoryNames(fixture.queue.tmp).isEmpty)
    }

    @Test(arguments: ["enqueue.staged", "enqueue.committed"])
    func aServerKilledMidCallLosesNothingAndTheRetriedCallEnqueuesOnce(point: String) throws {
        let fixture = try DriverFixture()
        let call: [String: Any] = [
            "tool": "report_checkpoint",
            "arguments": [
                "team": "t", "worker": "w", "task_id": "T-2", "progress": "30%", "idempotency_key": "t-2-30",
            ],
        ]
        let killed = try session(fixture, [call], environment: ["OWNER_REPORT_FAULT_CRASH_AT": point])
        #expect(
            killed.results.first?["exception"] != nil || killed.object["ended"] != nil,
            "the call never answered: \(killed.object)")
        #expect(directoryNames(fixture.queue.pending).isEmpty, "killed before its link: nothing in pending/")
        let retried = try session(fixture, [call, call])
        #expect(retried.isError(0) == false && retried.isError(1) == false, "\(retried.results)")
        let id = try #require(retried.structured(0)["id"] as? String)
        #expect(retried.structured(1)["id"] as? String == id)
        #expect(directoryNames(fixture.queue.pending) == [id], "one report, whatever the crash left")
        let rows = try Ledger(queue: fixture.queue).query("WHERE event = 'enqueued'", [])
        #expect(rows.count == 1 && rows[0].report == id, "\(rows.map(\.report))")
        #expect(
            retried.structured(0)["duplicate"] as? Bool == (point == "enqueue.committed"),
            "after the commit the retry finds the recorded report")
    }

    /// Below the tools: what the server answers to messages a client should not send, one line each, and
    /// it goes on; a notification gets no answer; an unknown protocol version gets the newest it speaks.
    @Test func garbledAndUnknownMessagesGetJSONRPCErrorsAndTheServerGoesOn() throws {
        let fixture = try DriverFixture()
        let lines = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2099-01-01","clientInfo":{"name":"raw","version":"0"}}}"#,
            "not json at all", "[1, 2]", #"{"jsonrpc":"2.0","id":"b","method":"resources/list"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"report_note","arguments":5}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
        ]
        let run = try Program.producer.run(
            ["mcp", "--queue", fixture.queue.root, "--config", fixture.configPath],
            input: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(run.status == 0, "\(run)")
        let answers = run.stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
        }
        #expect(answers.count == 6, "one answer per request, none for the notification: \(run.stdout)")
        let codes = answers.map { ($0["error"] as? [String: Any])?["code"] as? Int }
        #expect(codes == [nil, -32700, -32600, -32601, -32602, nil], "\(codes)")
        #expect((answers[0]["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-11-25")
        #expect(answers[3]["id"] as? String == "b" && answers[5]["id"] as? Int == 3)
        #expect(directoryNames(fixture.queue.pending).isEmpty, "nothing enqueued")
    }

    @Test func hookEventsBecomeNotesAndARepeatedOneIsEnqueuedOnce() throws {
        let fixture = try DriverFixture()
        let transcript = try fixture.directory.write("transcript.jsonl", "{\"type\":\"user\"}\n")
        func hook(_ event: [String: Any]) throws -> Program.Outcome {
            try Program.producer.run(
                ["agent-hook", "--queue", fixture.queue.root, "--config", fixture.configPath],
                input: try JSONSerialization.data(withJSONObject: event))
        }
        let common: [String: Any] = [
            "session_id": "sess-42", "transcript_path": transcript, "cwd": "/srv/payments",
            "permission_mode": "default",
        ]
        let stop = common.merging([
            "hook_event_name": "Stop", "stop_hook_active": false, "last_assistant_message": "All 14 tests pass.",
        ]) { $1 }
        #expect(try hook(stop).status == 0)
        let again = try hook(stop)
        #expect(again.status == 0 && again.stdout.contains("already enqueued for this event"), "\(again)")
        #expect(
            try hook(
                common.merging(["hook_event_name": "SubagentStop", "agent_id": "a-7", "agent_type": "test-runner"]) {
                    $1
                }
            ).status == 0)
        #expect(
            try hook(
                common.merging([
                    "hook_event_name": "Notification", "message": "Claude needs your permission to use Bash",
                    "notification_type": "permission_prompt",
                ]) { $1 }
            ).status == 0)
        // The next turn: the transcript grew, so the same words are a new Stop.
        try "{\"type\":\"assistant\"}\n".data(using: .utf8)!.append(toFile: transcript)
        #expect(try hook(stop).status == 0)

        let reports = try pendingReports(fixture)
        #expect(
            reports.map(\.title) == [
                "Claude Code finished in payments", "Claude Code subagent done in payments: test-runner",
                "Claude Code needs your input in payments: Claude needs your permission to use Bash",
                "Claude Code finished in payments",
            ], "\(reports.map(\.title))")
        #expect(
            reports[0].text("session") == "sess-42" && reports[0].text("cwd") == "/srv/payments"
                && reports[0].body.contains("All 14 tests pass."))
        #expect(reports[2].text("status") == "warning" && reports[2].text("notification_type") == "permission_prompt")

        let garbled = try Program.producer.run(
            ["agent-hook", "--queue", fixture.queue.root, "--config", fixture.configPath],
            input: Data("{\"session_id\": 3".utf8))
        #expect(garbled.status == 65 && garbled.stderr.contains("standard input: not a JSON object"), "\(garbled)")
        #expect(try pendingReports(fixture).count == 4)
    }
}

extension Data {
    func append(toFile path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}
