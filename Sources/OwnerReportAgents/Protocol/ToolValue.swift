import Foundation

/// A JSON value as MCP messages carry it: what a tool call's arguments hold, and what an answer is
/// built from. Numbers keep whether they were written as integers.
public indirect enum ToolValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([ToolValue])
    case object([String: ToolValue])

    public var isNull: Bool { self == .null }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var arrayValue: [ToolValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: [String: ToolValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A value made from what `JSONSerialization` reads or takes (`[String: Any]`, arrays, strings,
    /// numbers, `NSNull`), by way of its JSON text.
    public init(jsonObject: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: jsonObject, options: [.fragmentsAllowed])
        self = try JSONDecoder().decode(ToolValue.self, from: data)
    }

    /// One line of JSON, keys sorted, `/` unescaped: a message on the stdio transport never holds a newline.
    public func line() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

extension ToolValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([ToolValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: ToolValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .integer(let number): try container.encode(number)
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}

extension ToolValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(arrayLiteral elements: ToolValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, ToolValue)...) {
        self = .object(Dictionary(elements) { _, last in last })
    }
    public init(nilLiteral: ()) { self = .null }
}
