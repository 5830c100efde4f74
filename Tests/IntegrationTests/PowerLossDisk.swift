import Foundation
import TestSupport

/// A disk that keeps only what was fsynced (`Tests/Servers/lazyfs.py`, a FUSE file system), and the
/// power cut: the file system's process ends between two requests, everything it held in memory is
/// gone, every program using it is killed, and the same store is mounted again as after a reboot.
final class PowerLossDisk: @unchecked Sendable {
    let directory = TemporaryDirectory()
    var mountpoint: String { directory.appending("disk") }
    private var store: String { directory.appending("store") }
    private var fileSystem: RunningProgram?
    private let lock = NSLock()
    /// How many times it was mounted.
    private var mounts = 0

    /// Debian's python3, which has python3-pyfuse3 (a python3 earlier on PATH may not).
    static let python = "/usr/bin/python3"

    /// Why the suite cannot run here, or nil when it can: mounting FUSE needs root and /dev/fuse.
    static var unavailable: String? {
        if getuid() != 0 { return "the power-loss suite mounts a FUSE file system, which needs root (CI runs as root)" }
        if access("/dev/fuse", R_OK | W_OK) != 0 { return "the power-loss suite needs /dev/fuse" }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import pyfuse3, trio"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "the power-loss suite needs \(python)" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
            ? nil : "the power-loss suite needs python3-pyfuse3 (make test-deps installs it)"
    }

    init() throws {
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        try mount()
    }

    deinit {
        if let fileSystem {
            fileSystem.signal(SIGTERM)
            _ = fileSystem.wait()
        }
        unmount()
    }

    private func mount() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [ServerProcess.script("lazyfs.py"), mountpoint, store]
        let running = try RunningProgram.launch(process, input: nil)
        lock.lock()
        fileSystem = running
        mounts += 1
        lock.unlock()
        guard eventually(timeout: .seconds(20), { Self.isMounted(self.mountpoint) }) else {
            running.signal(SIGKILL)
            throw TestSetupError("lazyfs.py did not mount \(mountpoint): \(running.wait())")
        }
    }

    static func isMounted(_ path: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains {
            $0.split(separator: " ").dropFirst().first.map(String.init) == path
        }
    }

    private func unmount() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", mountpoint]
        umount.standardError = FileHandle.nullDevice
        if (try? umount.run()) != nil { umount.waitUntilExit() }
    }

    /// The power goes: nothing more reaches the disk from this instant. With `mounted`, only if the
    /// disk has not been mounted again since.
    func cut(ifStill mounted: Int? = nil) {
        lock.lock()
        defer { lock.unlock() }
        guard let fileSystem, mounted == nil || mounted == mounts else { return }
        fileSystem.signal(SIGUSR1)
        // It ends between two requests; one that does not within seconds is killed (a cut all the same).
        if !eventually(timeout: .seconds(5), { !fileSystem.process.isRunning }) { fileSystem.signal(SIGKILL) }
        _ = fileSystem.wait()
        self.fileSystem = nil
    }

    /// Whether the power has gone since the last `reboot`.
    var isCut: Bool {
        lock.lock()
        defer { lock.unlock() }
        return fileSystem == nil
    }

    /// Cuts the power `after` a random moment in `range` (seconds), from another thread.
    func cut(atRandomWithin range: ClosedRange<Double>) {
        let delay = Double.random(in: range)
        let mounted = mounts
        // Only this mount's power: a cut that comes due after a reboot leaves the next mount alone.
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { self.cut(ifStill: mounted) }
    }

    /// Runs `work` (with 1, 2, 3…) again and again, at most `limit` times, until the power goes at a
    /// random moment in `range`; the step the cut falls in fails or is cut short, as on a machine.
    func work(untilACutWithin range: ClosedRange<Double>, atMost limit: Int, _ work: (Int) throws -> Void) rethrows {
        cut(atRandomWithin: range)
        var index = 0
        while !isCut && index < limit {
            index += 1
            try work(index)
        }
    }

    /// After a cut: every program still running is killed (as the machine stopped), and the disk is
    /// mounted again with what was durable.
    func reboot(killing programs: [RunningProgram] = []) throws {
        cut()
        for program in programs {
            // A program the cut made crash may have started its backtracer, which must go with it.
            program.killWithChildren()
            _ = program.wait()
        }
        unmount()
        try mount()
    }
}

/// How many power cuts a test makes: a few in `make test`, many in `make faults`.
func powerCutRounds(quick: Int, full: Int) -> Int {
    ProcessInfo.processInfo.environment["OWNER_REPORT_FAULTS"] == "full" ? full : quick
}
