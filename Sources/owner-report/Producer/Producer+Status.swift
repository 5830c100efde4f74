import ArgumentParser
import Foundation
import OwnerReportArchive
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger

extension Producer {
    /// `status ID`: whether one report reached the owner.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Say where one report stands: pending (waiting for what), delivered (where, when, in how many parts) or failed (why).",
            discussion: """
                ID is the report's file name, as the producer printed it (a path is taken too). Read from \
                the ledger and the queue, nothing is written. Exit status 0 when it is delivered to every \
                destination, 75 while it is pending, 65 when it failed, 66 when the ledger has no such \
                report. The MCP tool report_status answers the same.

                Example:
                  id=$(owner-report-producer note --title 'backup done' --json | jq -r .id)
                  owner-report-producer status "$id"
                  owner-report-producer status "$id" --json
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: "The report's id (its file name in pending/).") var id: String

        func run() throws {
            var state: DeliveryStatus.State = .pending
            try reportingErrors(program: "owner-report-producer") {
                let configuration = try common.loadConfiguration()
                let queue = common.submissionQueueDirectory
                let status = try DeliveryStatus(
                    id: id, queue: queue, ledger: try Ledger.open(queue, .reading), configuration: configuration)
                state = status.state
                if common.json {
                    let data = try JSONSerialization.data(
                        withJSONObject: status.jsonObject(), options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    for line in status.lines(in: configuration.timeZone) { print(line) }
                }
            }
            switch state {
            case .delivered: return
            case .pending: throw ExitCode(ExitStatus.temporaryFailure.rawValue)
            case .failed: throw ExitCode(ExitStatus.dataError.rawValue)
            }
        }
    }
}
