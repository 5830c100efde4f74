import Foundation
import Logging
import OwnerReportCore

/// `owner-report-producer mcp`: the tools of `AgentToolbox` served over MCP's stdio transport: JSON-RPC
/// 2.0 messages, one per line, on standard input and output. Standard output carries only the
/// protocol; anything else is logged to standard error. Calls are answered in the order they come,
/// each once its report is durable.
///
/// The protocol is small enough to speak directly (`initialize`, `ping`, `tools/list`, `tools/call`,
/// and notifications, which need no answer). The MCP Swift SDK was tried first: its module imports
/// FoundationNetworking, which links libcurl and some thirty libraries into the producer, and every
/// `producer checkpoint` then started in 26 ms instead of 11 (docs/agents.md).
public final class AgentServer {
    private var toolbox: AgentToolbox
    private let logger: Logger
    private let input: () -> String?
    private let output: (Data) -> Void

    /// The protocol versions this server speaks, newest first; a client asking for another gets the newest.
    public static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    public init(
        toolbox: AgentToolbox, logger: Logger, input: @escaping () -> String? = { readLine(strippingNewline: true) },
        output: @escaping (Data) -> Void = { FileHandle.standardOutput.write($0) }
    ) {
        self.toolbox = toolbox
        self.logger = logger
        self.input = input
        self.output = output
    }

    /// JSON-RPC's error codes.
    enum RPCError: Int64 {
        case parse = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
    }

    /// Serves until the client closes standard input.
    public func run() {
        while let line = input() {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let message = try? JSONDecoder().decode(ToolValue.self, from: Data(line.utf8)) else {
                send(error: .parse, "not JSON: \(line.prefix(80))", id: .null)
                continue
            }
            handle(message)
        }
        logger.info("the client closed standard input")
    }

    func handle(_ message: ToolValue) {
        guard let object = message.objectValue else {
            send(
                error: .invalidRequest, "a message is one JSON object (batches are not part of MCP since 2025-06-18)",
                id: .null)
            return
        }
        let id = object["id"]
        guard let method = object["method"]?.stringValue else {
            // A response to a request of ours: this server sends none.
            if id == nil { send(error: .invalidRequest, "no method", id: .null) }
            return
        }
        let params = object["params"]?.objectValue ?? [:]
        guard let id, !id.isNull else {
            // A notification (initialized, cancelled, …): nothing to answer.
            logger.debug("notification \(method)")
            return
        }
        switch method {
        case "initialize": send(result: initialize(params), id: id)
        case "ping": send(result: [:], id: id)
        case "tools/list": send(result: ["tools": .array(AgentToolbox.tools.map(\.listed))], id: id)
        case "tools/call":
            guard let name = params["name"]?.stringValue else {
                send(error: .invalidParams, "tools/call needs the tool's name", id: id)
                return
            }
            if let arguments = params["arguments"], !arguments.isNull, arguments.objectValue == nil {
                send(error: .invalidParams, "\(name): arguments must be an object", id: id)
                return
            }
            send(result: call(name, params["arguments"]?.objectValue), id: id)
        default: send(error: .methodNotFound, "no method \(method) (this server offers tools)", id: id)
        }
    }

    /// The handshake: the version both speak, what this server offers, and who the client is.
    func initialize(_ params: [String: ToolValue]) -> ToolValue {
        let asked = params["protocolVersion"]?.stringValue ?? ""
        let version = Self.protocolVersions.contains(asked) ? asked : Self.protocolVersions[0]
        if let client = params["clientInfo"]?.objectValue {
            let name = client["name"]?.stringValue ?? "an MCP client"
            toolbox.client = [name, client["version"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        }
        logger.info("client \(toolbox.client), protocol \(version)")
        return [
            "protocolVersion": .string(version), "capabilities": ["tools": ["listChanged": false]],
            "serverInfo": [
                "name": "owner-report", "title": "owner-report", "version": .string(OwnerReportVersion.string),
            ],
            "instructions": """
            Report progress, notes and incidents to the owner of this work through owner-report's durable, ordered \
            queue. Each report tool answers once the report is safely queued, with its id; report_status tells \
            whether it was delivered.
            """,
        ]
    }

    /// A tool's answer, or its refusal as a tool error (`isError`) the model reads.
    func call(_ name: String, _ arguments: [String: ToolValue]?) -> ToolValue {
        do throws(ToolError) {
            let answer = try toolbox.call(name, arguments)
            logger.info("\(name): \(answer.text.prefix(200))")
            return [
                "content": [["type": "text", "text": .string(answer.text)]],
                "structuredContent": (try? ToolValue(jsonObject: answer.structured)) ?? [:], "isError": false,
            ]
        } catch {
            logger.notice("\(name) refused: \(error.message)")
            var structured: [String: ToolValue] = ["error": .string(error.message), "retry": .bool(error.retry)]
            if name.hasPrefix("report_") || name.hasSuffix("_incident") { structured["enqueued"] = false }
            return [
                "content": [["type": "text", "text": .string(error.message)]], "structuredContent": .object(structured),
                "isError": true,
            ]
        }
    }

    func send(result: ToolValue, id: ToolValue) {
        write(["jsonrpc": "2.0", "id": id, "result": result])
    }

    func send(error: RPCError, _ message: String, id: ToolValue) {
        write(["jsonrpc": "2.0", "id": id, "error": ["code": .integer(error.rawValue), "message": .string(message)]])
    }

    private func write(_ message: ToolValue) {
        guard var data = try? message.line() else { return }
        data.append(0x0A)
        output(data)
    }
}
