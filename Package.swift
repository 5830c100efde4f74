// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "owner-report",
    products: [
        // One program under five names (owner-report-producer, -driver, -watchdog, -archiver and
        // -intake are links to it): one copy of the Swift runtime, Foundation and ICU instead of five.
        .executable(name: "owner-report", targets: ["owner-report"]),
        // For the fuzzers in fuzz/, a separate package built with -sanitize=fuzzer.
        .library(name: "OwnerReportKit", targets: ["OwnerReportCore", "OwnerReportDelivery", "OwnerReportIntake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // C libraries from Debian, one system library target each, C only in their shims. libcurl's is
        // header-only: the library itself is opened with dlopen(3) when there is something to send
        // (Sources/CCurl/shim.h), so nothing links it.
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CInotifyTools",
            providers: [.apt(["libinotifytools0-dev"])]),
        // libpq, header-only like libcurl's: opened with dlopen(3) by the fleet commands alone (Sources/CPQ/shim.h).
        .systemLibrary(
            name: "CPQ",
            providers: [.apt(["libpq-dev"])]),

        // The report model, its file formats, the queue directory and the configuration.
        .target(
            name: "OwnerReportCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        // The append-only, hash-chained SQLite audit ledger.
        .target(
            name: "OwnerReportLedger",
            dependencies: [
                "CSQLite", "OwnerReportCore",
            ]),
        // Delivery: the drain that keeps order and never fakes success (DeliveryRun), the channels
        // (Channels/), how a report looks on each (Markup/) and libcurl's HTTP and SMTP (Transfer/).
        // libcurl's HTTP and SMTP transfers (opened with dlopen when there is something to send), for
        // the channels and the acknowledgement readers alike.
        .target(
            name: "OwnerReportTransfer",
            dependencies: ["CCurl", "OwnerReportCore"]),
        .target(
            name: "OwnerReportDelivery",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportTransfer",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Acknowledgements read back from a chat with no public listener (Telegram getUpdates, Discord reads).
        .target(
            name: "OwnerReportAcknowledging",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportTransfer",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Watching pending/ (libinotifytools) and the --follow daemon's loop.
        .target(
            name: "OwnerReportWatching",
            dependencies: [
                "CInotifyTools", "OwnerReportCore", "OwnerReportLedger", "OwnerReportDelivery", "OwnerReportReports",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The reports built from the ledger and other sources: incidents (and Alertmanager's webhook),
        // postmortems, the daily KPIs, the weekly report from git and checkpoints; Mustache layouts.
        .target(
            name: "OwnerReportReports",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]),
        // The archive and the audit trail: filing and retention, verify, export, requeue, status.
        .target(
            name: "OwnerReportArchive",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The fleet: every host's ledger rows shipped to one PostgreSQL table (libpq), checked there, and
        // read back as one ledger per host for the fleet's daily and weekly reports.
        .target(
            name: "OwnerReportFleet",
            dependencies: ["CPQ", "OwnerReportCore", "OwnerReportLedger"]),
        // Submissions by users who do not own the queue: the submit socket's protocol, its server in
        // the --follow daemon (SO_PEERCRED identity, limits) and the producer's client.
        // Listening sockets (bound here or handed over by systemd), the accept loop and the peer's
        // kernel-given identity: the submit socket and the intake share them.
        .target(
            name: "OwnerReportSockets",
            dependencies: ["OwnerReportCore"]),
        .target(
            name: "OwnerReportSubmission",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportSockets",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The HTTP intake: reports, Alertmanager and Grafana alerts, and relayed reports over HTTP,
        // each on disk (fsynced, recorded) before the sender hears 2xx. swift-nio parses HTTP.
        .target(
            name: "OwnerReportIntake",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportReports", "OwnerReportSubmission",
                "OwnerReportSockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Agents: the MCP server (its stdio transport and its tools: reports, incidents, delivery status),
        // and coding agents' hook events turned into reports. Its command is the producer's `mcp`.
        .target(
            name: "OwnerReportAgents",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportReports", "OwnerReportArchive",
                "OwnerReportSubmission",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What every executable shares: common flags, logging set-up, error → exit status.
        .target(
            name: "OwnerReportCommandLine",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportSubmission",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The five programs, one subcommand per file in a folder each (Producer/, Driver/, Watchdog/,
        // Archiver/, Intake/); OwnerReport.swift chooses one by the name the process was run as.
        .executableTarget(
            name: "owner-report",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "OwnerReportDelivery", "OwnerReportReports",
                "OwnerReportArchive", "OwnerReportFleet", "OwnerReportSubmission", "OwnerReportSockets",
                "OwnerReportAcknowledging", "OwnerReportWatching", "OwnerReportIntake", "OwnerReportAgents",
                "OwnerReportCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(
            name: "TestSupport",
            dependencies: ["OwnerReportCore", "OwnerReportLedger"],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "OwnerReportCoreTests",
            dependencies: ["OwnerReportCore", "TestSupport"]),
        .testTarget(
            name: "OwnerReportLedgerTests",
            dependencies: ["OwnerReportLedger", "OwnerReportCore", "TestSupport"]),
        .testTarget(
            name: "OwnerReportDeliveryTests",
            dependencies: ["OwnerReportDelivery", "OwnerReportTransfer", "OwnerReportCore", "TestSupport"]),
        .testTarget(
            name: "OwnerReportReportsTests",
            dependencies: ["OwnerReportReports", "OwnerReportCore", "OwnerReportLedger", "TestSupport"]),
        .testTarget(
            name: "OwnerReportSubmissionTests",
            dependencies: [
                "OwnerReportSubmission", "OwnerReportSockets", "OwnerReportCore", "OwnerReportLedger", "TestSupport",
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "OwnerReportCore", "OwnerReportLedger", "TestSupport", "owner-report",
            ]),
    ]
)
