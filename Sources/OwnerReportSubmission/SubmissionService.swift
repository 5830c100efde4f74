import Logging
import OwnerReportCore
import OwnerReportLedger
import OwnerReportSockets

/// The submit socket as the daemon runs it: systemd's socket when the socket unit passed one, else
/// `submit.sock` bound by the daemon when `[submit] enabled = true`; served only while the daemon
/// holds the delivery lock.
public final class SubmissionService {
    private let queue: QueueDirectory
    private let configuration: Configuration
    private let logger: Logger
    private var inherited: ListeningSocket?
    private var server: SubmissionServer?

    /// Takes systemd's socket now, before anything else could see the variables that pass it.
    public init(queue: QueueDirectory, configuration: Configuration, environment: [String: String], logger: Logger) {
        self.queue = queue
        self.configuration = configuration
        self.logger = logger
        inherited = ListeningSocket.fromSystemd(environment: environment)
    }

    /// Whether there is a socket to serve at all.
    public var isWanted: Bool { inherited != nil || configuration.submit.enabled }

    /// Binds (unless systemd did) and starts serving.
    public func start() throws {
        guard isWanted, server == nil else { return }
        let socket = try inherited ?? ListeningSocket.bind(queue: queue, policy: configuration.submit)
        inherited = nil
        let desk = SubmissionDesk(queue: queue, configuration: configuration, ledger: try Ledger(queue: queue))
        let server = SubmissionServer(socket: socket, desk: desk, logger: logger)
        server.start()
        self.server = server
    }

    /// Stops accepting; submissions under way finish first.
    public func stop() {
        server?.stop()
        server = nil
    }
}
