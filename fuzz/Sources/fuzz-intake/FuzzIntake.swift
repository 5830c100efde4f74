import CFuzzer
import Foundation
import Logging
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportIntake

/// Any request into the intake's handler: the first byte picks the endpoint and the peer, the next
/// line is a header (`name: value`), the rest is the body. It must never crash, must answer with a
/// status the contract names, and a 2xx to /v1/reports must mean the report is in pending/ now.
nonisolated(unsafe) let queue = QueueDirectory(root: NSTemporaryDirectory() + "/owner-report-fuzz-intake-\(getpid())")
nonisolated(unsafe) let service: IntakeService = {
    // Built without TOML: TOMLKit's `keys` leaks its C array (a few bytes per config load), which
    // LeakSanitizer would pin on the first input.
    var configuration = Configuration.embeddedDefault
    configuration.intake.token = .environment("FUZZ_TOKEN")
    configuration.intake.relaySecret = .environment("FUZZ_SECRET")
    configuration.intake.maxRequestBytes = 8192
    let secrets = SecretResolver(environment: ["FUZZ_TOKEN": "t0ken", "FUZZ_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], configurationFile: "fuzz")
    return try! IntakeService(queue: queue, configuration: configuration, secrets: secrets, logger: Logger(label: "fuzz"))  // swift-format-ignore: NeverUseForceTry
}()

/// Every report id a 202 named as new.
nonisolated(unsafe) var taken: Set<String> = []

let endpoints = [("POST", "/v1/reports"), ("POST", "/v1/alertmanager"), ("POST", "/v1/relay"), ("GET", "/healthz"), ("PUT", "/v1/reports")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIntake(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let (method, path) = endpoints[Int(bytes[0]) % endpoints.count]
    let peer: IntakeRequest.Peer = bytes[0] & 0x80 == 0 ? .tcp : .unix(uid: 1000, pid: 1)
    let rest = bytes.dropFirst()
    let newline = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.startIndex
    var headers = ["authorization": "Bearer t0ken"]
    let line = String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)
    if let colon = line.firstIndex(of: ":") {
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let body = Array(rest[(newline == rest.startIndex ? rest.startIndex : rest.index(after: newline))...])
    let response = service.handle(IntakeRequest(method: method, path: path, headers: headers, body: body, peer: peer))
    guard [200, 202, 400, 401, 404, 405, 413, 422, 503].contains(response.status) else {
        fatalError("\(method) \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
    }
    if path == "/v1/reports", response.status == 202 {
        // A new report is in pending/ now; a duplicate names one taken before (which may have left since).
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard let id = object?["id"] as? String else { fatalError("a 202 without an id") }
        if object?["duplicate"] as? Bool == true {
            guard taken.contains(id) else { fatalError("a duplicate of a report never taken: \(id)") }
        } else {
            guard access("\(queue.pending)/\(id)", F_OK) == 0 else { fatalError("a 202 without its report in pending/: \(id)") }
            taken.insert(id)
            unlink("\(queue.pending)/\(id)")
        }
    }
    return 0
}

/// SwiftPM links an executable's entry point as `fuzz_intake_main`; libFuzzer takes over from there.
@_cdecl("fuzz_intake_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    owner_report_run_fuzzer(argc, argv)
}
