import ArgumentParser
import Foundation
import OwnerReportCore

/// Runs a command's body and turns any error into one line on standard error and a sysexits status.
///
/// - Parameter program: the program name that starts the error line.
public func reportingErrors(program: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as OperatorFacingError {
        printError("\(program): \(error)")
        throw ExitCode(error.exitStatus.rawValue)
    } catch {
        printError("\(program): \(error)")
        throw ExitCode(ExitStatus.ioError.rawValue)
    }
}

/// Writes one line to standard error.
public func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A usage problem found after parsing (a destination the config does not know): exit status 64.
public struct UsageError: OperatorFacingError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: ExitStatus { .usage }
}
