/// When the watchdog calls the chain broken, and how often it reminds (`[watchdog]` in the config).
public struct WatchdogPolicy: Sendable, Equatable {
    /// A pending report older than this means reports are not getting out.
    public var maxPendingAge: Duration = .seconds(15 * 60)
    /// A daemon heartbeat older than this, with no daemon holding the lock, means the daemon died.
    public var heartbeatMaxAge: Duration = .seconds(3 * 60)
    /// An alert still standing is sent again after this long.
    public var reminderInterval: Duration = .seconds(3600)
    /// Where the Prometheus textfile goes (`metrics_path`); nil means `state/metrics.prom` in the queue.
    /// Debian's node_exporter reads `/var/lib/prometheus/node-exporter/*.prom`.
    public var metricsPath: String?

    public init() {}
}
