import ArgumentParser
import OwnerReportCore

/// `owner-report-producer`: builds a report and enqueues it atomically into pending/.
struct Producer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Invocation.commandName("producer"),
        abstract: "Build a report and put it in the owner-report queue.",
        discussion: """
            Each subcommand writes one report file into the queue's tmp/, fsyncs it, records it in the \
            ledger and only then links it into pending/, so the driver never sees half a file. On \
            success it prints the path of the enqueued report; the driver delivers it oldest-first.

            Example:
              owner-report-producer checkpoint --team general-task --worker alice --task-id example-task \\
                --progress 50% --done '第一階段完成' --next '等待第二階段結果' --status normal --source manual-checkpoint
            """,
        version: OwnerReportVersion.string,
        subcommands: [
            Checkpoint.self, Note.self, IncidentCommand.self, Ack.self, Alertmanager.self, Postmortem.self, Daily.self,
            Weekly.self,
            Ping.self, Status.self, MCP.self, AgentHook.self, Templates.self, Raw.self,
        ])
}
