/// An input file or standard input could not be read: exit status 66.
public struct InputError: OperatorFacingError {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
    public var exitStatus: ExitStatus { .noInput }
}
