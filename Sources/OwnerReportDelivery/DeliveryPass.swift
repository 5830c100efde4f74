import Logging
import OwnerReportCore
import OwnerReportLedger

/// One pass of the engine as the driver's `--once` and the watchdog's drain run it: the delivery lock
/// (none for a dry run, which changes nothing), then `DeliveryRun` over what is due, the lock held
/// until it ends. The `--follow` daemon holds the lock for its whole life instead, and keeps one engine.
public enum DeliveryPass {
    public enum Outcome {
        /// The pass ran: what it did.
        case ran(DeliverySummary)
        /// Another process holds the delivery lock: nothing was done.
        case locked
    }

    /// Runs one pass with `ledger` (nil only for a dry run on a queue without one). `prepare` runs
    /// first, told whether the lock is held (false for a dry run): the driver's recovery of `tmp/`.
    public static func run(
        queue: QueueDirectory, configuration: Configuration, ledger: Ledger?, transports: [String: Transport],
        secrets: SecretResolver, options: DeliveryRun.Options, logger: Logger, prepare: (Bool) throws -> Void = { _ in }
    ) throws -> Outcome {
        var lock: FileLock?
        if !options.dryRun {
            lock = try FileLock.acquire(at: queue.lockPath, wait: false)
            if lock == nil { return .locked }
        }
        try withExtendedLifetime(lock) { try prepare(lock != nil) }
        let run = DeliveryRun(
            queue: queue, configuration: configuration, ledger: ledger, transports: transports, secrets: secrets,
            options: options, logger: logger)
        return .ran(try withExtendedLifetime(lock) { try run.run() })
    }
}
