import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
#if canImport(Glibc)
    import Glibc
#endif

extension Producer {
    /// `ack INCIDENT`: the owner's word, from the shell, that they saw an incident.
    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge an incident from the shell; the ledger records who, when and through which channel.",
            discussion: """
                Records an `acknowledged` row for INCIDENT: the local user (their uid and login name, or \
                --by), the time and the channel `shell`. The first acknowledgement counts; acknowledging \
                again says who did first and records nothing. The daily report counts acknowledgements \
                and the median time from opening to acknowledgement. Run it as the queue's owner: it \
                writes the ledger.

                Example:
                  owner-report-producer ack INC-7
                  owner-report-producer ack INC-7 --note 'looking at the API pods'
                """)

        @OptionGroup var common: CommonOptions
        @OptionGroup var submit: SubmitOptions
        @Argument(help: "The incident's id, as it was opened (e.g. INC-7).") var incident: String
        @Option(help: "The name to record (default: the login name of the user running it).") var by: String?
        @Option(help: "A short note kept with the acknowledgement.") var note: String?
        @Option(help: "When it was acknowledged (default: now).") var at: String?

        func validate() throws {
            if incident.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("INCIDENT must not be empty")
            }
            if let by, by.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--by must not be empty")
            }
        }

        func run() throws {
            try reportingErrors(program: "owner-report-producer") {
                let context = try BuiltReportContext(common, submit)
                let time = try context.time(at)
                let zone = context.configuration.timeZone
                guard let book = try context.readableLedger().map(IncidentBook.init(ledger:)),
                    let opened = try book.incident(id: incident)
                else {
                    throw InputError(
                        path: context.queue.ledgerPath,
                        message: "no incident \(incident) in the ledger (nothing to acknowledge)")
                }
                if let earlier = try book.acknowledgement(of: incident) {
                    context.explain(
                        "\(incident) was already acknowledged by \(earlier.name) via \(earlier.channel) at \(earlier.at.iso8601(in: zone)): nothing recorded"
                    )
                    return
                }
                let uid = getuid()
                let acknowledgement = Acknowledgement(
                    incident: incident, userID: "uid \(uid)", name: by ?? Self.loginName(uid), channel: "shell",
                    at: time, note: note)
                if context.dryRun {
                    print(
                        "would record: \(incident) acknowledged by \(acknowledgement.name) (\(acknowledgement.userID)) via shell"
                    )
                    return
                }
                try IncidentBook(ledger: try context.writableLedger()).recordAcknowledged(acknowledgement)
                let after = DurationText.describe(.nanoseconds(max(0, time.rawValue - opened.openedAt.rawValue)))
                print(
                    "\(incident) acknowledged by \(acknowledgement.name), \(after) after it opened\(opened.isOpen ? "" : " (it is already resolved)")"
                )
            }
        }

        /// The login name of `uid` from the password database, else `uid N`.
        static func loginName(_ uid: uid_t) -> String {
            guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
            return String(cString: name)
        }
    }
}
