import ArgumentParser
import OwnerReportAgents
import OwnerReportCommandLine
import OwnerReportCore

extension Producer {
    /// `mcp`: the MCP server an agent client starts over stdio.
    struct MCP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp",
            abstract: "Serve owner-report's tools to an AI agent over the Model Context Protocol (stdio).",
            discussion: """
                An MCP client (Claude Code, Claude Desktop, Cursor, an agent framework) starts this \
                command and speaks JSON-RPC on its standard input and output (MCP's stdio transport, \
                protocol versions 2024-11-05 to 2025-11-25). Tools: report_checkpoint, \
                report_note, open_incident, resolve_incident, acknowledge, report_status and \
                queue_status. Each report tool answers only once the report is durable in the queue (or \
                taken by another user's submit.sock), with its id; report_status then tells whether it \
                was delivered, where and when. Reports carry the client's name and version as their \
                source (and mcp_client field). Bad arguments are a tool error naming the field, and \
                nothing is enqueued. Logs go to standard error (--verbose for every call). \
                docs/agents.md has the client set-up.

                Example:
                  claude mcp add owner-report -- owner-report-producer mcp
                  owner-report-producer mcp --queue ~/.local/state/owner-report
                """)

        @OptionGroup var common: CommonOptions

        func run() throws {
            var logger = common.bootstrapLogging(label: "owner-report-producer mcp")
            logger.logLevel = common.verbose ? .debug : .notice
            try reportingErrors(program: "owner-report-producer mcp") {
                let configuration = try common.loadConfiguration()
                let toolbox = AgentToolbox(queue: common.submissionQueueDirectory, configuration: configuration)
                AgentServer(toolbox: toolbox, logger: logger).run()
            }
        }
    }
}
