import Foundation
import Testing

/// The module graph points only down (docs/design.md §13): each target imports only targets of a
/// lower tier, so a library never reaches sideways to a peer or up to what uses it.
@Suite struct ModuleGraphTests {
    /// The tiers of docs/design.md §13, lowest first.
    static let tiers: [[String]] = [
        ["CCurl", "CSQLite", "CInotifyTools", "CPQ"],
        ["OwnerReportCore"],
        ["OwnerReportLedger", "OwnerReportTransfer", "OwnerReportSockets"],
        [
            "OwnerReportDelivery", "OwnerReportReports", "OwnerReportArchive", "OwnerReportFleet",
            "OwnerReportSubmission", "OwnerReportAcknowledging",
        ],
        ["OwnerReportWatching", "OwnerReportIntake", "OwnerReportAgents", "OwnerReportCommandLine"],
        [
            "owner-report"
        ],
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Sources")

    static func tier(of target: String) -> Int? { tiers.firstIndex { $0.contains(target) } }

    /// The project's own modules a target's sources import.
    static func imports(of target: String) throws -> Set<String> {
        let directory = sources.appendingPathComponent(target)
        var found: Set<String> = []
        let files =
            FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
            ?? []
        for file in files
        where file.pathExtension == "swift" || file.pathExtension == "h" || file.lastPathComponent == "module.modulemap"
        {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                    words[..<index].allSatisfy({
                        ["internal", "public", "@testable", "@_exported", "private"].contains($0)
                    })
                else { continue }
                let module = words[index + 1]
                if module.hasPrefix("OwnerReport") || ["CCurl", "CSQLite", "CInotifyTools", "CPQ"].contains(module) {
                    found.insert(module)
                }
            }
        }
        return found
    }

    @Test func everyTargetHasATier() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter {
            !$0.hasPrefix(".")
        }
        for target in targets {
            #expect(Self.tier(of: target) != nil, "Sources/\(target) is in no tier of docs/design.md §13")
        }
        #expect(targets.count == Self.tiers.joined().count, "a tier names a target that does not exist")
    }

    @Test func everyImportPointsDown() throws {
        for target in Self.tiers.joined() {
            let own = try #require(Self.tier(of: target))
            for module in try Self.imports(of: target) where module != target {
                let theirs = try #require(Self.tier(of: module), "\(target) imports \(module), which is in no tier")
                #expect(
                    theirs < own,
                    "\(target) (tier \(own)) imports \(module) (tier \(theirs)): an arrow that does not point down")
            }
        }
    }

    @Test func aSidewaysImportIsFound() throws {
        // The check itself: Acknowledging reaching for Delivery (a peer) or Watching (above) is refused.
        #expect(try #require(Self.tier(of: "OwnerReportAcknowledging")) == Self.tier(of: "OwnerReportDelivery"))
        #expect(try #require(Self.tier(of: "OwnerReportReports")) < Self.tier(of: "OwnerReportWatching")!)
        #expect(
            try Self.imports(of: "OwnerReportAcknowledging").isSubset(of: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportTransfer",
            ]))
    }
}
