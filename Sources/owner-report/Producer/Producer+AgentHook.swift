import ArgumentParser
import OwnerReportAgents
import OwnerReportCommandLine
import OwnerReportCore

extension Producer {
    /// `agent-hook`: a coding agent's hook event on standard input, as a note to the owner.
    struct AgentHook: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent-hook",
            abstract:
                "Turn a coding agent's hook event (Claude Code's Stop, SubagentStop, Notification) into a report.",
            discussion: """
                Reads the event's JSON from standard input, as Claude Code hands it to a command hook, and \
                enqueues a note: "finished" (Stop), "subagent done" (SubagentStop) or "needs your input" \
                (Notification, status warning), with the session id, the working directory and the \
                event's message. The same event delivered twice is enqueued once. It never exits 2, the \
                status with which a Claude Code hook would block the agent. docs/agents.md has the \
                settings.

                Example (~/.claude/settings.json):
                  {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "owner-report-producer agent-hook"}]}],
                             "Notification": [{"hooks": [{"type": "command", "command": "owner-report-producer agent-hook"}]}]}}
                """)

        @OptionGroup var common: CommonOptions
        @Option(help: "The agent's name in the report's title.") var agent = "Claude Code"
        @Flag(name: .long, help: "Print the report that would be enqueued, and enqueue nothing.") var dryRun = false

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let configuration = try common.loadConfiguration()
                let input = try InputReader.read("-", limit: 1 << 20)
                let event = try AgentHookEvent(json: input, path: "standard input")
                let now = Timestamp.now()
                let report = event.report(agent: agent, at: now, in: configuration.timeZone)
                if dryRun {
                    print(ReportCodec.encode(report, as: .markdown), terminator: "")
                    return
                }
                let queue = AgentQueue(queue: common.submissionQueueDirectory, configuration: configuration)
                do throws(ToolError) {
                    let enqueued = try queue.enqueue(
                        report, key: event.key(at: now), origin: "agent-hook (\(event.event))")
                    print(
                        enqueued.duplicate
                            ? "already enqueued for this event: \(enqueued.id): nothing enqueued"
                            : "\(queue.queue.pending)/\(enqueued.id)")
                } catch {
                    throw HookRefusal(message: error.message, retry: error.retry)
                }
            }
        }
    }

    /// The queue's refusal, as the producer's exit status (75 when it may pass: never 2).
    struct HookRefusal: OperatorFacingError {
        var message: String
        var retry: Bool
        var description: String { message }
        var exitStatus: ExitStatus { retry ? .temporaryFailure : .ioError }
    }
}
