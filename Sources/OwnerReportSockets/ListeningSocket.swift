#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore

/// A socket a daemon listens on (the submit socket, the intake's): handed over by systemd's socket
/// unit, or bound here.
public final class ListeningSocket: @unchecked Sendable {
    public let descriptor: Int32
    /// The socket's path, when this process bound it (and so removes it when done).
    public let boundPath: String?

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
        allFromSystemd(environment: environment).first
    }

    /// Every socket systemd passed: descriptors 3 to 3 + `LISTEN_FDS` - 1.
    public static func allFromSystemd(environment: [String: String]) -> [ListeningSocket] {
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        else { return [] }
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        return (0..<Int32(count)).map { offset in
            _ = fcntl(3 + offset, F_SETFD, FD_CLOEXEC)
            return ListeningSocket(descriptor: 3 + offset, boundPath: nil)
        }
    }

    /// Whether connections on it come from this machine's processes, whose uid the kernel can tell.
    public var isUnixDomain: Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return result == 0 && Int32(storage.ss_family) == AF_UNIX
    }

    /// Binds and listens on a TCP `host:port` (`[::1]:port` for IPv6), with SO_REUSEADDR.
    public static func bind(tcp address: String) throws(SystemError) -> ListeningSocket {
        let host: String
        let port: String
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = String(address[address.index(after: address.startIndex)..<close])
            port = String(address[address.index(after: close)...].dropFirst())
        } else {
            host = String(address.prefix { $0 != ":" })
            port = String(address.drop { $0 != ":" }.dropFirst())
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &found) == 0, let first = found else {
            throw SystemError(
                path: address, operation: "listen", reason: "not an address this host can listen on", exitStatus: .usage
            )
        }
        defer { freeaddrinfo(found) }
        let descriptor = try syscall("socket", path: address) {
            socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        do throws(SystemError) {
            try syscall("bind", path: address) {
                Glibc.bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen)
            }
            try syscall("listen", path: address) { listen(descriptor, 512) }
        } catch {
            close(descriptor)
            throw error
        }
        return ListeningSocket(descriptor: descriptor, boundPath: nil)
    }

    /// Binds and listens on a Unix socket at `path` with `mode`, replacing a dead one left there.
    public static func bind(unix path: String, mode: mode_t) throws(SystemError) -> ListeningSocket {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SystemError(
                    path: path, operation: "bind", reason: "exists and is not a socket; move it away",
                    exitStatus: .cannotCreate)
            }
            unlink(path)
        }
        var address = try UnixAddress(path)
        let descriptor = try syscall("socket", path: path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        // Created 0600 whatever the umask, then widened: nobody can connect before the mode is right.
        let previous = umask(0o177)
        do throws(SystemError) {
            try syscall("bind", path: path) { address.withSockaddr { Glibc.bind(descriptor, $0, $1) } }
        } catch {
            umask(previous)
            close(descriptor)
            throw error
        }
        umask(previous)
        let listening = ListeningSocket(descriptor: descriptor, boundPath: path)
        try syscall("chmod", path: path) { chmod(path, mode) }
        try syscall("listen", path: path) { listen(descriptor, 512) }
        return listening
    }
}
