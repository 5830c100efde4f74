#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore
import OwnerReportSockets

extension ListeningSocket {
    /// Binds and listens on `queue`'s `submit.sock` with the policy's mode and group.
    ///
    /// Called by the holder of the delivery lock only, so a socket file already there is a dead
    /// daemon's and is replaced. When others may connect, the queue directory is made 0711:
    /// traversable to reach the socket, not listable, and every directory inside stays 0700.
    public static func bind(queue: QueueDirectory, policy: SubmitPolicy) throws(SystemError) -> ListeningSocket {
        let path = queue.submitSocket
        let socket = try bind(unix: path, mode: 0o600)
        if let group = policy.group {
            guard let entry = getgrnam(group) else {
                throw SystemError(
                    path: path, operation: "give the socket to group \(group)",
                    reason: "submit.group: no group named '\(group)' on this host", exitStatus: .configuration)
            }
            try syscall("give the socket to group \(group)", path: path) {
                chown(path, uid_t.max, entry.pointee.gr_gid)
            }
        }
        try syscall("chmod", path: path) { chmod(path, mode_t(policy.socketMode)) }
        if policy.socketMode != 0o600 {
            var info = stat()
            try syscall("stat", path: queue.root) { stat(queue.root, &info) }
            if info.st_mode & 0o011 != 0o011 {
                try syscall("make the queue directory traversable (0711)", path: queue.root) {
                    chmod(queue.root, (info.st_mode & 0o7777) | 0o711)
                }
            }
        }
        return socket
    }

}
