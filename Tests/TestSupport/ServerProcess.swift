import Foundation

/// A test server script from `Tests/Servers/` running under python3; it prints its port first.
public final class ServerProcess: @unchecked Sendable {
    private let process = Process()
    public let port: Int

    /// The path of `Tests/Servers/<script>`.
    public static func script(_ script: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Servers/\(script)"
        ).path
    }

    /// Starts `Tests/Servers/<script>` with `arguments` and waits for the port it listens on.
    public init(script: String, arguments: [String]) throws {
        let path = Self.script(script)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(
                .fileReadCorruptFile,
                userInfo: [
                    NSLocalizedDescriptionKey: "\(script) did not start (is python3 with its modules installed?)"
                ])
        }
        self.port = port
    }

    deinit {
        // SIGKILL: a test runner's children may inherit a blocked SIGTERM, and then terminate() never ends them.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Reads a JSON-lines log a test server may still be writing: only whole lines, those its newline ended.
///
/// The server appends a line in more than one write, so the last line of a read can be cut short; it
/// is left for the next read instead of being decoded as broken JSON.
func readJSONLines<T: Decodable>(_ path: String, as type: T.Type) throws -> [T] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    let decoder = JSONDecoder()
    return try wholeLines(of: data).map { try decoder.decode(T.self, from: $0) }
}

/// The lines of `data` that end in a newline, without it; a last line still being written is left out.
public func wholeLines(of data: Data) -> [Data] {
    guard let end = data.lastIndex(of: 0x0A) else { return [] }
    return data[data.startIndex..<end].split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
}
