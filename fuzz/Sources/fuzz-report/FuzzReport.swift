import CFuzzer
import OwnerReportCore

/// Any bytes into the report parser, both forms. A report that parses must survive being written and
/// read back in either form unchanged: what the producer writes, the driver reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for format in [ReportFormat.markdown, .json, nil] {
        guard let report = try? ReportCodec.decode(bytes, format: format, path: "fuzz") else { continue }
        for form in [ReportFormat.markdown, .json] {
            let text = ReportCodec.encode(report, as: form)
            do {
                let again = try ReportCodec.decode(Array(text.utf8), format: form, path: "fuzz-\(form)")
                if again != report {
                    fatalError("\(form) round trip changed the report:\n\(report)\n---\n\(again)\n--- written as:\n\(text)")
                }
            } catch {
                fatalError("\(form) round trip refused what it wrote: \(error)\n--- written as:\n\(text)")
            }
        }
    }
    return 0
}

/// SwiftPM links an executable's entry point as `fuzz_report_main`; libFuzzer takes over from there.
@_cdecl("fuzz_report_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    owner_report_run_fuzzer(argc, argv)
}
