import CFuzzer
import OwnerReportDelivery

/// Any text through every channel's dialect and the splitter. Each part must fit its limit, and every
/// visible character of the text must come out, in order (the splitter may only add numbering and
/// fence lines, never drop or reorder what the report says).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMarkup(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard size > 0 else { return 0 }
    let limit = 64 + Int(data[0]) * 8
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    _ = TelegramHTML().render(text)
    _ = SlackMrkdwn().render(text)
    _ = EmailHTML().render(text)
    for splitter in [MessageSplitter(limit: limit), MessageSplitter(limit: limit) { $0 == "&" ? 5 : ($0 == "<" || $0 == ">") ? 4 : $0.utf16.count }] {
        let parts = splitter.split(text)
        for part in parts where splitter.measure(part) > limit {
            fatalError("a part of \(splitter.measure(part)) is over the limit of \(limit): \(part.debugDescription)")
        }
        // Without the "(k/n)" line each part starts with when there are several.
        let joined = parts.map { part in
            parts.count > 1 ? String(part.drop { $0 != "\n" }) : part
        }.joined(separator: "\n")
        var remaining = joined.unicodeScalars.makeIterator()
        for scalar in text.unicodeScalars where !scalar.properties.isWhitespace && scalar != "`" && scalar != "~" {
            var found = false
            while let next = remaining.next() {
                if next == scalar {
                    found = true
                    break
                }
            }
            if !found { fatalError("the split lost or reordered \(scalar.debugDescription) of \(text.debugDescription)") }
        }
    }
    return 0
}

/// SwiftPM links an executable's entry point as `fuzz_markup_main`; libFuzzer takes over from there.
@_cdecl("fuzz_markup_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    owner_report_run_fuzzer(argc, argv)
}
