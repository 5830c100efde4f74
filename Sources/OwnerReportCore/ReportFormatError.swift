/// A report file that cannot be read as a report: which file, which line (when there is one), and why.
public struct ReportFormatError: OperatorFacingError, Equatable {
    /// The file, or `-` for standard input.
    public var path: String
    /// The 1-based line the problem is on, when it is on one.
    public var line: Int?
    /// What is wrong, in a short phrase.
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }

    public var exitStatus: ExitStatus { .dataError }
}
