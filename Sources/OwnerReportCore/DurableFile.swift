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
    ) throws(QueueError) {
        let fd = try syscall("create", path: path) {
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        defer { close(fd) }
        // The umask may have taken bits away; a mode asked for (0644 metrics) is the mode wanted.
        if mode != 0o600 { try syscall("fchmod", path: path) { fchmod(fd, mode) } }
        let bytes = Array(bytes)
        var written = 0
        while written < bytes.count {
            let chunk = min(65_536, bytes.count - written)
            let count = try syscall("write", path: path) {
                bytes.withUnsafeBytes { buffer in
                    write(fd, buffer.baseAddress! + written, chunk)  // swift-format-ignore: NeverForceUnwrap
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
    public static func move(_ source: String, to destination: String) throws(QueueError) {
        try syscall("link into \(directoryName(of: destination))/", path: source) { link(source, destination) }
        try syncDirectory(directoryName(of: destination))
        try syscall("unlink", path: source) { unlink(source) }
        try syncDirectory(directoryName(of: source))
    }

    /// Moves an entry that is not a regular file (a directory, a FIFO) where `link(2)` cannot.
    ///
    /// Only the holder of the delivery lock moves such entries, so checking for the destination first
    /// cannot race with another writer.
    public static func moveEntry(_ source: String, to destination: String) throws(QueueError) {
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw QueueError(path: destination, errno: EEXIST, operation: "move \(source) here")
        }
        try syscall("rename to \(destination)", path: source) { rename(source, destination) }
        try syncDirectory(directoryName(of: destination))
        try syncDirectory(directoryName(of: source))
    }

    /// Writes `bytes` into `tmpDirectory`, then moves them to `destination`: the file appears whole or not at all.
    ///
    /// `beforeLinking` runs after the bytes are durable in tmp/ and before they become visible (the
    /// producer records `enqueued` there); if it throws, nothing becomes visible.
    public static func publish(
        _ bytes: some Collection<UInt8>, as destination: String, via tmpDirectory: String, pacing: Duration = .zero,
        beforeLinking: (_ bytes: [UInt8]) throws -> Void = { _ in }
    ) throws {
        let staging = stagingPath(for: destination, in: tmpDirectory)
        let bytes = Array(bytes)
        do {
            try create(staging, bytes: bytes, pacing: pacing)
            try beforeLinking(bytes)
            try move(staging, to: destination)
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// Replaces `destination` with `bytes` atomically, for state files that are meant to be overwritten.
    ///
    /// `tmpDirectory` must be on the same file system as `destination` (rename(2) does not cross them).
    public static func replace(
        _ destination: String, with bytes: some Collection<UInt8>, via tmpDirectory: String, mode: mode_t = 0o600
    ) throws(QueueError) {
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
    public static func syncDirectory(_ path: String) throws(QueueError) {
        let fd = try syscall("open directory", path: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try syscall("fsync directory", path: path) { fsync(fd) }
    }

    /// The whole of a regular file of any size, without following a symlink (its size bounds the read).
    public static func readWhole(_ path: String) throws(QueueError) -> [UInt8] {
        var info = stat()
        try syscall("lstat", path: path) { lstat(path, &info) }
        return try readRegularFile(path, limit: Int(info.st_size) + 65_536)
    }

    /// Reads a regular file without following a symlink and refusing anything over `limit` bytes.
    public static func readRegularFile(_ path: String, limit: Int) throws(QueueError) -> [UInt8] {
        let fd = try syscall("open", path: path) { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        try syscall("fstat", path: path) { fstat(fd, &info) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw QueueError(path: path, errno: EINVAL, operation: "read (not a regular file)")
        }
        guard Int(info.st_size) <= limit else {
            throw QueueError(path: path, errno: EFBIG, operation: "read (\(info.st_size) bytes, over the limit of \(limit))")
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
                    read(fd, buffer.baseAddress! + total, room)  // swift-format-ignore: NeverForceUnwrap
                }
            }
            if count == 0 { break }
            total += count
        }
        guard total <= limit else {
            throw QueueError(path: path, errno: EFBIG, operation: "read (grew over the limit of \(limit) bytes)")
        }
        bytes.removeSubrange(total...)
        return bytes
    }

    /// Creates a directory and any missing parents with mode 0700.
    public static func makeDirectories(_ path: String) throws(QueueError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            try makeDirectory(prefix)
        }
    }

    /// Creates a directory with mode 0700 unless it exists already.
    public static func makeDirectory(_ path: String) throws(QueueError) {
        if mkdir(path, 0o700) == 0 { return }
        let code = errno
        var info = stat()
        if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
        throw QueueError(path: path, errno: code == EEXIST ? ENOTDIR : code, operation: "create directory")
    }

    /// A hidden, unique name in tmp/ for a file on its way to `destination`; stale ones are removed by age.
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
