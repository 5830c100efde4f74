import Foundation
import OwnerReportCore
import OwnerReportLedger

/// `archiver verify`: the ledger's hash chain, and the archive against what the ledger recorded.
///
/// Checks, each reported with what it looked at:
/// - the chain: every row's hash and its link to the row before;
/// - every file in sent/ and failed/ has ledger history, and its SHA-256 is the one recorded when it
///   was enqueued (or when it was last requeued, for a file an operator mended in failed/);
/// - every report the ledger last put in sent/ or failed/ is there (expired ones excepted);
/// - every report with an `enqueued` row is somewhere: in pending/, sent/ (or the archive) or failed/,
///   unless it expired, or in tmp/ still, where a writer that died after its commit left it for
///   recovery to publish;
/// - every report the ledger says a `file` destination with a directory took is in that directory.
public struct ArchiveVerifier {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// The ledger row or the file, as a person would look it up.
        public var subject: String
        public var problem: String
        public var description: String { "\(subject): \(problem)" }
    }

    public struct Check: Sendable, Equatable {
        public var name: String
        public var examined: Int
        public var findings: [Finding]
    }

    public let queue: QueueDirectory
    public let ledger: Ledger?
    /// Rows seen outside the ledger (the daily report's last line) that it must still hold.
    public let witnesses: [LedgerWitness]

    /// The `file` destinations that write one file a report, by name: what they took must be there.
    public let outboxes: [String: FileOutbox]

    public init(
        queue: QueueDirectory, ledger: Ledger?, witnesses: [LedgerWitness] = [], outboxes: [String: FileOutbox] = [:]
    ) {
        self.queue = queue
        self.ledger = ledger
        self.witnesses = witnesses
        self.outboxes = outboxes.filter { $0.value.isDirectory }
    }

    public func run() throws -> [Check] {
        guard let ledger else {
            let files = queue.archivedReports() + queue.failedReports()
            return [
                Check(name: "hash chain", examined: 0, findings: [])
            ]
                + (witnesses.isEmpty
                    ? []
                    : [
                        Check(
                            name: "witnessed rows", examined: witnesses.count,
                            findings: witnesses.map {
                                Finding(subject: "witness \($0.sequence)", problem: "there is no ledger at all")
                            })
                    ]) + [
                    Check(
                        name: "files have ledger history", examined: files.count,
                        findings: files.map { Finding(subject: $0.relativePath, problem: "no ledger at all") })
                ]
        }
        var checks: [Check] = []
        let events = try ledger.allEvents()
        let chainBreak = try ledger.verifyChain()
        checks.append(
            Check(
                name: "hash chain", examined: events.count,
                findings: chainBreak.map { [Finding(subject: "ledger row \($0.sequence)", problem: $0.reason)] } ?? []))
        if !witnesses.isEmpty {
            var findings: [Finding] = []
            for witness in witnesses {
                if let problem = try ledger.disagreement(with: witness) {
                    findings.append(Finding(subject: "witness \(witness.sequence)", problem: problem))
                }
            }
            checks.append(Check(name: "witnessed rows", examined: witnesses.count, findings: findings))
        }

        // What the ledger says of each report: the recorded hash and where it should be now.
        var recordedHash: [String: (sha: String, row: Int64)] = [:]
        var lastPlace: [String: (kind: LedgerEvent.Kind, row: Int64)] = [:]
        var known: Set<String> = []
        var enqueuedRow: [String: LedgerEvent] = [:]
        var deliveredToOutbox: [(event: LedgerEvent, outbox: FileOutbox)] = []
        for event in events {
            guard let report = event.report else { continue }
            known.insert(report)
            if event.kind == .enqueued, enqueuedRow[report] == nil { enqueuedRow[report] = event }
            if (event.kind == .enqueued || event.kind == .requeued), let sha = event.sha256 {
                recordedHash[report] = (sha, event.sequence)
            }
            if [.archived, .failed, .requeued, .expired].contains(event.kind) {
                lastPlace[report] = (event.kind, event.sequence)
            }
            // A report that went as its own message has its parts counted; one delivered inside a
            // digest (quiet hours) is in the digest's file, whose own row has them.
            if event.kind == .delivered, event.parts != nil, let outbox = event.destination.flatMap({ outboxes[$0] }) {
                deliveredToOutbox.append((event, outbox))
            }
        }

        // Listed in the order a report moves (tmp/, pending/, then sent/ and failed/): each move links
        // the new name before it removes the old, so a report moving meanwhile is seen in one of them.
        let staged = Set(
            ((try? DirectoryListing.names(in: queue.tmp)) ?? []).compactMap { DurableFile.stagedName(of: $0.name) })
        let pendingNames = Set((try? queue.scanPendingNames()) ?? [])
        let sent = queue.archivedReports()
        let failed = queue.failedReports()
        var history: [Finding] = []
        var content: [Finding] = []
        for file in sent + failed {
            guard known.contains(file.name) else {
                history.append(Finding(subject: file.relativePath, problem: "no ledger history"))
                continue
            }
            guard file.isRegularFile, let recorded = recordedHash[file.name] else { continue }
            guard let bytes = try? DurableFile.readWhole("\(queue.root)/\(file.relativePath)") else {
                content.append(Finding(subject: file.relativePath, problem: "cannot be read"))
                continue
            }
            let actual = QueueDirectory.sha256(bytes)
            if actual != recorded.sha {
                content.append(
                    Finding(
                        subject: file.relativePath,
                        problem:
                            "SHA-256 \(actual.prefix(12))… differs from \(recorded.sha.prefix(12))… recorded in ledger row \(recorded.row) (changed since)"
                    ))
            }
        }
        checks.append(Check(name: "files have ledger history", examined: sent.count + failed.count, findings: history))
        checks.append(
            Check(name: "files match their recorded SHA-256", examined: sent.count + failed.count, findings: content))

        let sentNames = Set(sent.map(\.name)), failedNames = Set(failed.map(\.name))
        var missing: [Finding] = []
        for (report, place) in lastPlace.sorted(by: { $0.value.row < $1.value.row }) {
            switch place.kind {
            case .archived where !sentNames.contains(report):
                missing.append(
                    Finding(
                        subject: "ledger row \(place.row)",
                        problem: "\(report) was delivered and archived, but is not in sent/"))
            case .failed where !failedNames.contains(report) && !isVariantPresent(report, in: failedNames):
                missing.append(
                    Finding(
                        subject: "ledger row \(place.row)", problem: "\(report) was moved to failed/, but is not there")
                )
            default:
                break
            }
        }
        checks.append(Check(name: "ledger's archived reports have files", examined: lastPlace.count, findings: missing))

        var nowhere: [Finding] = []
        for (report, row) in enqueuedRow.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            // Archived, failed or expired: the check before looks for it where the ledger last put it.
            if let place = lastPlace[report]?.kind, place != .requeued { continue }
            if staged.contains(report) || pendingNames.contains(report) || sentNames.contains(report)
                || failedNames.contains(report)
                || isVariantPresent(report, in: failedNames)
            {
                continue
            }
            nowhere.append(
                Finding(
                    subject: "ledger row \(row.sequence)",
                    problem: "\(report) was enqueued, but is nowhere: not in tmp/, pending/, sent/ or failed/"))
        }
        checks.append(Check(name: "enqueued reports are in the queue", examined: enqueuedRow.count, findings: nowhere))

        var absent: [Finding] = []
        for (event, outbox) in deliveredToOutbox {
            let path = outbox.path(for: event.report ?? "")
            if access(path, F_OK) != 0 {
                absent.append(
                    Finding(
                        subject: "ledger row \(event.sequence)",
                        problem:
                            "\(event.report ?? "?") was delivered to '\(event.destination ?? "?")', but \(path) is not there"
                    ))
            }
        }
        if !outboxes.isEmpty {
            checks.append(
                Check(
                    name: "file destinations hold what they took", examined: deliveredToOutbox.count, findings: absent))
        }
        return checks
    }

    /// A clash in failed/ gives the file a stamped variant of its name (`NAME.<stamp>.md`).
    private func isVariantPresent(_ report: String, in names: Set<String>) -> Bool {
        guard let dot = report.lastIndex(of: ".") else { return false }
        let stem = report[..<dot]
        return names.contains { $0.hasPrefix(stem + ".") && $0 != report }
    }
}
