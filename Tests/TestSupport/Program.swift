import Foundation

/// One of the project's executables, run as a real process the way an operator or cron would.
public struct Program: Sendable {
    public let name: String

    public static let producer = Program(name: "owner-report-producer")
    public static let driver = Program(name: "owner-report-driver")
    public static let watchdog = Program(name: "owner-report-watchdog")
    public static let archiver = Program(name: "owner-report-archiver")
    public static let intake = Program(name: "owner-report-intake")

    /// The one program itself, `owner-report PROGRAM …`.
    public static let dispatcher = Program(name: "owner-report")

    /// The built executable: `$OWNER_REPORT_BIN_DIR/<name>`, else beside the test bundle, else `.build/debug/`.
    /// `swift build` makes `owner-report` alone; the link under this program's name is made beside it
    /// the first time it is needed, as `make build` and `make install` make theirs.
    public var path: String {
        if let directory = ProcessInfo.processInfo.environment["OWNER_REPORT_BIN_DIR"] { return "\(directory)/\(name)" }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        var directory = bundleDirectory
        if !FileManager.default.isExecutableFile(atPath: "\(directory)/owner-report") {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            directory = root.appendingPathComponent(".build/debug").path
        }
        let path = "\(directory)/\(name)"
        if name != "owner-report", !FileManager.default.fileExists(atPath: path) {
            // Made under a name of its own, then renamed into place: tests run in parallel.
            let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0 ... .max)).link"
            if symlink("owner-report", temporary) == 0, rename(temporary, path) != 0 { unlink(temporary) }
        }
        return path
    }

    /// What a finished run printed and how it exited.
    public struct Outcome: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// Runs the program to completion with `arguments`, extra `environment` and optional standard input.
    public func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> Outcome {
        let process = try start(arguments, environment: environment, input: input)
        return process.wait()
    }

    /// Starts the program in the background.
    public func start(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws
        -> RunningProgram
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        // A test must not pick up the developer's own queue or config.
        for key in merged.keys where key.hasPrefix("OWNER_REPORT_") && key != "OWNER_REPORT_BIN_DIR" {
            merged[key] = nil
        }
        merged["HOME"] = NSTemporaryDirectory() + "/owner-report-no-home"
        merged["XDG_STATE_HOME"] = nil
        // Loopback test servers must be reached directly, whatever proxy the machine has.
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            merged[key] = nil
        }
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        return try RunningProgram.launch(process, input: input)
    }
}

/// A program started in the background; read its output when it ends.
public final class RunningProgram: @unchecked Sendable {
    public let process: Process
    private let stdoutData: PipeCollector
    private let stderrData: PipeCollector

    init(process: Process, stdout: Pipe, stderr: Pipe) {
        self.process = process
        self.stdoutData = PipeCollector(stdout)
        self.stderrData = PipeCollector(stderr)
    }

    /// Starts `process` with its output collected and `input` (if any) on its standard input, then closed.
    public static func launch(_ process: Process, input: Data?) throws -> RunningProgram {
        let (stdout, stderr, stdin) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        let running = RunningProgram(process: process, stdout: stdout, stderr: stderr)
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        return running
    }

    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal (SIGKILL for crash tests, SIGTERM for clean shutdown).
    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// SIGKILL to the program and to the processes it started: a crashed program's backtracer
    /// (swift-backtrace) holds its standard output and error, and `wait` reads them to the end.
    public func killWithChildren() {
        let parent = process.processIdentifier
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap {
            name -> Int32? in
            guard let child = Int32(name),
                let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After "pid (comm)": the state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? child : nil
        }
        kill(parent, SIGKILL)
        for child in children { kill(child, SIGKILL) }
    }

    /// Waits for the end and returns what it printed.
    public func wait() -> Program.Outcome {
        process.waitUntilExit()
        return Program.Outcome(status: process.terminationStatus, stdout: stdoutData.text(), stderr: stderrData.text())
    }
}

/// Drains a pipe on a background thread so a chatty child never blocks on a full pipe.
final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            let all = handle.readDataToEndOfFile()
            lock.lock()
            data = all
            lock.unlock()
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        done.signal()
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
