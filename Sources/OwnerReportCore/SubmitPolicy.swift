/// Who may submit reports into a queue they do not own, and how much (`[submit]` in the config).
///
/// Other users' jobs submit through the queue's Unix socket `submit.sock`, served by
/// `owner-report-driver --follow`; the socket's mode and group decide who may connect.
public struct SubmitPolicy: Sendable, Equatable {
    /// Whether the daemon binds `submit.sock` itself (under systemd the socket unit does, and this is not needed).
    public var enabled = false
    /// The group whose members may submit (socket mode 0660); nil with `everyone` false means only the owner.
    public var group: String?
    /// Every local user may submit (socket mode 0666).
    public var everyone = false
    /// Reports one submitting user may have waiting in pending/ at once; more are refused with exit 75.
    public var maxPendingPerUser = 100
    /// Submitted reports (of all users together) that may wait in pending/ at once: the most that a
    /// flood of submissions can put ahead of the owner's own next report.
    public var maxPending = 1000

    public init() {}

    /// The socket's permission bits.
    public var socketMode: UInt32 { everyone ? 0o666 : group != nil ? 0o660 : 0o600 }
}
