#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore
import OwnerReportSockets

/// One connected Unix stream socket, read and written within a deadline; closed when released.
final class SocketConnection: @unchecked Sendable {  // used by one thread at a time: handed over, never shared
    let descriptor: Int32
    /// Where it leads, for error messages.
    let name: String
    /// No read or write may end later than this: a peer that trickles bytes cannot hold a thread longer.
    var deadline: ContinuousClock.Instant
    private var buffered: [UInt8] = []

    init(descriptor: Int32, name: String, timeout: Duration) {
        self.descriptor = descriptor
        self.name = name
        self.deadline = .now + timeout
    }

    deinit { close(descriptor) }

    /// Connects to the socket at `path`.
    static func connect(to path: String, timeout: Duration) throws(SubmissionError) -> SocketConnection {
        do throws(SystemError) {
            var address = try UnixAddress(path)
            let fd = try syscall("socket", path: path) {
                socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            }
            let connection = SocketConnection(descriptor: fd, name: path, timeout: timeout)
            try syscall("connect", path: path) { address.withSockaddr { Glibc.connect(fd, $0, $1) } }
            return connection
        } catch  where error.operation == "connect" {
            // What a refused connection means to the one submitting, and what to do about it.
            switch error.errno {
            case EACCES, EPERM:
                throw SubmissionError(
                    "\(error) (ask the operator to add you to the queue's submit group)", exitStatus: .cannotCreate)
            case ENOENT, ECONNREFUSED:
                throw SubmissionError(
                    "\(error) (is owner-report-driver --follow or its socket unit running?)", exitStatus: .unavailable)
            default: throw SubmissionError(error)
            }
        } catch {
            throw SubmissionError(error)
        }
    }

    /// The kernel's word on who is at the other end (see `PeerIdentity.credentials(of:)`).
    func peerCredentials() -> (pid: Int32, uid: UInt32, gid: UInt32)? {
        PeerIdentity.credentials(of: descriptor)
    }

    /// Waits until the socket is ready for `events` or the deadline passes.
    private func wait(for events: Int16, doing operation: String) throws(SubmissionError) {
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw SubmissionError("\(name): \(operation): timed out", exitStatus: .temporaryFailure)
            }
            var poller = pollfd(fd: descriptor, events: events, revents: 0)
            let milliseconds = Int32(min(remaining.seconds * 1000 + 1, 60_000))
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw SubmissionError(SystemError(path: name, errno: errno, operation: operation))
            }
        }
    }

    /// Reads up to `count` more bytes; an empty result means the peer closed its side.
    private func readSome(_ count: Int, doing operation: String) throws(SubmissionError) -> [UInt8] {
        try wait(for: Int16(POLLIN), doing: operation)
        var chunk = [UInt8](repeating: 0, count: count)
        let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, count, Int32(MSG_DONTWAIT)) }
        if got < 0 {
            if errno == EAGAIN || errno == EINTR { return try readSome(count, doing: operation) }
            throw SubmissionError(SystemError(path: name, errno: errno, operation: operation))
        }
        return Array(chunk[..<got])
    }

    /// One line without its `\n`, at most `limit` bytes long.
    func readLine(limit: Int, doing operation: String) throws(SubmissionError) -> String {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            guard buffered.count <= limit else {
                throw SubmissionError("\(name): \(operation): a line longer than \(limit) bytes", exitStatus: .usage)
            }
            let chunk = try readSome(4096, doing: operation)
            guard !chunk.isEmpty else {
                throw SubmissionError(
                    "\(name): \(operation): the other side closed the connection", exitStatus: .ioError)
            }
            buffered += chunk
        }
    }

    /// Exactly `count` bytes.
    func readExactly(_ count: Int, doing operation: String) throws(SubmissionError) -> [UInt8] {
        while buffered.count < count {
            let chunk = try readSome(min(65_536, count - buffered.count), doing: operation)
            guard !chunk.isEmpty else {
                throw SubmissionError(
                    "\(name): \(operation): the other side closed after \(buffered.count) of \(count) bytes",
                    exitStatus: .dataError)
            }
            buffered += chunk
        }
        let bytes = Array(buffered[..<count])
        buffered.removeFirst(count)
        return bytes
    }

    /// Writes all of `bytes`; a peer that went away is an error, never a SIGPIPE.
    func writeAll(_ bytes: [UInt8], doing operation: String) throws(SubmissionError) {
        var written = 0
        while written < bytes.count {
            try wait(for: Int16(POLLOUT), doing: operation)
            let count = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map {
                    send(descriptor, $0 + written, bytes.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                } ?? 0
            }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw SubmissionError(SystemError(path: name, errno: errno, operation: operation))
            }
            written += count
        }
    }
}
