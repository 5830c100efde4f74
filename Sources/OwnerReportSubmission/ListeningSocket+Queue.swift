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
    public static func bind(queue: QueueDirectory, policy: SubmitPolicy) throws(SocketError) -> ListeningSocket {
        let path = queue.submitSocket
        let socket = try bind(unix: path, mode: 0o600)
        if let group = policy.group {
            guard let entry = getgrnam(group) else {
                throw SubmissionError(
                    "submit.group: no group named '\(group)' on this host", exitStatus: .configuration)
            }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw failure(path, "give the socket to group \(group)")
            }
        }
        guard chmod(path, mode_t(policy.socketMode)) == 0 else { throw failure(path, "chmod") }
        if policy.socketMode != 0o600 {
            var info = stat()
            guard stat(queue.root, &info) == 0 else { throw failure(queue.root, "stat") }
            if info.st_mode & 0o011 != 0o011, chmod(queue.root, (info.st_mode & 0o7777) | 0o711) != 0 {
                throw failure(queue.root, "make the queue directory traversable (0711)")
            }
        }
        return socket
    }

}
