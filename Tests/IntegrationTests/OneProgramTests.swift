import Foundation
import OwnerReportCore
import Testing
import TestSupport

/// One executable, `owner-report`, is every program: the name it is run as (a link) chooses which, and
/// `owner-report PROGRAM …` chooses the same one by its first argument.
@Suite struct OneProgramTests {
    let directory = TemporaryDirectory()

    static let programs: [(name: String, program: Program, usage: String)] = [
        ("producer", .producer, "<subcommand>"), ("driver", .driver, "[--once]"),
        ("watchdog", .watchdog, "[--max-count"), ("archiver", .archiver, "<subcommand>"),
        ("intake", .intake, "[--listen"),
    ]

    @Test(arguments: programs.map(\.name))
    func eachLinkRunsItsProgramAndTheFirstArgumentChoosesTheSame(name: String) throws {
        let entry = try #require(Self.programs.first { $0.name == name })
        let linked = try entry.program.run(["--help"])
        #expect(linked.status == 0, "\(linked)")
        #expect(linked.stdout.contains("USAGE: owner-report-\(name) "), "\(linked)")
        #expect(linked.stdout.contains(entry.usage), "\(linked)")

        let chosen = try Program.dispatcher.run([name, "--help"])
        #expect(chosen.status == 0, "\(chosen)")
        #expect(chosen.stdout.contains("USAGE: owner-report \(name) "), "\(chosen)")
        #expect(chosen.stdout.contains(entry.usage), "\(chosen)")

        #expect(try entry.program.run(["--version"]).stdout == "\(OwnerReportVersion.string)\n")
        #expect(try Program.dispatcher.run([name, "--version"]).stdout == "\(OwnerReportVersion.string)\n")
    }

    @Test func theLinksAreOneFile() throws {
        let one = try FileManager.default.attributesOfItem(
            atPath: URL(fileURLWithPath: Program.dispatcher.path).resolvingSymlinksInPath().path)
        for entry in Self.programs {
            let resolved = URL(fileURLWithPath: entry.program.path).resolvingSymlinksInPath().path
            let attributes = try FileManager.default.attributesOfItem(atPath: resolved)
            #expect(attributes[.systemFileNumber] as? UInt64 == one[.systemFileNumber] as? UInt64, "\(resolved)")
        }
    }

    @Test func aReportEnqueuedOneWayIsSeenTheOther() throws {
        let queue = directory.appending("queue")
        let enqueued = try Program.dispatcher.run([
            "producer", "note", "--queue", queue, "--title", "by its first argument",
        ])
        #expect(enqueued.status == 0, "\(enqueued)")
        let status = try Program.archiver.run(["status", "--queue", queue, "--json"])
        #expect(status.status == 0, "\(status)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status)")
        let pending = try #require(json["pending"] as? [[String: Any]], "\(status)")
        #expect(pending.count == 1, "\(status)")
        #expect((pending.first?["report"] as? String)?.contains("-note-by-its-first-argument-") == true, "\(status)")
    }

    @Test func withoutAProgramItListsThemAndAnUnknownOneIsAUsageError() throws {
        let bare = try Program.dispatcher.run([])
        #expect(bare.status == 0, "\(bare)")
        for entry in Self.programs { #expect(bare.stdout.contains("  \(entry.name) "), "\(bare)") }

        let unknown = try Program.dispatcher.run(["sender", "--once"])
        #expect(unknown.status == 64, "\(unknown)")
        #expect(
            unknown.stderr
                == "owner-report: no program 'sender': the programs are producer, driver, watchdog, archiver and intake\n",
            "\(unknown)")
    }

    @Test func underAnyOtherNameItIsOwnerReportItself() throws {
        // A copy installed as `or` (say): no link name matches, so the first argument chooses.
        let renamed = directory.appending("or")
        try FileManager.default.createSymbolicLink(
            atPath: renamed,
            withDestinationPath: URL(fileURLWithPath: Program.dispatcher.path).resolvingSymlinksInPath().path)
        let outcome = try runTool([renamed, "watchdog", "--help"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("USAGE: owner-report watchdog "), "\(outcome.output)")
    }
}
