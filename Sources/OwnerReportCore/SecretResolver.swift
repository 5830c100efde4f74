#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Reads secrets from the environment or from private files, and remembers them so that they can be
/// masked in anything the program writes: output, logs, the ledger, sidecars.
public final class SecretResolver: @unchecked Sendable {
    private let environment: [String: String]
    /// The config file the destinations come from, for error messages.
    public let configurationFile: String
    private var known: [String] = []
    private let lock = NSLock()

    public init(environment: [String: String], configurationFile: String) {
        self.environment = environment
        self.configurationFile = configurationFile
    }

    /// The secret for `role` of a destination, or nil when the destination has none for that role.
    public func value(_ role: String, of destination: Destination) throws(ConfigurationError) -> String? {
        guard let source = destination.secrets[role] else { return nil }
        let value = try value(of: source, key: "destinations.\(destination.name).\(role)")
        if role == "url" { rememberParts(ofURL: value) }
        return value
    }

    /// The secret `source` holds; `key` (without `_env`/`_file`) names the setting in errors.
    public func value(of source: SecretSource, key role: String) throws(ConfigurationError) -> String {
        let key = "\(role)_\(source.isFile ? "file" : "env")"
        let value: String
        switch source {
        case .environment(let name):
            guard let text = environment[name], !text.isEmpty else {
                throw ConfigurationError(
                    file: configurationFile, key: key, message: "the environment variable \(name) is not set")
            }
            value = text
        case .file(let path):
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw ConfigurationError(
                    file: configurationFile, key: key, message: "\(path): \(String(cString: strerror(errno)))")
            }
            guard info.st_mode & 0o077 == 0 else {
                throw ConfigurationError(
                    file: configurationFile, key: key, message: "\(path) is readable by group or others; chmod 600 it")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(
                    file: configurationFile, key: key, message: "\(path) cannot be read as UTF-8 text")
            }
            value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else {
                throw ConfigurationError(file: configurationFile, key: key, message: "\(path) is empty")
            }
        }
        remember(value)
        if value.hasPrefix("whsec_") { remember(String(value.dropFirst(6))) }
        return value
    }

    /// A libpq connection string (`host=… password=…` or `postgresql://user:password@host/db`): the
    /// whole string is a secret, and so is the password in it, which a message may show alone.
    public func connectionString(of source: SecretSource, key role: String) throws(ConfigurationError) -> String {
        let value = try value(of: source, key: role)
        for word in value.split(separator: " ") where word.hasPrefix("password=") {
            remember(word.dropFirst("password=".count).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
        }
        if let scheme = value.range(of: "://"), let at = value[scheme.upperBound...].firstIndex(of: "@"),
            let colon = value[scheme.upperBound..<at].firstIndex(of: ":")
        {
            remember(String(value[value.index(after: colon)..<at]))
        }
        return value
    }

    /// A secret URL's token may come back alone (a server echoing its path): each path segment and
    /// query value long enough to be a credential is a secret in its own right.
    private func rememberParts(ofURL url: String) {
        guard let schemeEnd = url.range(of: "://") else { return }
        let afterHost = url[schemeEnd.upperBound...].drop { $0 != "/" && $0 != "?" }
        for part in afterHost.split(whereSeparator: { "/?&=#".contains($0) }) where part.count >= 8 {
            remember(String(part))
        }
    }

    /// Registers a value that must never be printed (a URL whose path is a token, say).
    public func remember(_ secret: String) {
        lock.lock()
        defer { lock.unlock() }
        if secret.count >= 4, !known.contains(secret) { known.append(secret) }
    }

    /// The text with every known secret replaced by `***`.
    public func redact(_ text: String) -> String {
        lock.lock()
        let secrets = known.sorted { $0.count > $1.count }
        lock.unlock()
        return secrets.reduce(text) { text, secret in
            text.contains(secret) ? text.replacingOccurrences(of: secret, with: "***") : text
        }
    }
}

extension SecretSource {
    var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}
