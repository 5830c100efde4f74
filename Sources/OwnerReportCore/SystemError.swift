#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call or operation on a file, socket or lock: what it was on, what was being done,
/// and the errno. The queue, the sockets and the locks all throw it (`syscall` makes it from errno).
///
/// A failure that is not a system call's (an address that does not parse, a socket path that is a
/// file) has errno 0, and then `reason` says what is wrong and `exitStatus` is given.
public struct SystemError: OperatorFacingError, Equatable {
    /// The file, directory, socket or address the operation was about.
    public var path: String
    /// The errno the system call set, or 0 when the failure is not a system call's.
    public var errno: Int32
    /// What was being done, in a few words ("open", "rename into pending/", "bind").
    public var operation: String
    /// What is wrong, in words, when it is not errno's.
    public var reason: String?
    private var givenStatus: ExitStatus?

    public init(path: String, errno: Int32, operation: String) {
        self.path = path
        self.errno = errno
        self.operation = operation
    }

    /// A failure in words (errno 0): `path: operation: reason`, with the exit status it means.
    public init(path: String, operation: String, reason: String, exitStatus: ExitStatus) {
        self.init(path: path, errno: 0, operation: operation)
        self.reason = reason
        givenStatus = exitStatus
    }

    public var description: String {
        let words = reason ?? (errno == 0 ? "failed" : String(cString: strerror(errno)))
        return "\(path): \(operation): \(words)"
    }

    public var exitStatus: ExitStatus {
        if let givenStatus { return givenStatus }
        switch errno {
        case ENOENT: return .noInput
        case EEXIST, EACCES, EPERM, EROFS, EADDRINUSE, EADDRNOTAVAIL: return .cannotCreate
        default: return .ioError
        }
    }
}
