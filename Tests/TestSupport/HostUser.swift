import Foundation

/// A real local user for the tests of what other users can and cannot do, made with `useradd` (root only).
public struct HostUser: Sendable {
    public let name: String
    public let uid: UInt32

    /// Whether the tests run as root, and so can create users and groups.
    public static var canCreate: Bool { geteuid() == 0 }

    /// The user `name` (made now if missing, with no home and no login shell), in `groups` (made if missing).
    public static func make(_ name: String, groups: [String] = []) throws -> HostUser {
        for group in groups { _ = try runTool(["groupadd", "-f", group]) }
        if getpwnam(name) == nil {
            let made = try runTool(["useradd", "-M", "-U", "-s", "/usr/sbin/nologin", name])
            guard made.status == 0 || getpwnam(name) != nil else {
                throw TestSetupError("useradd \(name): \(made.output)")
            }
        }
        if !groups.isEmpty { _ = try runTool(["usermod", "-a", "-G", groups.joined(separator: ","), name]) }
        guard let entry = getpwnam(name) else { throw TestSetupError("no user \(name) after useradd") }
        return HostUser(name: name, uid: entry.pointee.pw_uid)
    }

    /// Runs a command as this user, with its own groups and a clean environment plus `environment`.
    public func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws
        -> Program.Outcome
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=\(name)", "--regid=\(name)", "--init-groups", "--"] + arguments
        var merged = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"]
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        return try RunningProgram.launch(process, input: input).wait()
    }
}

/// A step of setting a test up that failed (a user not made, a server that did not answer).
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Program {
    /// A copy of the executable in `directory` that every user may run (the build tree may be private).
    public func publicCopy(in directory: String) throws -> String {
        // The one program, copied, and this program's name as a link to it, as an installation has them.
        let program = "\(directory)/owner-report"
        if !FileManager.default.fileExists(atPath: program) {
            let built = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            try FileManager.default.copyItem(atPath: built, toPath: program)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        }
        let copy = "\(directory)/\(name)"
        if name != "owner-report", (try? FileManager.default.destinationOfSymbolicLink(atPath: copy)) == nil {
            try FileManager.default.createSymbolicLink(atPath: copy, withDestinationPath: "owner-report")
        }
        return copy
    }
}
