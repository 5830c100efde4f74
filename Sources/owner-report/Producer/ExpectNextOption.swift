import ArgumentParser
import OwnerReportCore

/// `--expect-next DURATION` on `checkpoint` and `note`: the report's `expect_next` field, which tells
/// the watchdog the same task's next report is due within that time (docs/reports.md, "Expectations").
enum ExpectNextOption {
    static func validate(_ text: String?) throws {
        guard let text else { return }
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw ValidationError("--expect-next: '\(text)' is not a duration such as 30m, 2h or 1d")
        }
    }
}
