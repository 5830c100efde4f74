import Foundation

/// Debian's PostgreSQL server, started by a test in a temporary directory on 127.0.0.1 and removed
/// with everything in it when released. initdb refuses to run as root, so as root the server runs as
/// `nobody` (setpriv); otherwise as the test's own user.
public final class PostgresServer: @unchecked Sendable {
    /// The password of the `fleet` role (scram-sha-256): tests check it is never printed.
    public static let password = "pg-fleet-pass-7c41e9"
    public let port: Int
    private var directory: TemporaryDirectory?
    private let process: Process
    /// Where the cluster lives (removed by `shutDown()` or when the server is released).
    public let path: String

    /// `/usr/lib/postgresql/<newest>/bin`, where Debian's `postgresql` package puts initdb and postgres.
    public static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }
            .sorted()
        guard let newest = versions.last else { return nil }
        let bin = "\(root)/\(newest)/bin"
        return FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") ? bin : nil
    }

    /// Why the server cannot be started here, or nil when it can.
    public static var unavailableReason: String? {
        if binDirectory == nil { return "Debian's postgresql is not installed (make test-deps installs it)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") {
            return "psql (postgresql-client) is not installed"
        }
        return nil
    }

    /// A libpq connection string with the password: what `[fleet] database_env` is given.
    public var connectionString: String {
        "host=127.0.0.1 port=\(port) user=fleet dbname=fleet password=\(Self.password)"
    }

    public init() throws {
        guard let bin = Self.binDirectory else { throw TestSetupError(Self.unavailableReason ?? "no postgresql") }
        let directory = TemporaryDirectory("owner-report-pg")
        self.directory = directory
        path = directory.path
        let asNobody = geteuid() == 0
        var prefix: [String] = []
        if asNobody {
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
            _ = try runTool(["chown", "nobody:nogroup", directory.path])
        }
        let passwordFile = try directory.write("password", Self.password + "\n")
        if asNobody { _ = try runTool(["chown", "nobody:nogroup", passwordFile]) }
        let made = try runTool(
            prefix + [
                "\(bin)/initdb", "-D", directory.appending("data"), "-U", "fleet", "--auth=scram-sha-256",
                "--pwfile=\(passwordFile)", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ])
        guard made.status == 0 else { throw TestSetupError("initdb failed: \(made.output)") }
        port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            prefix + [
                "\(bin)/postgres", "-D", directory.appending("data"), "-c", "listen_addresses=127.0.0.1", "-p",
                String(port),
                "-c", "unix_socket_directories=\(directory.path)", "-c", "fsync=off", "-c", "max_connections=40",
            ]
        let log = FileHandle(forWritingAtPath: try directory.write("server.log", "")) ?? FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while true {
            if let ready = try? psql("SELECT 1", database: "postgres"), ready == "1" { break }
            guard process.isRunning, Date() < deadline else {
                let text = (try? String(contentsOfFile: directory.appending("server.log"), encoding: .utf8)) ?? ""
                stop()
                throw TestSetupError("postgres did not start: \(text.suffix(600))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        _ = try psql("CREATE DATABASE fleet", database: "postgres")
    }

    /// Runs SQL with psql (unaligned, tuples only) and returns what it printed; throws when psql fails.
    @discardableResult
    public func psql(_ sql: String, database: String = "fleet") throws -> String {
        let result = try runTool(
            [
                "psql", "postgresql://fleet@127.0.0.1:\(port)/\(database)", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c",
                sql,
            ],
            environment: ["PGPASSWORD": Self.password, "PGCONNECT_TIMEOUT": "5"])
        guard result.status == 0 else { throw TestSetupError("psql: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server (fast shutdown) and removes its directory: nothing is left behind.
    public func shutDown() {
        stop()
        directory = nil
    }

    private func stop() {
        guard process.isRunning else { return }
        // SIGINT is PostgreSQL's fast shutdown: it ends its backends and exits.
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
