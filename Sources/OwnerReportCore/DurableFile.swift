#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Crash-safe file operations: write to tmp/, fsync, link into place without overwriting, fsync the directory.
///
/// Foundation's atomic writes never fsync the directory and `moveItem` silently copies across file
/// systems, so these use the system calls directly (docs/design.md §3).
public enum DurableFile {
    /// Creates `path` (which must not exist) with `bytes` and `mode` (0600 unless said), and fsyncs it.
    ///
    /// `pacing` is a fault-injection hook for tests: a pause between 64 KiB chunks, so a test can kill a
    /// writer mid-file. Production callers leave it at zero.
    public static func create(
        _ path: String, bytes: some Collection<UInt8>, mode: mode_t = 0o600, pacing: Duration = .zero
    ) throws(SystemError) {
        let fd = try openNew(path, mode: mode, locked: false)
        defer { close(fd) }
        try writeAll(fd, Array(bytes), path: path, pacing: pacing)
    }

    /// Opens a new file for writing; `locked` holds flock(2) on it, which tells recovery a writer is alive.
    private static func openNew(_ path: String, mode: mode_t, locked: Bool) throws(SystemError) -> Int32 {
        let fd = try syscall("create", path: path) {
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        do {
            // The umask may have taken bits away; a mode asked for (0644 metrics) is the mode wanted.
            if mode != 0o600 { try syscall("fchmod", path: path) { fchmod(fd, mode) } }
            if locked { try syscall("flock", path: path) { flock(fd, LOCK_EX) } }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String, pacing: Duration) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let chunk = min(65_536, bytes.count - written)
            let count = try syscall("write", path: path) {
                bytes.withUnsafeBytes { buffer in
                    buffer.baseAddress.map { write(fd, $0 + written, chunk) } ?? 0
                }
            }
            written += count
            if pacing > .zero, written < bytes.count { Thread.sleep(forTimeInterval: pacing.seconds) }
        }
        try syscall("fsync", path: path) { fsync(fd) }
    }

    /// Makes the tmp/ file `source` visible as `destination` and removes `source`.
    ///
    /// `link(2)` fails with EEXIST rather than replace an existing file; the destination's directory is
    /// fsynced before the source is unlinked, so a crash leaves at least one complete copy.
    public static func move(_ source: String, to destination: String) throws(SystemError) {
        try syscall("link into \(directoryName(of: destination))/", path: source) { link(source, destination) }
        try syncDirectory(directoryName(of: destination))
        try syscall("unlink", path: source) { unlink(source) }
        try syncDirectory(directoryName(of: source))
    }

    /// Moves an entry that is not a regular file (a directory, a FIFO) where `link(2)` cannot.
    ///
    /// Only the holder of the delivery lock moves such entries, so checking for the destination first
    /// cannot race with another writer.
    public static func moveEntry(_ source: String, to destination: String) throws(SystemError) {
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw SystemError(path: destination, errno: EEXIST, operation: "move \(source) here")
        }
        try syscall("rename to \(destination)", path: source) { rename(source, destination) }
        try syncDirectory(directoryName(of: destination))
        try syncDirectory(directoryName(of: source))
    }

    /// Writes `bytes` into `tmpDirectory`, then moves them to `destination`: the file appears whole or not at all.
    ///
    /// `beforeLinking` runs once the bytes and their name in tmp/ are durable and before they become
    /// visible (the producer records `enqueued` there); if it throws, nothing becomes visible. While
    /// this runs the staging file is held with flock(2), so recovery (`QueueDirectory.recoverStaged`)
    /// leaves it alone; a writer that dies leaves it unlocked for recovery to publish or remove.
    public static func publish(
        _ bytes: some Collection<UInt8>, as destination: String, via tmpDirectory: String, pacing: Duration = .zero,
        beforeLinking: (_ bytes: [UInt8]) throws -> Void = { _ in }
    ) throws {
        let staged = try stage(bytes, for: destination, in: tmpDirectory, pacing: pacing)
        defer { staged.release() }
        do {
            try beforeLinking(staged.bytes)
        } catch {
            staged.discard()
            throw error
        }
        try staged.publish(as: destination)
    }

    /// A file written and fsynced in tmp/, its name made durable, and held with flock(2) until closed.
    public final class Staged {
        public let path: String
        public let bytes: [UInt8]
        private var fd: Int32

        init(path: String, bytes: [UInt8], fd: Int32) {
            self.path = path
            self.bytes = bytes
            self.fd = fd
        }

        deinit { release() }

        /// Makes the staged bytes visible as `destination` (never replacing a file there) and removes the
        /// staging name. That unlink is not fsynced: a staging file that outlives a power cut is one whose
        /// report is visible already, and recovery removes it.
        public func publish(as destination: String) throws(SystemError) {
            do {
                try syscall("link into \(directoryName(of: destination))/", path: path) { link(path, destination) }
            } catch {
                // The name is another file's: these bytes can never appear under it. Any other failure
                // leaves them for recovery, since a committed row may promise them.
                if error.errno == EEXIST { discard() }
                throw error
            }
            try syncDirectory(directoryName(of: destination))
            CrashPoint.reach(CrashPoint.linked)
            unlink(path)
        }

        /// A staging file nobody holds: opened without following a symlink and locked without waiting.
        /// nil when it is gone, is not a regular file, or its writer is still at work (it holds the lock).
        public static func claim(_ path: String, limit: Int) -> Staged? {
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            var info = stat()
            guard flock(fd, LOCK_EX | LOCK_NB) == 0, fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                info.st_nlink > 0,
                let bytes = try? readRegularFile(path, limit: limit)
            else {
                close(fd)
                return nil
            }
            return Staged(path: path, bytes: bytes, fd: fd)
        }

        /// Removes the staging file (its report is not to be published).
        public func discard() { unlink(path) }

        /// Releases the lock; the file, if still there, is now recovery's to judge.
        public func release() {
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Writes `bytes` to a new, locked staging file for `destination` in `tmpDirectory`, fsyncs it and
    /// tmp/ (so a ledger row written next can always find its bytes after a power cut).
    public static func stage(
        _ bytes: some Collection<UInt8>, for destination: String, in tmpDirectory: String, pacing: Duration = .zero
    ) throws -> Staged {
        let bytes = Array(bytes)
        while true {
            let path = stagingPath(for: destination, in: tmpDirectory)
            let fd = try openNew(path, mode: 0o600, locked: true)
            // Recovery may have judged the file in the instant between its creation and the lock (empty
            // and without a row) and removed it: then start again under another name.
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_nlink > 0 else {
                close(fd)
                continue
            }
            let staged = Staged(path: path, bytes: bytes, fd: fd)
            do {
                try writeAll(fd, bytes, path: path, pacing: pacing)
                try syncDirectory(tmpDirectory)
            } catch {
                staged.discard()
                throw error
            }
            return staged
        }
    }

    /// Replaces `destination` with `bytes` atomically, for state files that are meant to be overwritten.
    ///
    /// `tmpDirectory` must be on the same file system as `destination` (rename(2) does not cross them).
    public static func replace(
        _ destination: String, with bytes: some Collection<UInt8>, via tmpDirectory: String, mode: mode_t = 0o600
    ) throws(SystemError) {
        let staging = stagingPath(for: destination, in: tmpDirectory)
        do {
            try create(staging, bytes: bytes, mode: mode)
            try syscall("rename to \(destination)", path: staging) { rename(staging, destination) }
            try syncDirectory(directoryName(of: destination))
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// fsyncs a directory so that the names created or removed in it survive a crash.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = try syscall("open directory", path: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try syscall("fsync directory", path: path) { fsync(fd) }
    }

    /// The whole of a regular file of any size, without following a symlink (its size bounds the read).
    public static func readWhole(_ path: String) throws(SystemError) -> [UInt8] {
        var info = stat()
        try syscall("lstat", path: path) { lstat(path, &info) }
        return try readRegularFile(path, limit: Int(info.st_size) + 65_536)
    }

    /// Reads a regular file without following a symlink and refusing anything over `limit` bytes.
    public static func readRegularFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let fd = try syscall("open", path: path) { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        try syscall("fstat", path: path) { fstat(fd, &info) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SystemError(path: path, errno: EINVAL, operation: "read (not a regular file)")
        }
        guard Int(info.st_size) <= limit else {
            throw SystemError(
                path: path, errno: EFBIG, operation: "read (\(info.st_size) bytes, over the limit of \(limit))")
        }
        // Room for the size fstat saw and one byte more, to notice a file that grew; the buffer grows
        // (up to the limit and one byte) only for such a file, so a small report costs a small read.
        var bytes: [UInt8] = []
        var capacity = min(Int(info.st_size), limit) + 1
        var total = 0
        while total <= limit {
            if total == capacity { capacity = min(capacity * 2, limit + 1) }
            if bytes.count < capacity { bytes.append(contentsOf: repeatElement(0, count: capacity - bytes.count)) }
            let room = capacity - total
            let count = try syscall("read", path: path) {
                bytes.withUnsafeMutableBytes { buffer in
                    buffer.baseAddress.map { read(fd, $0 + total, room) } ?? 0
                }
            }
            if count == 0 { break }
            total += count
        }
        guard total <= limit else {
            throw SystemError(path: path, errno: EFBIG, operation: "read (grew over the limit of \(limit) bytes)")
        }
        bytes.removeSubrange(total...)
        return bytes
    }

    /// Creates a directory and any missing parents with mode 0700, each new one made durable.
    public static func makeDirectories(_ path: String) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            try makeDirectory(prefix)
        }
    }

    /// Creates a directory with mode 0700 unless it exists already.
    ///
    /// A new directory's name is durable only once its parent is fsynced (a new name is like any
    /// other entry), so the parent is fsynced after each `mkdir`: a report filed into a folder made
    /// a moment ago must not vanish with the folder at a power cut.
    public static func makeDirectory(_ path: String) throws(SystemError) {
        if mkdir(path, 0o700) == 0 {
            try syncDirectory(directoryName(of: path))
            return
        }
        let code = errno
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
        throw SystemError(path: path, errno: code == EEXIST ? ENOTDIR : code, operation: "create directory")
    }

    /// The report name a staging file in tmp/ is on its way to, when it is one `stagingPath` made.
    public static func stagedName(of stagingFile: String) -> String? {
        guard stagingFile.hasPrefix("."), stagingFile.hasSuffix(".tmp") else { return nil }
        let inner = stagingFile.dropFirst().dropLast(4)
        guard let dot = inner.lastIndex(of: "."), inner[inner.index(after: dot)...].allSatisfy(\.isNumber) else {
            return nil
        }
        let name = String(inner[..<dot])
        return name.isEmpty ? nil : name
    }

    /// A hidden, unique name in tmp/ for a file on its way to `destination` (`stagedName` reads it back
    /// for recovery).
    static func stagingPath(for destination: String, in tmpDirectory: String) -> String {
        "\(tmpDirectory)/.\(fileName(of: destination)).\(UInt32.random(in: .min ... .max)).tmp"
    }

    /// Everything before the last `/` of a path (`.` when there is none).
    public static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Everything after the last `/` of a path.
    public static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
