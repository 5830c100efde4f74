#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a system call that returns -1 and sets errno on failure, retrying when a signal interrupted it.
///
/// Every system call in the project goes through here, so EINTR is handled in one place and every
/// failure becomes a `SystemError` naming the file and the operation.
@discardableResult
public func syscall<Result: BinaryInteger>(
    _ operation: String, path: String, _ call: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(path: path, errno: code, operation: operation)
    }
}
