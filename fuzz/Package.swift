// swift-tools-version: 6.1
// libFuzzer targets for the report parser, the Markdown → channel renderers and splitter, and the
// intake's request handler.
// Built and run by fuzz/run (swift build -Xswiftc -sanitize=fuzzer,address); not part of `make test`.
import PackageDescription

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "owner-report-fuzz",
    dependencies: [.package(name: "owner-report", path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "fuzz-report",
            dependencies: ["CFuzzer", .product(name: "OwnerReportKit", package: "owner-report")],
            swiftSettings: fuzzer),
        .executableTarget(
            name: "fuzz-intake",
            dependencies: ["CFuzzer", .product(name: "OwnerReportKit", package: "owner-report")],
            swiftSettings: fuzzer),
        .executableTarget(
            name: "fuzz-markup",
            dependencies: ["CFuzzer", .product(name: "OwnerReportKit", package: "owner-report")],
            swiftSettings: fuzzer),
    ]
)
