#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// A `sockaddr_un` for a file-system path, which must fit its 108 bytes.
public struct UnixAddress {
    private var storage = sockaddr_un()

    public init(_ path: String) throws(SystemError) {
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard bytes.count < capacity, !bytes.contains(0) else {
            throw SystemError(
                path: path, operation: "bind", reason: "a socket path must be shorter than \(capacity) bytes",
                exitStatus: .usage)
        }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
    }

    /// Calls `body` with the address as the system calls take it.
    public mutating func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
