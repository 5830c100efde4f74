#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An flock(2) on a lock file: the queue's `.lock` (one process delivers at a time), and the
/// watchdog's escalation, expectation and ship locks in `state/`.
///
/// The lock is held for as long as this object lives and released when it is deinitialised (or the
/// process dies: the kernel drops it).
public final class FileLock {
    private let descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Takes the lock; returns nil at once when another process holds it and `wait` is false.
    public static func acquire(at path: String, wait: Bool) throws(SystemError) -> FileLock? {
        let fd = try syscall("open lock file", path: path) {
            open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
        let operation = wait ? LOCK_EX : LOCK_EX | LOCK_NB
        do throws(SystemError) {
            try syscall("flock", path: path) { flock(fd, operation) }
        } catch {
            close(fd)
            if error.errno == EWOULDBLOCK { return nil }
            throw error
        }
        return FileLock(descriptor: fd, path: path)
    }

    /// Whether some process holds the lock now (probed without taking it for long).
    public static func isHeld(at path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
