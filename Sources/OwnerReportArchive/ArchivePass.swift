#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportLedger

/// One bounded pass of the archiver: files sent/ into dated folders, then expires what retention
/// says is too old, recording each filing and each deletion in the ledger.
///
/// Filing is a rename within sent/ (link, fsync, unlink, fsync), so a crash leaves the report in one
/// place or both, never none. A deletion is recorded before the file is unlinked: a crash between
/// leaves a file that the next pass deletes again, never a deletion nobody recorded.
public struct ArchivePass {
    public let queue: QueueDirectory
    public let ledger: Ledger?
    public let configuration: Configuration
    public let dryRun: Bool
    public let logger: Logger

    public init(queue: QueueDirectory, ledger: Ledger?, configuration: Configuration, dryRun: Bool, logger: Logger) {
        self.queue = queue
        self.ledger = ledger
        self.configuration = configuration
        self.dryRun = dryRun
        self.logger = logger
    }

    public struct Summary: Sendable, Equatable {
        /// `sent/NAME` → `sent/2026/11/20/NAME`.
        public var filed: [String] = []
        /// Deleted (or, in a dry run, to delete) paths, relative to the queue.
        public var expired: [String] = []
        public var failedExpired: [String] = []
    }

    /// The last time of each report's `kind` event (`delivered`, `failed`), from the ledger.
    func lastTimes(of kind: LedgerEvent.Kind) throws -> [String: Timestamp] {
        guard let ledger else { return [:] }
        let statement = try ledger.database.prepare(
            "SELECT report, MAX(at) FROM events WHERE event = ? GROUP BY report")
        try statement.bind([.text(kind.rawValue)])
        var times: [String: Timestamp] = [:]
        while try statement.step() {
            if let report = statement.text(0), let at = statement.text(1).flatMap(Timestamp.init(iso8601UTC:)) {
                times[report] = at
            }
        }
        return times
    }

    public func run(now: Timestamp = .now()) throws -> Summary {
        var summary = Summary()
        let delivered = try lastTimes(of: .delivered)
        let zone = configuration.timeZone
        // 1. Filing: what the driver left at the top of sent/.
        for file in queue.archivedReports() where file.day == nil && file.isRegularFile {
            let when = delivered[file.name] ?? file.modified
            let day = when.wallClock(in: zone)
            let folder = String(format: "sent/%04d/%02d/%02d", day.year, day.month, day.day)
            let target = "\(folder)/\(file.name)"
            summary.filed.append(target)
            if dryRun { continue }
            try DurableFile.makeDirectories("\(queue.root)/\(folder)")
            var filedBefore = false
            do {
                try DurableFile.move("\(queue.root)/\(file.relativePath)", to: "\(queue.root)/\(target)")
            } catch {
                guard error.errno == EEXIST else { throw error }
                filedBefore = true
            }
            if filedBefore {
                // Filed before, and the top-level copy is a leftover of a crash between link and unlink.
                try syscall("unlink", path: "\(queue.root)/\(file.relativePath)") {
                    unlink("\(queue.root)/\(file.relativePath)")
                }
                try DurableFile.syncDirectory(queue.sent)
            }
            try ledger?.append(.init(.filed, report: file.name, detail: "filed as \(target)"))
            logger.debug("filed", metadata: ["report.id": "\(file.name)", "path": "\(target)"])
        }

        // 2. Retention of the archive, by delivery date.
        let cutoff = now.adding(nanoseconds: -Int64(configuration.archive.retentionDays) * 86_400 * 1_000_000_000)
        // (A dry run filed nothing, so it judges the unfiled ones as if it had.)
        for file in queue.archivedReports() where file.day != nil || (dryRun && file.isRegularFile) {
            let when = delivered[file.name] ?? file.day.flatMap { endOfDay($0, zone: zone) } ?? file.modified
            guard when < cutoff else { continue }
            summary.expired.append(file.relativePath)
            if dryRun { continue }
            try expire(
                file,
                detail:
                    "\(file.relativePath): delivered \(when.iso8601(in: zone)), older than archive.retention_days = \(configuration.archive.retentionDays)"
            )
        }
        if !dryRun { removeEmptyDayFolders() }

        // 3. Retention of failed/, when configured.
        if let days = configuration.archive.failedRetentionDays {
            let failedAt = try lastTimes(of: .failed)
            let failedCutoff = now.adding(nanoseconds: -Int64(days) * 86_400 * 1_000_000_000)
            for file in queue.failedReports() {
                let when = failedAt[file.name] ?? file.modified
                guard when < failedCutoff else { continue }
                summary.failedExpired.append(file.relativePath)
                if dryRun { continue }
                try expire(
                    file,
                    detail:
                        "\(file.relativePath): failed \(when.iso8601(in: zone)), older than archive.failed_retention_days = \(days)"
                )
                let sidecar = "\(queue.root)/\(file.relativePath).error.json"
                if unlink(sidecar) == 0 { try DurableFile.syncDirectory(queue.failed) }
            }
        }
        return summary
    }

    private func expire(_ file: ArchivedFile, detail: String) throws {
        try ledger?.append(.init(.expired, report: file.name, detail: detail))
        let path = "\(queue.root)/\(file.relativePath)"
        try syscall("unlink", path: path) { unlink(path) }
        try DurableFile.syncDirectory(DurableFile.directoryName(of: path))
        logger.debug("expired", metadata: ["path": "\(file.relativePath)"])
    }

    private func endOfDay(_ day: (year: Int, month: Int, day: Int), zone: TimeZone) -> Timestamp? {
        // The end of the folder's day: a report filed there was delivered by then.
        Timestamp.parse(String(format: "%04d-%02d-%02dT23:59:59", day.year, day.month, day.day), in: zone)
    }

    /// Removes day, month and year folders that retention emptied.
    private func removeEmptyDayFolders() {
        func sweep(_ path: String, depth: Int) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where Int(name) != nil {
                var info = stat()
                guard lstat("\(path)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
                if depth < 2 { sweep("\(path)/\(name)", depth: depth + 1) }
                rmdir("\(path)/\(name)")  // fails harmlessly while it still holds something
            }
        }
        sweep(queue.sent, depth: 0)
    }
}
