import ArgumentParser
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportFleet
import OwnerReportLedger
import OwnerReportSubmission
import OwnerReportReports

/// What the subcommands that build reports from the ledger share: the submitter, the layouts and the
/// ledger, opened read-only for a dry run (which must change nothing).
struct BuiltReportContext {
    let submitter: ReportSubmitter
    let builder: ReportBuilder
    let common: CommonOptions

    init(_ common: CommonOptions, _ submit: SubmitOptions) throws {
        submitter = try submit.makeSubmitter(common)
        let configuration = submitter.configuration
        builder = try ReportBuilder(configuration: configuration)
        self.common = common
    }

    var configuration: Configuration { submitter.configuration }
    var dryRun: Bool { submitter.dryRun }
    var queue: QueueDirectory { common.queueDirectory }

    /// The ledger to read; nil when there is none yet. A dry run never creates one.
    func readableLedger() throws -> Ledger? {
        try checkOwnQueue()
        if dryRun { return try Ledger.open(queue, .reading) }
        try queue.prepare()
        return try Ledger(queue: queue)
    }

    /// Every host's rows a report of `[start, end)` reads, from the fleet database (`--fleet`), one
    /// in-memory ledger per host.
    func fleetLedgers(from start: Timestamp, to end: Timestamp) throws -> [(host: String, ledger: Ledger)] {
        let secrets = SecretResolver(environment: common.environment, configurationFile: configuration.sourceName)
        let ledgers = try FleetLedgers.load(
            try FleetDatabase.connect(configuration, secrets: secrets), from: start, to: end)
        guard !ledgers.isEmpty else {
            throw UsageError(
                "the fleet database holds no ledger rows yet: run owner-report-archiver ship on each host first")
        }
        return ledgers
    }

    /// The ledger to record in (never called by a dry run).
    func writableLedger() throws -> Ledger {
        try checkOwnQueue()
        try queue.prepare()
        return try Ledger(queue: queue)
    }

    /// A time from `--at`, read in the configured zone when it has no offset; now when absent.
    func time(_ text: String?, flag: String = "--at") throws -> Timestamp {
        guard let text else { return .now() }
        guard let time = Timestamp.parse(text, in: configuration.timeZone) else {
            throw ValidationError(
                "\(flag): '\(text)' is not a time (e.g. 2026-11-23T08:00, 2026-11-23T00:00:00Z or 2026-11-23T08:00:00+08:00)"
            )
        }
        return time
    }

    /// These reports are built from the queue's ledger, which only its owner may read.
    private func checkOwnQueue() throws {
        guard SubmissionClient.isForeign(queue) else { return }
        throw UsageError(
            "\(queue.root) belongs to another user: incidents, postmortems, daily and weekly reports are built from its ledger, so run this as the queue's owner (checkpoint, note and raw submit through its socket)"
        )
    }

    /// Prints a line saying why nothing was enqueued (exit status 0).
    func explain(_ line: String) {
        print(line)
    }
}

/// The flags of what a postmortem says beyond the incident itself (`postmortem`, and `incident resolve`
/// when the incident lasted long enough for one).
struct PostmortemOptions: ParsableArguments {
    @Option(name: .customLong("root-cause"), help: "What caused the incident.") var rootCause: String?
    @Option(help: "What was done to resolve it.") var action: String?
    @Flag(name: .customLong("auto-repaired"), help: "It was repaired automatically, not by people.") var autoRepaired =
        false
    @Option(help: "How many retries the repair took.") var retries: Int = 0

    func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries must not be negative") }
    }

    var details: ReportBuilder.PostmortemDetails {
        .init(rootCause: rootCause, action: action, autoRepaired: autoRepaired, retries: retries)
    }
}

extension BuiltReportContext {
    /// The incident desk over this queue's ledger (read-only and recording nothing on a dry run).
    func incidentDesk() throws -> IncidentDesk {
        IncidentDesk(builder: builder, ledger: try readableLedger(), queue: dryRun ? nil : queue, records: !dryRun) {
            announcements, rows in
            try submitter.submit(together: announcements.map { ($0.report, $0.origin, $0.cause) }, recording: rows)
        }
    }

    /// Enqueues an incident's report and records its new state (see `IncidentDesk.announce`).
    func announce(_ incident: Incident, opened: Bool, postmortem: ReportBuilder.PostmortemDetails?) throws {
        try incidentDesk().announce(incident, opened: opened, postmortem: postmortem)
    }
}
