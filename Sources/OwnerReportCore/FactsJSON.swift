import Foundation

/// The JSON the ledger's `facts` column holds: keys sorted and slashes unescaped, so equal facts are
/// equal text (and the row's hash covers the same bytes every time).
public enum FactsJSON {
    /// `value` as facts text; nil only if it cannot be encoded (a type of the program's own, never input).
    public static func encode(_ value: some Encodable) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Facts text read back as `type`; nil when absent or of another shape.
    public static func decode<Value: Decodable>(_ type: Value.Type, from text: String?) -> Value? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
