#if canImport(Glibc)
    import Glibc
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OwnerReportCore
import OwnerReportSockets
import OwnerReportSubmission
import Synchronization

/// The intake's HTTP server: swift-nio parses HTTP/1.1 on connections the project's own accept loop
/// takes from its listening sockets (bound here, or handed over by systemd), so that a Unix socket's
/// peer uid is read (SO_PEERCRED) before NIO owns the connection. At most `max_connections` are
/// served at once; each is closed at `request_timeout` whatever the client does, so a slow or silent
/// client cannot hold the server; one request per connection (`Connection: close`).
public final class IntakeHTTPServer: @unchecked Sendable {
    private let sockets: [ListeningSocket]
    private let service: IntakeService
    private let policy: IntakePolicy
    private let logger: Logger
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// Handling blocks on fsync: it runs here, off the event loop.
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let connections = Atomic<Int>(0)
    private var loop: AcceptLoop?

    public init(sockets: [ListeningSocket], service: IntakeService, policy: IntakePolicy, logger: Logger) {
        self.sockets = sockets
        self.service = service
        self.policy = policy
        self.logger = logger
    }

    public func start() {
        pool.start()
        let loop = AcceptLoop(sockets: sockets, name: "owner-report intake") { [self] descriptor, socket in
            admit(descriptor, unixDomain: socket.isUnixDomain)
        }
        loop.start()
        self.loop = loop
    }

    /// Stops accepting, lets the requests under way finish (each within its timeout), and shuts down.
    public func stop() {
        loop?.stop()
        loop = nil
        let deadline = ContinuousClock.now + policy.requestTimeout + .seconds(1)
        while connections.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline { usleep(10_000) }
        try? group.syncShutdownGracefully()
        try? pool.syncShutdownGracefully()
    }

    private func admit(_ descriptor: Int32, unixDomain: Bool) {
        guard connections.add(1, ordering: .relaxed).newValue <= policy.maxConnections else {
            // Closed at once: the client sees a reset and retries; the others are not held up.
            connections.subtract(1, ordering: .relaxed)
            close(descriptor)
            return
        }
        var peer = IntakeRequest.Peer.tcp
        if unixDomain, let credentials = PeerIdentity.credentials(of: descriptor) {
            peer = .unix(uid: credentials.uid, pid: credentials.pid)
        }
        let (service, pool, policy) = (self.service, self.pool, self.policy)
        ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        IntakeChannelHandler(peer: peer, service: service, pool: pool, policy: policy))
                }
            }
            .withConnectedSocket(descriptor)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    channel.closeFuture.whenComplete { [self] _ in connections.subtract(1, ordering: .relaxed) }
                case .failure(let error):
                    connections.subtract(1, ordering: .relaxed)
                    logger.info("connection not served", metadata: ["error": "\(error)"])
                }
            }
    }
}

/// Reads one request whole (refusing with 413 past the size limit), has the service answer it off the
/// event loop, writes the answer and closes.
final class IntakeChannelHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let peer: IntakeRequest.Peer
    private let service: IntakeService
    private let pool: NIOThreadPool
    private let policy: IntakePolicy
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Set once an answer is on its way: whatever else arrives is ignored.
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(peer: IntakeRequest.Peer, service: IntakeService, pool: NIOThreadPool, policy: IntakePolicy) {
        self.peer = peer
        self.service = service
        self.pool = pool
        self.policy = policy
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(policy.requestTimeout.seconds * 1e9))) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init),
                length > policy.maxRequestBytes
            {
                respond(
                    .error(
                        413, "the body is \(length) bytes, over intake.max_request_bytes = \(policy.maxRequestBytes)"),
                    context: context)
            }
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= policy.maxRequestBytes else {
                respond(
                    .error(413, "the body is over intake.max_request_bytes = \(policy.maxRequestBytes)"),
                    context: context)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            answered = true
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let path = String(head.uri.prefix { $0 != "?" })
            let request = IntakeRequest(
                method: head.method.rawValue, path: path, headers: headers, body: body, peer: peer)
            let service = self.service
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            pool.runIfActive(eventLoop: context.eventLoop) { service.handle(request) }.whenComplete { result in
                let (handler, context) = bound.value
                handler.write((try? result.get()) ?? .error(503, "the intake is shutting down"), context: context)
            }
        }
    }

    private func respond(_ response: IntakeResponse, context: ChannelHandlerContext) {
        answered = true
        write(response, context: context)
    }

    private func write(_ response: IntakeResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
