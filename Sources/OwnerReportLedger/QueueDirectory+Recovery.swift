#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// What recovery did with the reports a dead writer left in tmp/.
public struct StagingRecovery: Sendable, Equatable {
    /// Reports whose `enqueued` row had committed: linked into pending/ now.
    public var republished: [String] = []
    /// Reports whose row never committed: their bytes removed, since nobody was told they were enqueued.
    public var discarded: [String] = []

    public init() {}

    /// One line for a program's log, or nil when there was nothing to do.
    public var summary: String? {
        guard !republished.isEmpty || !discarded.isEmpty else { return nil }
        var parts: [String] = []
        if !republished.isEmpty {
            parts.append(
                "published \(republished.count) committed report(s) a crash left in tmp/: \(republished.joined(separator: ", "))"
            )
        }
        if !discarded.isEmpty {
            parts.append(
                "removed \(discarded.count) report(s) whose enqueue never committed: \(discarded.joined(separator: ", "))"
            )
        }
        return parts.joined(separator: "; ")
    }
}

extension QueueDirectory {
    /// Finishes what writers killed between their steps left in tmp/ (docs/design.md §3).
    ///
    /// A report's bytes wait in tmp/, fsynced and locked by their writer, while its `enqueued` row
    /// commits; then they are linked into pending/. A staging file nobody holds is a dead writer's:
    /// - its row committed and the report never became visible (not in pending/ or failed/, nothing after
    ///   `enqueued` in the ledger) and the bytes match the row's SHA-256: it is linked into pending/, and
    ///   `republished` recorded;
    /// - its row committed and the report is visible already: the staging name is only removed;
    /// - no row: it is removed and `discarded` recorded (a user was never told "enqueued", and a derived
    ///   report's cause is still unrecorded, so it is derived again).
    /// Bytes that do not match their row are left where they are, for `archiver verify` to name.
    /// `only` limits it to some reports (a retry of a key recovers that key's report).
    @discardableResult
    public func recoverStaged(
        ledger: Ledger, by program: String, only names: Set<String>? = nil, now: Timestamp = .now()
    ) throws -> StagingRecovery {
        var recovery = StagingRecovery()
        guard let listing = try? DirectoryListing.names(in: tmp) else { return recovery }
        var rows: [LedgerEvent.Draft] = []
        for entry in listing {
            let path = "\(tmp)/\(entry.name)"
            guard let name = DurableFile.stagedName(of: entry.name), Self.isCandidate(name),
                ReportName.enqueueTime(of: name) != nil
            else {
                // A state file's replacement (`DurableFile.replace`), a file destination's write, or a stray,
                // whose writer died: garbage once old.
                if names == nil { removeIfOlder(path, than: 3_600, now: now) }
                continue
            }
            guard names?.contains(name) ?? true else { continue }
            guard let staged = DurableFile.Staged.claim(path, limit: Int.max) else { continue }
            defer { staged.release() }
            // pending/ and failed/ first, then the ledger: the driver commits `delivered` before a file
            // leaves pending/, and nobody but this lock's holder can link the report now.
            let target = "\(pending)/\(name)"
            let visibleAsFile = access(target, F_OK) == 0 || access("\(failed)/\(name)", F_OK) == 0
            let history = try ledger.events(for: name)
            guard let enqueued = history.first(where: { $0.kind == .enqueued }) else {
                staged.discard()
                recovery.discarded.append(name)
                rows.append(
                    .init(
                        .discarded, report: name,
                        detail:
                            "its enqueue never committed: \(staged.bytes.count) bytes removed from tmp/ by \(program)"))
                continue
            }
            let moved = history.contains { ![.enqueued, .escalated, .republished].contains($0.kind) }
            if visibleAsFile || moved {
                staged.discard()
                continue
            }
            guard Self.sha256(staged.bytes) == enqueued.sha256 else { continue }
            do {
                try staged.publish(as: target)
            } catch {
                // Linked already (the writer died after its link and before removing the staging name).
                guard error.errno == EEXIST else { throw error }
                staged.discard()
                continue
            }
            recovery.republished.append(name)
            rows.append(
                .init(
                    .republished, report: name,
                    detail: "committed but not linked when its writer died: linked into pending/ by \(program)"))
        }
        try ledger.append(rows, at: now)
        return recovery
    }

    private func removeIfOlder(_ path: String, than seconds: Int64, now: Timestamp) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
            now.seconds - Int64(info.st_mtim.tv_sec) > seconds
        else { return }
        unlink(path)
    }
}
