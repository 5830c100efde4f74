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
    public var exitStatus: ExitStatus { description.contains("no such directory") ? .noInput : .ioError }
}

extension ProcessRunner.Error: OperatorFacingError {
    public var exitStatus: ExitStatus { .ioError }
}
