import Foundation

/// A fresh directory under the system temp dir, removed with everything in it when released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "owner-report-test") {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        var template = "\(base)\(label).XXXXXX".utf8CString
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return nil }
            return String(cString: made)
        }
        guard let created else { fatalError("mkdtemp failed: errno \(errno)") }
        path = created
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the directory.
    public func appending(_ component: String) -> String { "\(path)/\(component)" }

    /// Writes a file inside the directory and returns its path.
    @discardableResult
    public func write(_ component: String, _ text: String) throws -> String {
        let file = appending(component)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Writes raw bytes inside the directory and returns its path.
    @discardableResult
    public func write(_ component: String, bytes: [UInt8]) throws -> String {
        let file = appending(component)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}
