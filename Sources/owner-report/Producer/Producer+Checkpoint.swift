import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore

extension Producer {
    /// `checkpoint`: the progress of a task, with the flags of the original Python producer.
    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue a checkpoint: the progress of a long-running task.",
            discussion: """
                A checkpoint says how far a task is, what was done and what comes next. --done and \
                --next may be given several times, one item each. The title defaults to "<task-id> <progress>".

                Example:
                  owner-report-producer checkpoint --team general-task --worker alice --task-id example-task \\
                    --progress 50% --done '第一階段完成' --next '等待第二階段結果' --status normal --source manual-checkpoint
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions

        @Option(help: "The team the task belongs to.") var team: String
        @Option(help: "Who (or which agent) is doing the work.") var worker: String
        @Option(name: .customLong("task-id"), help: "A stable id of the task.") var taskID: String
        @Option(help: "How far along, e.g. 50% or 3/8.") var progress: String
        @Option(help: "What was done (repeat for several items).") var done: [String] = []
        @Option(help: "What comes next (repeat for several items).") var next: [String] = []
        @Option(help: "normal, warning, critical, blocked or done.") var status: ReportStatus = .normal
        @Option(help: "What produced the checkpoint, e.g. manual-checkpoint or ci.") var source: String =
            "owner-report-producer"
        @Option(help: "A title instead of \"<task-id> <progress>\".") var title: String?
        @Option(
            name: .customLong("expect-next"),
            help: ArgumentHelp(
                "The task's next report is due within this: silence past it opens an incident.", valueName: "duration"))
        var expectNext: String?

        func validate() throws {
            try ExpectNextOption.validate(expectNext)
            for (name, value) in [
                ("--team", team), ("--worker", worker), ("--task-id", taskID), ("--progress", progress),
            ]
            where value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("\(name) must not be empty")
            }
        }

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let submitter = try submit.makeSubmitter(common)
                var fields = submitter.stampedFields(destination: submit.destination)
                fields.merge([
                    "team": .text(team), "worker": .text(worker), "task": .text(taskID), "progress": .text(progress),
                    "status": .text(status.rawValue), "source": .text(source),
                ]) { $1 }
                if !done.isEmpty { fields["done"] = .list(done) }
                if !next.isEmpty { fields["next"] = .list(next) }
                if let expectNext { fields["expect_next"] = .text(expectNext) }
                let report = Report(kind: .checkpoint, title: title ?? "\(taskID) \(progress)", fields: fields)
                try submitter.submit(report, origin: "checkpoint")
            }
        }
    }
}
