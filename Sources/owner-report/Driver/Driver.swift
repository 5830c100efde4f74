import ArgumentParser
import OwnerReportAcknowledging
import Foundation
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportLedger
import OwnerReportSubmission
import OwnerReportWatching

/// `owner-report-driver`: delivers pending reports oldest-first, archives only what was delivered.
struct Driver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Invocation.commandName("driver"),
        abstract: "Deliver pending reports oldest-first; archive only what was delivered.",
        discussion: """
            Each destination is a lane, delivered by a worker of its own: lanes never wait for each \
            other. Reports go out oldest-first within a lane; a report moves to sent/ only after every \
            destination accepted every part of it. A transient failure (connect error, timeout, 5xx, \
            408, 429) stops that lane for this run and leaves the report in pending/ for a later try \
            after an exponential backoff, never before the destination's Retry-After (exit 75). A chat \
            lane with a backlog packs consecutive reports into shared messages (catch-up digests; a \
            critical report always alone; catch_up = false turns it off). A report that can never be delivered as it is goes to failed/ with \
            NAME.error.json beside it and the lane goes on. A destination that refuses as a whole \
            (401/403/404) stops the run with exit 78. Only one process delivers at a time (flock on \
            .lock); a second --once exits 0 at once.

            --follow is the daemon: it holds the lock, watches pending/ with inotify, delivers what \
            arrives at once, wakes when a backoff is over and rescans every delivery.rescan_interval \
            (default 5m) as a safety net. It writes state/heartbeat for the watchdog. SIGTERM or SIGINT \
            ends every lane's wait at once (a transfer under way gets 2 s to be answered) and it exits \
            0, leaving what a lane had in hand in pending/. While it holds the queue it also serves \
            the queue's submit.sock, through which other users' jobs submit reports (the socket systemd's \
            owner-report-submit.socket passes, or one it binds itself with [submit] enabled = true).

            Examples:
              owner-report-driver --once                 # drain everything that is due
              owner-report-driver --once --max-count 5   # a bounded drain, as the watchdog does
              owner-report-driver --once --dry-run       # show each request exactly, change nothing
              owner-report-driver --follow               # the daemon (systemd: owner-report-driver.service)
              owner-report-driver --file ~/.local/state/owner-report/pending/20261123T081500.123456789Z-note-x-1a2b3c4d.md
            """,
        version: OwnerReportVersion.string)

    @OptionGroup var common: CommonOptions

    @Flag(help: "Drain pending/ (up to --max-count reports) and exit.")
    var once = false

    @Flag(help: "Run as the daemon: deliver whatever arrives in pending/ until SIGTERM.")
    var follow = false

    @Option(
        help: ArgumentHelp("Deliver just this report in pending/ now: the single-shot direct path.", valueName: "path"))
    var file: String?

    @Option(name: .customLong("max-count"), help: "Act on at most this many reports (default: all that are due).")
    var maxCount: Int?

    @Flag(
        name: .customLong("dry-run"),
        help: "Render exactly what would be sent to each destination; move and write nothing.")
    var dryRun = false

    func validate() throws {
        if [once, follow, file != nil].filter({ $0 }).count != 1 {
            throw ValidationError("choose one of --once, --follow or --file PATH")
        }
        if follow, dryRun || maxCount != nil {
            throw ValidationError("--follow takes neither --dry-run nor --max-count (use --once with them)")
        }
        if let maxCount, maxCount < 1 { throw ValidationError("--max-count must be at least 1") }
    }

    func run() throws {
        try common.run(program: "owner-report-driver") { context in
            let (configuration, queue, secrets, logger) = (
                context.configuration, context.queue, context.secrets, context.logger
            )
            let transports = try TransportFactory.makeAll(for: configuration, queue: queue, secrets: secrets)
            let only = try file.map { path throws -> String in
                let name = DurableFile.fileName(of: path)
                // attributesOfItem does not follow a symlink: a link in pending/ is a report to quarantine.
                guard !name.isEmpty,
                    (try? FileManager.default.attributesOfItem(atPath: "\(queue.pending)/\(name)")) != nil
                else {
                    throw InputError(
                        path: path,
                        message: "no such report in \(queue.pending)/ (enqueue it with owner-report-producer raw first)"
                    )
                }
                return name
            }
            if !dryRun { common.warnIfOnNetworkFileSystem(program: "owner-report-driver") }

            if follow {
                StopSignal.install()
                let submissions = SubmissionService(
                    queue: queue, configuration: configuration, environment: common.environment, logger: logger)
                // Acknowledgements are read while the daemon holds the queue, like submissions.
                let acknowledgements = try AcknowledgementReaders.makeAll(
                    for: configuration, queue: queue, secrets: secrets, logger: logger
                )
                .map(ReaderCompanion.init)
                let follower = Follower(
                    queue: queue, configuration: configuration, transports: transports, secrets: secrets,
                    logger: logger,
                    companions: (submissions.isWanted ? [submissions] : []) + acknowledgements
                ) { summary in
                    try? printSummary(summary, queue: queue)
                }
                return try follower.run()
            }
            // A dry run reads the ledger if there is one and takes no lock: it changes nothing.
            if !dryRun { try queue.prepare() }
            let ledger = try Ledger.open(queue, dryRun ? .reading : .writing)
            let pass = try DeliveryPass.run(
                queue: queue, configuration: configuration, ledger: ledger, transports: transports, secrets: secrets,
                options: DeliveryRun.Options(maxCount: maxCount, dryRun: dryRun, onlyReport: only), logger: logger
            ) { holding in
                // Under the lock: what a crashed writer left in tmp/ is published or removed first.
                if holding, let ledger, let line = try queue.recoverStaged(ledger: ledger, by: "the driver").summary {
                    printError("owner-report-driver: \(line)")
                }
            }
            guard case .ran(let summary) = pass else {
                printError(
                    "owner-report-driver: another driver is delivering (\(queue.lockPath) is locked); nothing to do")
                return .success
            }
            if dryRun {
                try printDryRun(summary)
                return .success
            }
            try printSummary(summary, queue: queue)
            return summary.exitStatus
        }
    }

    private func printSummary(_ summary: DeliverySummary, queue: QueueDirectory) throws {
        for item in summary.quarantined {
            printError("owner-report-driver: \(queue.pending)/\(item.id): moved to failed/: \(item.reason)")
        }
        for notice in summary.notices { printError("owner-report-driver: warning: \(notice)") }
        if let error = summary.configurationError { printError("owner-report-driver: \(error)") }
        if common.json {
            let data = try JSONSerialization.data(
                withJSONObject: summary.jsonObject, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else if !summary.isEmpty || common.verbose {
            print(summary.line)
        }
        fflush(nil)  // every stream: a daemon's lines reach the journal as they happen
    }

    private func printDryRun(_ summary: DeliverySummary) throws {
        if common.json {
            let data = try JSONSerialization.data(
                withJSONObject: ["dry_run": true, "steps": summary.previews],
                options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if summary.previews.isEmpty { print("dry run: nothing would be delivered") }
        for preview in summary.previews { print("dry run: \(preview)\n") }
        for (lane, reason) in summary.stoppedLanes.sorted(by: { $0.key < $1.key }) {
            print("dry run: lane \(lane) would wait: \(reason)")
        }
    }
}

extension SubmissionService: LockedCompanion {}
/// An acknowledgement reader run beside the daemon, like the submit socket.
final class ReaderCompanion: LockedCompanion {
    let reader: AcknowledgementReader
    init(_ reader: AcknowledgementReader) { self.reader = reader }
    func start() { reader.start() }
    func stop() { reader.stop() }
}
