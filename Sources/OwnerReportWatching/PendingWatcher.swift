#if canImport(Glibc)
    import Glibc
#endif
internal import CInotifyTools
import OwnerReportCore

/// What an inotify wake-up says about pending/: only ever a hint to scan again.
public enum PendingChange: Sendable, Equatable {
    /// A name appeared or was written (IN_CREATE for a producer's link, IN_MOVED_TO for a rename,
    /// IN_CLOSE_WRITE for a file copied in by hand).
    case arrived(String)
    /// The kernel's event queue overflowed: events were lost, so everything must be scanned.
    case overflow
    /// pending/ itself was removed or moved away: the watch is gone and must be set again.
    case watchLost
}

/// Watches pending/ through libinotifytools.
///
/// libinotifytools keeps its state in globals, so one watcher exists per process and only the
/// thread that made it may use it.
public final class PendingWatcher {
    public let directory: String
    private static let events = Int32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF)

    /// Initialises libinotifytools (`inotifytools_initialize`) and sets the watch.
    public init(directory: String) throws(SystemError) {
        self.directory = directory
        guard inotifytools_initialize() != 0 else {
            throw SystemError(path: directory, errno: inotifytools_error(), operation: "inotify init")
        }
        try watch()
    }

    deinit { inotifytools_cleanup() }

    /// Sets the watch on the directory again (after `watchLost`); throws while it does not exist.
    public func watch() throws(SystemError) {
        _ = inotifytools_remove_watch_by_filename(directory)
        guard inotifytools_watch_file(directory, Self.events) != 0 else {
            throw SystemError(path: directory, errno: inotifytools_error(), operation: "inotify watch")
        }
    }

    /// Waits up to `timeout` whole seconds for the next change (`inotifytools_next_event`, where 0
    /// means without end); nil when none came or a signal interrupted the wait.
    public func next(timeout seconds: Int) -> PendingChange? {
        while true {
            guard let event = inotifytools_next_event(seconds) else { return nil }
            let mask = Int32(bitPattern: event.pointee.mask)
            if mask & Int32(IN_Q_OVERFLOW) != 0 { return .overflow }
            if mask & Int32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 { return .watchLost }
            let name = String(cString: CInotifyTools_event_name(event))
            if !name.isEmpty { return .arrived(name) }
        }
    }
}
