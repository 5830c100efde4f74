#if canImport(Glibc)
    import Glibc
#endif

/// The names in a directory, read with `opendir(3)`/`readdir(3)`, each with the type the file system
/// reported (`d_type`; `DT_UNKNOWN` where it reports none).
///
/// pending/ may hold a hundred thousand names after an outage. Reading them this way costs one
/// `getdents64` per few hundred names and no `stat` for a name whose type is known, and it makes
/// no intermediate Foundation array.
public enum DirectoryListing {
    public struct Name: Sendable {
        public let name: String
        public let type: UInt8

        /// What the entry is when the file system said so; nil when `lstat` must tell.
        public var kind: QueueEntry.Kind? {
            switch Int32(type) {
            case Int32(DT_REG): .regularFile
            case Int32(DT_LNK): .symbolicLink
            case Int32(DT_FIFO): .fifo
            case Int32(DT_DIR): .directory
            case Int32(DT_UNKNOWN): nil
            default: .other
            }
        }
    }

    /// Every name but `.` and `..`; ENOENT and the rest as a `SystemError` naming the directory.
    public static func names(in path: String) throws(SystemError) -> [Name] {
        guard let directory = opendir(path) else {
            throw SystemError(path: path, errno: errno, operation: "list")
        }
        defer { closedir(directory) }
        var names: [Name] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SystemError(path: path, errno: errno, operation: "list") }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(Name(name: name, type: entry.pointee.d_type))
        }
    }
}
