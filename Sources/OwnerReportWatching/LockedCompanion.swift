/// Something the `--follow` daemon runs only while it holds the delivery lock, started once the lock
/// is taken and stopped before it is let go: two daemons never serve the same socket.
public protocol LockedCompanion: AnyObject {
    func start() throws
    func stop()
}
