import Foundation

/// Parses the JSON form: `{"kind", "title", "fields": {...}, "body"}`.
///
/// Other top-level keys are taken as fields too, so `{"kind": "note", "team": "ops"}` works.
/// Field values are strings, numbers, booleans or lists of them; numbers and booleans become text.
enum JSONReportReader {
    static func read(_ text: String, path: String) throws(ReportFormatError) -> Report {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw ReportFormatError(
                path: path, line: lineNumber(in: detail, text: text), message: "invalid JSON: \(detail)")
        }
        guard let top = object as? [String: Any] else {
            throw ReportFormatError(
                path: path, message: "a JSON report must be an object {\"kind\", \"title\", \"fields\", \"body\"}")
        }
        var fields: [String: FieldValue] = [:]
        if let nested = top["fields"] {
            guard let nested = nested as? [String: Any] else {
                throw ReportFormatError(path: path, message: "\"fields\" must be an object")
            }
            for (key, value) in nested {
                fields[key.lowercased()] = try fieldValue(value, key: "fields.\(key)", path: path)
            }
        }
        for (key, value) in top where !["kind", "title", "fields", "body"].contains(key) {
            let name = key.lowercased()
            if fields[name] != nil {
                throw ReportFormatError(
                    path: path, message: "field \"\(key)\" is given both at the top level and in \"fields\"")
            }
            fields[name] = try fieldValue(value, key: key, path: path)
        }
        // Field names are case-insensitive, as in front matter, so "Kind" or fields.title would be the
        // kind or title once written as Markdown (found by fuzz/).
        for reserved in ["kind", "title"] where fields[reserved] != nil {
            throw ReportFormatError(
                path: path,
                message:
                    "\"\(reserved)\" in another case or inside \"fields\" is not allowed: give it as the top-level \"\(reserved)\""
            )
        }
        for key in fields.keys where !Report.isValidFieldName(Substring(key)) {
            throw ReportFormatError(
                path: path, message: "\"\(key)\" is not a field name (letters, digits, '_', '-', '.')")
        }
        return ReportCodec.assemble(
            kind: try string(top["kind"], key: "kind", path: path),
            title: try string(top["title"], key: "title", path: path),
            fields: fields,
            body: try string(top["body"], key: "body", path: path) ?? "")
    }

    private static func string(_ value: Any?, key: String, path: String) throws(ReportFormatError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw ReportFormatError(path: path, message: "\"\(key)\" must be a string")
        }
        return text
    }

    private static func fieldValue(_ value: Any, key: String, path: String) throws(ReportFormatError) -> FieldValue {
        if let items = value as? [Any] {
            var texts: [String] = []
            for item in items {
                guard let text = scalarText(item) else {
                    throw ReportFormatError(
                        path: path, message: "\"\(key)\" must be a list of strings, numbers or booleans")
                }
                texts.append(text)
            }
            return .list(texts)
        }
        guard let text = scalarText(value) else {
            throw ReportFormatError(
                path: path, message: "\"\(key)\" must be a string, number, boolean or a list of them")
        }
        return .text(text)
    }

    private static func scalarText(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        case is NSNull: return ""
        case let number as NSNumber:
            // NSNumber bridges booleans too; CFBoolean's type id is not available on Linux, so compare the objCType.
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            return number.stringValue
        default: return nil
        }
    }

    /// The line an error message points at: Foundation says "line N" or "around character N".
    private static func lineNumber(in detail: String, text: String) -> Int? {
        if let range = detail.range(of: "line ") {
            return Int(detail[range.upperBound...].prefix(while: \.isNumber))
        }
        guard let range = detail.range(of: "character "),
            let offset = Int(detail[range.upperBound...].prefix(while: \.isNumber))
        else { return nil }
        return text.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}

/// Writes the JSON form with sorted keys, so equal reports give equal bytes.
enum JSONReportWriter {
    static func write(_ report: Report) -> String {
        var fields: [String: Any] = [:]
        for (key, value) in report.fields {
            switch value {
            case .text(let text): fields[key] = text
            case .list(let items): fields[key] = items
            }
        }
        let object: [String: Any] = [
            "kind": report.kind.rawValue, "title": report.title, "fields": fields, "body": report.body,
        ]
        // Only strings, arrays and dictionaries are in `object`, which JSONSerialization always encodes.
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        // Foundation's reader drops a raw U+FEFF inside a string; escaped, it survives (found by fuzz/).
        var text = String.UnicodeScalarView()
        for scalar in String(decoding: data, as: UTF8.self).unicodeScalars {
            if scalar == "\u{FEFF}" { text.append(contentsOf: "\\ufeff".unicodeScalars) } else { text.append(scalar) }
        }
        return String(text) + "\n"
    }
}
