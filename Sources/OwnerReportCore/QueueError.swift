#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed operation on a file of the queue: which file, what was being done, and the errno.
public struct QueueError: OperatorFacingError, Equatable {
    /// The file or directory the operation was about.
    public var path: String
    /// The errno the system call set, or 0 when the failure is not a system call's.
    public var errno: Int32
    /// What was being done, in a few words ("open", "rename into pending/").
    public var operation: String

    public init(path: String, errno: Int32, operation: String) {
        self.path = path
        self.errno = errno
        self.operation = operation
    }

    public var description: String {
        let reason = errno == 0 ? "failed" : String(cString: strerror(errno))
        return "\(path): \(operation): \(reason)"
    }

    public var exitStatus: ExitStatus {
        switch errno {
        case ENOENT: .noInput
        case EEXIST, EACCES, EPERM, EROFS: .cannotCreate
        default: .ioError
        }
    }

}
