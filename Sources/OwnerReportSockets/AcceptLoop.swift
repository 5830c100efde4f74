#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Synchronization

/// Accepts connections on listening sockets on a thread of its own. It blocks in poll(2) until a
/// connection arrives or `stop()` writes to its wake pipe, so an idle daemon uses no CPU.
public final class AcceptLoop: @unchecked Sendable {
    private let sockets: [ListeningSocket]
    private let name: String
    /// Called on the loop's thread with each accepted descriptor (close-on-exec, blocking) and the
    /// socket it came from; it owns the descriptor and must not block for long.
    private let accepted: (_ descriptor: Int32, _ socket: ListeningSocket) -> Void
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?
    private let wake: (read: Int32, write: Int32)

    public init(
        sockets: [ListeningSocket], name: String,
        accepted: @escaping (_ descriptor: Int32, _ socket: ListeningSocket) -> Void
    ) {
        self.sockets = sockets
        self.name = name
        self.accepted = accepted
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

    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = name
        thread.start()
        self.thread = thread
    }

    /// Stops accepting and returns once the loop has ended; connections already handed over go on.
    public func stop() {
        guard thread != nil else { return }
        stopping.store(true, ordering: .relaxed)
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        finished.wait()
        thread = nil
    }

    private func run() {
        var pollers = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        pollers.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0))
        while !stopping.load(ordering: .relaxed) {
            // Without a wake pipe (pipe(2) failed) the loop looks at `stopping` every second instead.
            guard poll(&pollers, nfds_t(pollers.count), wake.read < 0 ? 1000 : -1) > 0, pollers.last?.revents == 0
            else { continue }
            for (index, socket) in sockets.enumerated() where pollers[index].revents != 0 {
                let descriptor = accept(socket.descriptor, nil, nil)
                guard descriptor >= 0 else { continue }
                // accept4 is hidden behind _GNU_SOURCE; nothing is spawned between these two calls.
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                accepted(descriptor, socket)
            }
        }
    }
}
