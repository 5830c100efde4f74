/// Checks that raw bytes are text a report may hold: not empty, no NUL byte, valid UTF-8.
enum TextValidation {
    /// Returns the text, or throws an error naming the byte offset and line of the first problem.
    static func text(from bytes: some Collection<UInt8>, path: String) throws(ReportFormatError) -> String {
        let bytes = Array(bytes)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw ReportFormatError(path: path, message: "empty report (no content)")
        }
        if let offset = bytes.firstIndex(of: 0) {
            throw ReportFormatError(
                path: path, line: line(of: offset, in: bytes),
                message: "binary content: NUL byte at offset \(offset)")
        }
        if let offset = firstInvalidUTF8Offset(bytes) {
            throw ReportFormatError(
                path: path, line: line(of: offset, in: bytes), message: "not valid UTF-8 at byte offset \(offset)")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }

    /// The offset of the first byte that does not start or continue a well-formed UTF-8 sequence.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var lowest: UInt8 = 0x80
            var highest: UInt8 = 0xBF
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowest = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; highest = 0x9F  // no UTF-16 surrogates
            case 0xF0: length = 4; lowest = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; highest = 0x8F  // nothing above U+10FFFF
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            for offset in 1..<length {
                let byte = bytes[index + offset]
                let (low, high) = offset == 1 ? (lowest, highest) : (UInt8(0x80), UInt8(0xBF))
                guard byte >= low, byte <= high else { return index }
            }
            index += length
        }
        return nil
    }

    private static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }
}

extension StringProtocol {
    /// Whether every scalar is white space. `Character.isWhitespace` looks at the first scalar only,
    /// so a space carrying a combining mark would count as blank and its mark be lost (found by fuzz/).
    public var isBlank: Bool { unicodeScalars.allSatisfy(\.properties.isWhitespace) }
}

extension Character {
    /// Whether every scalar of the character is white space (see `StringProtocol.isBlank`).
    public var isBlankSpace: Bool { unicodeScalars.allSatisfy(\.properties.isWhitespace) }
}
