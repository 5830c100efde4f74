import Foundation
import OwnerReportCore

/// Reads a user's input file (following symlinks: it is theirs, not the queue's) or standard input, within a size limit.
public enum InputReader {
    /// The bytes of `path`, or of standard input when `path` is `-`.
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(path: path, message: "no such file")
            }
            guard !isDirectory.boolValue else {
                throw InputError(path: path, message: "is a directory, not a report file")
            }
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw InputError(path: path, message: "cannot be opened for reading (permissions?)")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            guard let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
        }
        guard bytes.count <= limit else {
            throw ReportFormatError(
                path: path, message: "larger than the limit of \(limit) bytes (delivery.max_report_bytes)")
        }
        return bytes
    }
}
