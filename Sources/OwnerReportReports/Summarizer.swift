import OwnerReportCore

/// Runs an external summarizer (an LLM CLI, a script): the weekly Markdown on its stdin, its stdout as
/// the summary. Any failure is reported as a reason, never thrown: the report goes out regardless.
public enum Summarizer {
    public static func summarize(_ markdown: String, command: String, timeout: Duration) -> ReportBuilder.SummaryOutcome
    {
        let output: ProcessOutput
        do {
            output = try ProcessRunner.run(["/bin/sh", "-c", command], input: Array(markdown.utf8), timeout: timeout)
        } catch {
            return .failed("the summarizer could not be started (\(error))", command: command)
        }
        if output.timedOut {
            return .failed("the summarizer did not finish within \(DurationText.describe(timeout))", command: command)
        }
        guard output.status == 0 else {
            let firstLine =
                String(decoding: output.standardError, as: UTF8.self).split(separator: "\n").first.map {
                    ": \($0.prefix(200))"
                } ?? ""
            return .failed("the summarizer exited with status \(output.status)\(firstLine)", command: command)
        }
        let text = String(decoding: output.standardOutput, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .failed("the summarizer printed nothing", command: command) }
        return .text(text, command: command)
    }
}
