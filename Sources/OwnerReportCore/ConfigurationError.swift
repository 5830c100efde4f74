/// A configuration problem: the file, the key and what is wrong with it. Always exit status 78.
public struct ConfigurationError: OperatorFacingError, Equatable {
    /// The config file, `(environment)` for an environment variable, or `(embedded default)`.
    public var file: String
    /// The dotted key (`destinations.owner.token_env`) or variable name, when the problem has one.
    public var key: String?
    public var message: String

    public init(file: String, key: String? = nil, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(file): \(key): \(message)" }
        return "\(file): \(message)"
    }

    public var exitStatus: ExitStatus { .configuration }
}
