import OwnerReportCore

/// A transfer libcurl could not complete: its code, its message, and where (without any secret part of the URL).
public struct CurlError: OperatorFacingError, Equatable {
    /// The `CURLcode`.
    public var code: Int32
    public var message: String
    /// Scheme, host and port only: paths and queries of webhook URLs carry tokens.
    public var url: String

    public init(code: Int32, message: String, url: String) {
        self.code = code
        self.message = message
        self.url = url
    }

    public var description: String { "\(url): \(message) (curl error \(code))" }

    public var exitStatus: ExitStatus { isTransient ? .temporaryFailure : .configuration }

    /// Connection, DNS, timeout and mid-transfer failures: worth trying again later.
    public var isTransient: Bool {
        switch code {
        // Unsupported protocol, libcurl not loadable, malformed URL, feature not built in, unknown option.
        case 1, 2, 3, 4, 48: false
        default: true
        }
    }

    /// Only scheme, host and port of a URL, for messages.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "(url)" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        return "\(url[..<schemeEnd.upperBound])\(host)"
    }
}
