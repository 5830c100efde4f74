#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore

/// The files kept in sent/ (top level, and filed as sent/YYYY/MM/DD/) and in failed/.
public struct ArchivedFile: Hashable, Sendable {
    /// The path from the queue directory: `sent/2026/11/20/NAME.md`, `failed/NAME.md`.
    public var relativePath: String
    public var name: String
    /// The day folder it is filed under, nil at the top of sent/ or in failed/.
    public var day: (year: Int, month: Int, day: Int)?
    public var modified: Timestamp
    public var isRegularFile: Bool

    public static func == (lhs: ArchivedFile, rhs: ArchivedFile) -> Bool { lhs.relativePath == rhs.relativePath }
    public func hash(into hasher: inout Hasher) { hasher.combine(relativePath) }
}

extension QueueDirectory {
    /// Every report file in sent/ (filed or not), sorted by path; editors' and hidden files are skipped.
    public func archivedReports() -> [ArchivedFile] {
        var files: [ArchivedFile] = []
        func visit(_ relative: String, depth: Int, day: [Int]) {
            let path = "\(root)/\(relative)"
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                var info = stat()
                guard lstat("\(path)/\(name)", &info) == 0 else { continue }
                let isDirectory = info.st_mode & S_IFMT == S_IFDIR
                if isDirectory {
                    // Only the YYYY/MM/DD folders the archiver makes.
                    let width = depth == 0 ? 4 : 2
                    guard depth < 3, name.count == width, let number = Int(name) else { continue }
                    visit("\(relative)/\(name)", depth: depth + 1, day: day + [number])
                } else if QueueDirectory.isCandidate(name) {
                    files.append(
                        ArchivedFile(
                            relativePath: "\(relative)/\(name)", name: name,
                            day: day.count == 3 ? (day[0], day[1], day[2]) : nil,
                            modified: Timestamp(
                                seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec)),
                            isRegularFile: info.st_mode & S_IFMT == S_IFREG))
                }
            }
        }
        visit("sent", depth: 0, day: [])
        return files
    }

    /// Every report in failed/ (not the `.error.json` sidecars).
    public func failedReports() -> [ArchivedFile] {
        failedReportNames().compactMap { name in
            var info = stat()
            guard lstat("\(failed)/\(name)", &info) == 0 else { return nil }
            return ArchivedFile(
                relativePath: "failed/\(name)", name: name, day: nil,
                modified: Timestamp(seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec)),
                isRegularFile: info.st_mode & S_IFMT == S_IFREG)
        }
    }
}
