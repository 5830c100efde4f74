import OwnerReportCore

/// A tool call's arguments, read by name: each error names the tool and the field, so a model can
/// correct its call.
struct ToolArguments {
    let tool: String
    let values: [String: ToolValue]

    init(tool: String, _ values: [String: ToolValue]?) {
        self.tool = tool
        self.values = values ?? [:]
    }

    func problem(_ field: String, _ message: String) -> ToolError {
        ToolError("\(tool): \(field): \(message); nothing was enqueued")
    }

    /// Refuses any argument the tool does not take (a misspelt field would be lost silently).
    func allowOnly(_ names: Set<String>) throws(ToolError) {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw problem(unknown, "not an argument of \(tool) (it takes: \(names.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ field: String) throws(ToolError) -> String? {
        guard let value = values[field], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw problem(field, "must be a string") }
        return text
    }

    func required(_ field: String, example: String) throws(ToolError) -> String {
        guard let text = try string(field), !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw problem(field, "required, a non-empty string such as \(example)")
        }
        return text
    }

    func strings(_ field: String) throws(ToolError) -> [String] {
        guard let value = values[field], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw problem(field, "must be a list of strings") }
        var texts: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw problem(field, "must be a list of strings") }
            texts.append(text)
        }
        return texts
    }

    func bool(_ field: String) throws(ToolError) -> Bool? {
        guard let value = values[field], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw problem(field, "must be true or false") }
        return flag
    }

    /// A map of string fields (`fields` of `report_note`).
    func stringMap(_ field: String) throws(ToolError) -> [String: String] {
        guard let value = values[field], !value.isNull else { return [:] }
        guard let object = value.objectValue else { throw problem(field, "must be an object of string values") }
        var map: [String: String] = [:]
        for (key, item) in object {
            guard let text = item.stringValue else { throw problem("\(field).\(key)", "must be a string") }
            map[key] = text
        }
        return map
    }

    func status(_ field: String = "status") throws(ToolError) -> ReportStatus? {
        guard let text = try string(field) else { return nil }
        guard let status = ReportStatus(rawValue: text) else {
            throw problem(
                field, "'\(text)' is not one of \(ReportStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }

    func duration(_ field: String) throws(ToolError) -> String? {
        guard let text = try string(field) else { return nil }
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw problem(field, "'\(text)' is not a duration such as 30m, 2h or 1d")
        }
        return text
    }
}

/// A tool call that cannot be carried out: the model sees `message` as the tool's error.
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// Whether trying the same call again later may work (a full queue, a locked ledger, a full disk).
    public var retry: Bool

    public init(_ message: String, retry: Bool = false) {
        self.message = message
        self.retry = retry
    }

    public var description: String { message }
}
