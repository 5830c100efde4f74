import Foundation
import OwnerReportCore
import Testing
import TestSupport

/// The units in `systemd/` pass `systemd-analyze verify`, pointed at the built programs.
@Suite struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Copies a flavour's units with their program paths replaced by the built ones.
    static func stage(_ flavour: String, replacing prefix: String, in directory: TemporaryDirectory) throws -> [String]
    {
        let source = "\(repository)/systemd/\(flavour)"
        let binaries = URL(fileURLWithPath: Program.driver.path).deletingLastPathComponent().path
        return try FileManager.default.contentsOfDirectory(atPath: source).sorted().map { name in
            let text = try String(contentsOfFile: "\(source)/\(name)", encoding: .utf8).replacingOccurrences(
                of: prefix, with: "\(binaries)/")
            return try directory.write(name, text)
        }
    }

    static func verify(_ units: [String], user: Bool, runtime: String) throws -> (status: Int32, output: String) {
        try runTool(
            ["systemd-analyze"] + (user ? ["--user"] : []) + ["verify"] + units,
            environment: ["XDG_RUNTIME_DIR": runtime])
    }

    @Test(arguments: [("system", "/usr/local/bin/"), ("user", "%h/.local/bin/")])
    func unitsPassSystemdAnalyzeVerify(flavour: String, prefix: String) throws {
        let directory = TemporaryDirectory()
        let units = try Self.stage(flavour, replacing: prefix, in: directory)
        #expect(
            units.count == (flavour == "system" ? 14 : 13),
            "driver, intake, watchdog, daily, weekly, archiver and ship, the intake's socket, the system's submit socket: \(units)"
        )
        let runtime = directory.appending("runtime")
        try FileManager.default.createDirectory(
            atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let outcome = try Self.verify(units, user: flavour == "user", runtime: runtime)
        #expect(outcome.status == 0, "\(outcome.output)")
        // verify prints warnings without failing; a clean unit prints nothing about itself.
        let ownLines = outcome.output.split(separator: "\n").filter { $0.contains("owner-report") }
        #expect(ownLines.isEmpty, "\(ownLines)")
    }

    /// The exposure `systemd-analyze security --offline=true` gives each service, from its last line.
    static func exposure(of unit: String, user: Bool, runtime: String) throws -> Double? {
        let outcome = try runTool(
            ["systemd-analyze"] + (user ? ["--user"] : []) + ["security", "--offline=true", "--no-pager", unit],
            environment: ["XDG_RUNTIME_DIR": runtime])
        guard let line = outcome.output.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
            let score = line.split(separator: ":").last?.split(separator: " ").first
        else { return nil }
        return Double(score)
    }

    @Test(arguments: [("system", "/usr/local/bin/", 1.5), ("user", "%h/.local/bin/", 3.0)])
    func everyServiceIsHardenedWithinItsBound(flavour: String, prefix: String, bound: Double) throws {
        let directory = TemporaryDirectory()
        let services = try Self.stage(flavour, replacing: prefix, in: directory).filter { $0.hasSuffix(".service") }
        #expect(services.count == 7)
        let runtime = directory.appending("runtime")
        try FileManager.default.createDirectory(
            atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for service in services {
            let score = try Self.exposure(of: service, user: flavour == "user", runtime: runtime)
            #expect(
                (score ?? .infinity) <= bound,
                "\(DurableFile.fileName(of: service)): exposure \(score.map { String($0) } ?? "unreadable") over \(bound)"
            )
        }
    }
}
