import OwnerReportCore

/// How each error of this library ends a command: its sysexits status.
extension AlertmanagerPayload.Error: OperatorFacingError {
    public var exitStatus: ExitStatus { .dataError }
}

extension TeamMap.Error: OperatorFacingError {
    public var exitStatus: ExitStatus { .configuration }
}

extension ReportTemplates.Error: OperatorFacingError {
    public var exitStatus: ExitStatus { .configuration }
}

extension GitLog.Error: OperatorFacingError {
    public var exitStatus: ExitStatus {
        switch failure {
        case .noRepository: .noInput
        case .gitFailed: .ioError
        }
    }
}

extension ProcessRunner.Error: OperatorFacingError {
    public var exitStatus: ExitStatus { .ioError }
}
