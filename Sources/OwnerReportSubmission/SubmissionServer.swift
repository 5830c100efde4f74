#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import Synchronization

/// Serves the submit socket: each connection on its own thread within a deadline, at most
/// `maxConnections` at once and `maxConnectionsPerUser` per uid, so a slow or flooding submitter can
/// neither hold the socket nor starve the others. Reports go through the desk one at a time.
public final class SubmissionServer: @unchecked Sendable {
    private let socket: ListeningSocket
    private let desk: SubmissionDesk
    private let logger: Logger
    /// How long one connection may take from accept to reply, whatever the peer does.
    let connectionDeadline: Duration
    static let maxConnections = 16
    static let maxConnectionsPerUser = 4

    private let deskLock = NSLock()
    private let open = Mutex<[UInt32: Int]>([:])
    private let stopping = Atomic<Bool>(false)
    private var acceptThread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    /// A pipe whose read end wakes the accept loop to stop: it blocks in poll(2) with no timeout, so an
    /// idle daemon uses no CPU.
    private let wake: (read: Int32, write: Int32)

    public init(socket: ListeningSocket, desk: SubmissionDesk, logger: Logger, connectionDeadline: Duration = .seconds(30)) {
        self.socket = socket
        self.desk = desk
        self.logger = logger
        self.connectionDeadline = connectionDeadline
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        wake = (ends[0], ends[1])
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    /// Starts accepting on a thread of its own.
    public func start() {
        let thread = Thread { [self] in
            acceptLoop()
            finished.signal()
        }
        thread.name = "owner-report submit"
        thread.start()
        acceptThread = thread
    }

    /// Stops accepting and waits for the connections under way (each ends by its deadline).
    public func stop() {
        guard acceptThread != nil else { return }
        stopping.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        finished.wait()
        while open.withLock({ !$0.isEmpty }) { usleep(10_000) }
        acceptThread = nil
    }

    private func acceptLoop() {
        logger.info("accepting submissions", metadata: ["socket": "\(socket.boundPath ?? "from systemd")"])
        while !stopping.load(ordering: .relaxed) {
            var pollers = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            // Without a wake pipe (pipe(2) failed) the loop looks at `stopping` every second instead.
            guard poll(&pollers, 2, wake.read < 0 ? 1000 : -1) > 0, pollers[1].revents == 0, pollers[0].revents != 0 else { continue }
            let descriptor = accept(socket.descriptor, nil, nil)
            guard descriptor >= 0 else { continue }
            // accept4 is hidden behind _GNU_SOURCE; nothing is spawned between these two calls.
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            let connection = SocketConnection(descriptor: descriptor, name: "submit.sock", timeout: connectionDeadline)
            guard let peer = connection.peerCredentials() else { continue }
            let admitted = open.withLock { counts -> Bool in
                let total = counts.values.reduce(0, +)
                guard total < Self.maxConnections, counts[peer.uid, default: 0] < Self.maxConnectionsPerUser else { return false }
                counts[peer.uid, default: 0] += 1
                return true
            }
            guard admitted else {
                // Answered at once, never queued behind the others: the submitter retries later.
                let busy = SubmissionError("too many submissions at once; try again in a moment", exitStatus: .temporaryFailure)
                connection.deadline = .now + .milliseconds(100)
                try? connection.writeAll(SubmissionWire.reply(.failure(busy)), doing: "reply")
                continue
            }
            Thread.detachNewThread { [self] in
                serve(connection, uid: peer.uid, pid: peer.pid)
                open.withLock { counts in
                    counts[peer.uid, default: 1] -= 1
                    if counts[peer.uid] == 0 { counts[peer.uid] = nil }
                }
            }
        }
    }

    private func serve(_ connection: SocketConnection, uid: UInt32, pid: Int32) {
        let submitter = PeerIdentity.submitter(uid: uid, pid: pid)
        let outcome: Result<String, SubmissionError>
        do throws(SubmissionError) {
            let (format, count) = try SubmissionWire.parseHeader(connection.readLine(limit: SubmissionWire.longestLine, doing: "read the request"))
            let limit = desk.configuration.delivery.maxReportBytes
            guard count <= limit else {
                throw SubmissionError("the report is \(count) bytes, over delivery.max_report_bytes = \(limit)", exitStatus: .dataError)
            }
            let bytes = try connection.readExactly(count, doing: "read the report")
            deskLock.lock()
            defer { deskLock.unlock() }
            let id = try desk.accept(bytes, format: format, from: submitter)
            logger.info("submission enqueued", metadata: ["report.id": "\(id)", "submitter": "\(submitter.description)"])
            outcome = .success(id)
        } catch {
            logger.info("submission refused", metadata: ["submitter": "\(submitter.description)", "reason": "\(error.message)"])
            outcome = .failure(error)
        }
        try? connection.writeAll(SubmissionWire.reply(outcome), doing: "reply")
    }
}
