import Foundation
import Logging
import MCP
import OwnerReportCore
import Synchronization

/// `owner-report-producer mcp`: the tools of `AgentToolbox` served over MCP on standard input and
/// output (the transport every agent client starts a local server with). Standard output carries
/// only the protocol; anything else is logged to standard error.
public final class AgentServer: Sendable {
    private let toolbox: Mutex<AgentToolbox>
    private let logger: Logger

    public init(toolbox: AgentToolbox, logger: Logger) {
        self.toolbox = Mutex(toolbox)
        self.logger = logger
    }

    /// Serves until the client closes standard input.
    public func run() async throws {
        let server = Server(
            name: "owner-report", version: OwnerReportVersion.string, title: "owner-report",
            instructions: """
                Report progress, notes and incidents to the owner of this work through owner-report's durable, ordered queue. \
                Each report tool answers once the report is safely queued, with its id; report_status tells whether it was delivered.
                """,
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: AgentToolbox.tools) }
        await server.withMethodHandler(CallTool.self) { [self] params in
            let toolbox = self.toolbox.withLock { $0 }
            do throws(ToolError) {
                let answer = try toolbox.call(params.name, params.arguments)
                self.logger.info("\(params.name): \(answer.text.prefix(200))")
                return .init(
                    content: [.text(text: answer.text, annotations: nil, _meta: nil)],
                    structuredContent: try? Self.value(answer.structured), isError: false)
            } catch {
                self.logger.notice("\(params.name) refused: \(error.message)")
                var structured: [String: Any] = ["error": error.message, "retry": error.retry]
                if params.name.hasPrefix("report_") || params.name.hasSuffix("_incident") {
                    structured["enqueued"] = false
                }
                return .init(
                    content: [.text(text: error.message, annotations: nil, _meta: nil)],
                    structuredContent: try? Self.value(structured), isError: true)
            }
        }
        try await server.start(transport: StdioTransport(logger: logger)) { [self] client, _ in
            let name = "\(client.name) \(client.version)"
            self.toolbox.withLock { $0.client = name }
            self.logger.info("client \(name)")
        }
        await server.waitUntilCompleted()
    }

    /// A JSON object as an MCP value (structured content).
    static func value(_ object: [String: Any]) throws -> Value {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try JSONDecoder().decode(Value.self, from: data)
    }
}
