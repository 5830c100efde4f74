#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportLedger

extension QueueDirectory {
    /// Moves a delivered report from pending/ into sent/ and records `archived`.
    ///
    /// When sent/ already has the name (a crash between link and unlink), identical bytes mean the
    /// copy in pending/ is the leftover; different bytes get a new name, never an overwrite.
    public func archive(_ entry: QueueEntry, ledger: Ledger) throws {
        let destination = "\(sent)/\(entry.name)"
        var clash = false
        do {
            try DurableFile.move(entry.path, to: destination)
        } catch {
            guard error.errno == EEXIST else { throw error }
            clash = true
        }
        if clash {
            if try isSameContent(entry.path, destination, size: entry.size) {
                try syscall("unlink", path: entry.path) { unlink(entry.path) }
                try DurableFile.syncDirectory(pending)
            } else {
                try DurableFile.move(entry.path, to: "\(sent)/\(Self.uniqueVariant(of: entry.name))")
            }
        }
        try ledger.append(.init(.archived, report: entry.name, detail: "moved to sent/"))
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
            .init(.failed, report: entry.name, destination: failure.destination, status: failure.status, detail: "\(failure.category): \(failure.reason)"))
    }

    /// `name` with a UTC timestamp before its extension, for the rare clash in sent/ or failed/.
    static func uniqueVariant(of name: String) -> String {
        let stamp = Timestamp.now().compactUTC
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "\(name).\(stamp)" }
        return "\(name[..<dot]).\(stamp)\(name[dot...])"
    }
}
