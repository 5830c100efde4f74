import Foundation
import Testing
import TestSupport

/// The units in `systemd/` pass `systemd-analyze verify`, pointed at the built programs.
@Suite struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Copies a flavour's units with their program paths replaced by the built ones.
    static func stage(_ flavour: String, replacing prefix: String, in directory: TemporaryDirectory) throws -> [String] {
        let source = "\(repository)/systemd/\(flavour)"
        let binaries = URL(fileURLWithPath: Program.driver.path).deletingLastPathComponent().path
        return try FileManager.default.contentsOfDirectory(atPath: source).sorted().map { name in
            let text = try String(contentsOfFile: "\(source)/\(name)", encoding: .utf8).replacingOccurrences(of: prefix, with: "\(binaries)/")
            return try directory.write(name, text)
        }
    }

    static func verify(_ units: [String], user: Bool, runtime: String) throws -> (status: Int32, output: String) {
        try runTool(["systemd-analyze"] + (user ? ["--user"] : []) + ["verify"] + units, environment: ["XDG_RUNTIME_DIR": runtime])
    }

    @Test(arguments: [("system", "/usr/local/bin/"), ("user", "%h/.local/bin/")])
    func unitsPassSystemdAnalyzeVerify(flavour: String, prefix: String) throws {
        let directory = TemporaryDirectory()
        let units = try Self.stage(flavour, replacing: prefix, in: directory)
        #expect(units.count == 9, "driver, watchdog, daily, weekly and archiver: \(units)")
        let runtime = directory.appending("runtime")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let outcome = try Self.verify(units, user: flavour == "user", runtime: runtime)
        #expect(outcome.status == 0, "\(outcome.output)")
        // verify prints warnings without failing; a clean unit prints nothing about itself.
        let ownLines = outcome.output.split(separator: "\n").filter { $0.contains("owner-report") }
        #expect(ownLines.isEmpty, "\(ownLines)")
    }
}
