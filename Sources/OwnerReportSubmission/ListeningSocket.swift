#if canImport(Glibc)
import Glibc
#endif
import OwnerReportCore

/// The submit socket the daemon listens on: handed over by systemd's socket unit, or bound here.
public final class ListeningSocket {
    let descriptor: Int32
    /// The socket's path, when this process bound it (and so removes it when done).
    let boundPath: String?

    private init(descriptor: Int32, boundPath: String?) {
        self.descriptor = descriptor
        self.boundPath = boundPath
    }

    deinit {
        close(descriptor)
        if let boundPath { unlink(boundPath) }
    }

    /// The first socket systemd passed (sd_listen_fds(3): `LISTEN_PID` is this process, `LISTEN_FDS` ≥ 1,
    /// the socket is descriptor 3), or nil when there is none. The variables are removed so that a child
    /// does not take the socket for its own.
    public static func fromSystemd(environment: [String: String]) -> ListeningSocket? {
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        else { return nil }
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        let descriptor: Int32 = 3
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return ListeningSocket(descriptor: descriptor, boundPath: nil)
    }

    /// Binds and listens on `queue`'s `submit.sock` with the policy's mode and group.
    ///
    /// Called by the holder of the delivery lock only, so a socket file already there is a dead
    /// daemon's and is replaced. When others may connect, the queue directory is made 0711:
    /// traversable to reach the socket, not listable, and every directory inside stays 0700.
    public static func bind(queue: QueueDirectory, policy: SubmitPolicy) throws(SubmissionError) -> ListeningSocket {
        let path = queue.submitSocket
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SubmissionError("\(path): exists and is not a socket; move it away", exitStatus: .cannotCreate)
            }
            unlink(path)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure(path, "socket") }
        var address = try UnixAddress(path)
        // Created 0600 whatever the umask, then widened: nobody can connect before the mode is right.
        let previous = umask(0o177)
        let bound = address.withSockaddr { Glibc.bind(descriptor, $0, $1) }
        umask(previous)
        guard bound == 0 else {
            let error = failure(path, "bind")
            close(descriptor)
            throw error
        }
        let socket = ListeningSocket(descriptor: descriptor, boundPath: path)
        if let group = policy.group {
            guard let entry = getgrnam(group) else {
                throw SubmissionError("submit.group: no group named '\(group)' on this host", exitStatus: .configuration)
            }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else { throw failure(path, "give the socket to group \(group)") }
        }
        guard chmod(path, mode_t(policy.socketMode)) == 0 else { throw failure(path, "chmod") }
        if policy.socketMode != 0o600 {
            guard stat(queue.root, &info) == 0 else { throw failure(queue.root, "stat") }
            if info.st_mode & 0o011 != 0o011, chmod(queue.root, (info.st_mode & 0o7777) | 0o711) != 0 {
                throw failure(queue.root, "make the queue directory traversable (0711)")
            }
        }
        guard listen(descriptor, 128) == 0 else { throw failure(path, "listen") }
        return socket
    }

    private static func failure(_ path: String, _ operation: String) -> SubmissionError {
        let code = errno
        return SubmissionError("\(path): \(operation): \(String(cString: strerror(code)))", exitStatus: code == ENOSPC ? .ioError : .cannotCreate)
    }
}
