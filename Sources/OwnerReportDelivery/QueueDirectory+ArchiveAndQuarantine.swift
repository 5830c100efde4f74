#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportLedger

extension QueueDirectory {
    /// Moves delivered reports from pending/ into sent/, with one fsync of each directory for the batch.
    ///
    /// Every name is linked into sent/ and sent/ is fsynced before any is unlinked from pending/, so
    /// a crash leaves each report in sent/, in pending/ or in both, never in neither. When sent/
    /// already has a name (a crash between link and unlink), identical bytes mean the copy in pending/
    /// is the leftover; different bytes get a new name, never an overwrite. The caller records
    /// `archived`; a report whose row a crash lost is still in sent/ with its `delivered` rows.
    public func archive(_ entries: [QueueEntry]) throws {
        guard !entries.isEmpty else { return }
        var linked: [QueueEntry] = [], clashes: [QueueEntry] = []
        for entry in entries {
            let destination = "\(sent)/\(entry.name)"
            if link(entry.path, destination) == 0 {
                linked.append(entry)
            } else if errno == EEXIST {
                clashes.append(entry)
            } else {
                let code = errno
                if !linked.isEmpty { try DurableFile.syncDirectory(sent) }
                throw SystemError(path: entry.path, errno: code, operation: "link into sent/")
            }
        }
        if !linked.isEmpty { try DurableFile.syncDirectory(sent) }
        for entry in linked {
            try syscall("unlink", path: entry.path) { unlink(entry.path) }
        }
        for entry in clashes {
            if try isSameContent(entry.path, "\(sent)/\(entry.name)", size: entry.size ?? 0) {
                try syscall("unlink", path: entry.path) { unlink(entry.path) }
            } else {
                try DurableFile.move(entry.path, to: "\(sent)/\(Self.uniqueVariant(of: entry.name))")
            }
        }
        try DurableFile.syncDirectory(pending)
    }

    private func isSameContent(_ first: String, _ second: String, size: Int64) throws -> Bool {
        let limit = Int(max(size, 0)) + 1
        guard let one = try? DurableFile.readRegularFile(first, limit: limit),
            let other = try? DurableFile.readRegularFile(second, limit: limit)
        else { return false }
        return one == other
    }

    /// Moves a report (or whatever the entry is) into failed/ with `NAME.error.json` beside it, and records `failed`.
    public func quarantine(_ entry: QueueEntry, failure: QuarantineRecord, ledger: Ledger) throws {
        var name = entry.name
        var info = stat()
        if lstat("\(failed)/\(name)", &info) == 0 { name = Self.uniqueVariant(of: name) }
        // The sidecar first: a crash before the move leaves the report in pending/, to be quarantined again.
        try DurableFile.replace("\(failed)/\(name).error.json", with: failure.json(name: name), via: tmp)
        if entry.kind == .regularFile {
            try DurableFile.move(entry.path, to: "\(failed)/\(name)")
        } else {
            try DurableFile.moveEntry(entry.path, to: "\(failed)/\(name)")
        }
        try ledger.append(
            .init(
                .failed, report: entry.name, destination: failure.destination, status: failure.status,
                detail: "\(failure.category): \(failure.reason)"))
    }

    /// `name` with a UTC timestamp before its extension, for the rare clash in sent/ or failed/.
    static func uniqueVariant(of name: String) -> String {
        let stamp = Timestamp.now().compactUTC
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "\(name).\(stamp)" }
        return "\(name[..<dot]).\(stamp)\(name[dot...])"
    }
}
