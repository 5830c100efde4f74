/// Fixed-width numbers and hex digests, written without `String(format:)`: these run for every
/// ledger row and every report, and Foundation's formatter builds a CFString each time.
public enum DigitText {
    /// `value` in decimal, left-padded with zeros to `width` digits (a minus sign goes first).
    public static func padded(_ value: some BinaryInteger, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Bytes as lower-case hex, two digits each (a SHA-256 digest becomes its usual 64 characters).
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
