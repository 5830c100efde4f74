#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// Set by SIGTERM or SIGINT; long-running loops look at it between steps and finish cleanly.
public enum StopSignal {
    private static let raised = Atomic<Int32>(0)

    /// Installs the handlers and unblocks both signals (a parent may have left them blocked). The
    /// handler only stores the signal number: async-signal-safe.
    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT] {
            sigaddset(&set, number)
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in StopSignal.raised.store(number, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: a blocking read returns EINTR and the loop looks at once
            sigaction(number, &action, nil)
        }
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// The signal that asked to stop, or nil.
    public static var received: Int32? {
        let number = raised.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }
}
