#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportSockets
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
    private var loop: AcceptLoop?

    public init(
        socket: ListeningSocket, desk: SubmissionDesk, logger: Logger, connectionDeadline: Duration = .seconds(30)
    ) {
        self.socket = socket
        self.desk = desk
        self.logger = logger
        self.connectionDeadline = connectionDeadline
    }

    /// Starts accepting on a thread of its own.
    public func start() {
        logger.info("accepting submissions", metadata: ["socket": "\(socket.boundPath ?? "from systemd")"])
        let loop = AcceptLoop(sockets: [socket], name: "owner-report submit") { [self] descriptor, _ in
            admit(descriptor)
        }
        loop.start()
        self.loop = loop
    }

    /// Stops accepting and waits for the connections under way (each ends by its deadline).
    public func stop() {
        loop?.stop()
        loop = nil
        while open.withLock({ !$0.isEmpty }) { usleep(10_000) }
    }

    private func admit(_ descriptor: Int32) {
        let connection = SocketConnection(descriptor: descriptor, name: "submit.sock", timeout: connectionDeadline)
        guard let peer = connection.peerCredentials() else { return }
        let admitted = open.withLock { counts -> Bool in
            let total = counts.values.reduce(0, +)
            guard total < Self.maxConnections, counts[peer.uid, default: 0] < Self.maxConnectionsPerUser else {
                return false
            }
            counts[peer.uid, default: 0] += 1
            return true
        }
        guard admitted else {
            // Answered at once, never queued behind the others: the submitter retries later.
            let busy = SubmissionError(
                "too many submissions at once; try again in a moment", exitStatus: .temporaryFailure)
            connection.deadline = .now + .milliseconds(100)
            try? connection.writeAll(SubmissionWire.reply(.failure(busy)), doing: "reply")
            return
        }
        Thread.detachNewThread { [self] in
            serve(connection, uid: peer.uid, pid: peer.pid)
            open.withLock { counts in
                counts[peer.uid, default: 1] -= 1
                if counts[peer.uid] == 0 { counts[peer.uid] = nil }
            }
        }
    }

    private func serve(_ connection: SocketConnection, uid: UInt32, pid: Int32) {
        let submitter = PeerIdentity.submitter(uid: uid, pid: pid)
        let outcome: Result<String, SubmissionError>
        do throws(SubmissionError) {
            let (format, count) = try SubmissionWire.parseHeader(
                connection.readLine(limit: SubmissionWire.longestLine, doing: "read the request"))
            let limit = desk.configuration.delivery.maxReportBytes
            guard count <= limit else {
                throw SubmissionError(
                    "the report is \(count) bytes, over delivery.max_report_bytes = \(limit)", exitStatus: .dataError)
            }
            let bytes = try connection.readExactly(count, doing: "read the report")
            deskLock.lock()
            defer { deskLock.unlock() }
            let id = try desk.accept(bytes, format: format, from: submitter).id
            logger.info(
                "submission enqueued", metadata: ["report.id": "\(id)", "submitter": "\(submitter.description)"])
            outcome = .success(id)
        } catch {
            logger.info(
                "submission refused", metadata: ["submitter": "\(submitter.description)", "reason": "\(error.message)"])
            outcome = .failure(error)
        }
        try? connection.writeAll(SubmissionWire.reply(outcome), doing: "reply")
    }
}
