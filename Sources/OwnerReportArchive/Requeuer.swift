#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Puts failed reports back into pending/ with a new attempt budget.
public struct Requeuer {
    public let queue: QueueDirectory
    public let ledger: Ledger?
    public let dryRun: Bool

    public init(queue: QueueDirectory, ledger: Ledger?, dryRun: Bool) {
        self.queue = queue
        self.ledger = ledger
        self.dryRun = dryRun
    }

    public struct Failure: Error, OperatorFacingError {
        public var path: String
        public var message: String
        public var exitStatus: ExitStatus
        public var description: String { "\(path): \(message)" }
    }

    /// Requeues `failed/<name>`: checks it can, records `requeued` (with the file's SHA-256, in case it
    /// was mended), moves it to pending/, then removes its sidecar. Returns the new path.
    ///
    /// The record comes first: a crash before the move leaves the report in failed/ to requeue again,
    /// never a report back in line with its old attempts counted.
    @discardableResult
    public func requeue(_ name: String) throws -> String {
        guard !name.contains("/"), !name.hasSuffix(".error.json"), QueueDirectory.isCandidate(name) else {
            throw Failure(path: "failed/\(name)", message: "not a report name in failed/", exitStatus: .usage)
        }
        let source = "\(queue.failed)/\(name)", target = "\(queue.pending)/\(name)"
        var info = stat()
        guard lstat(source, &info) == 0 else {
            throw Failure(path: source, message: "no such report in failed/", exitStatus: .noInput)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Failure(
                path: source, message: "not a regular file: it can never be delivered (remove it instead)",
                exitStatus: .dataError)
        }
        guard lstat(target, &info) != 0 else {
            throw Failure(
                path: target, message: "already exists: the report is pending already", exitStatus: .cannotCreate)
        }
        if dryRun { return target }
        let bytes = try DurableFile.readWhole(source)
        try ledger?.append(
            .init(
                .requeued, report: name, detail: "moved back to pending/ with a new attempt budget",
                sha256: QueueDirectory.sha256(bytes)))
        try DurableFile.move(source, to: target)
        if unlink("\(source).error.json") == 0 { try DurableFile.syncDirectory(queue.failed) }
        return target
    }

    /// The names of every report in failed/ that can be requeued.
    public func allFailed() -> [String] {
        queue.failedReports().filter(\.isRegularFile).map(\.name)
    }
}
