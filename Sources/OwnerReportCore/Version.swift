/// The one version of every owner-report program; `make deb` and `make install` read it from this file.
public enum OwnerReportVersion {
    /// The release, as `--version` prints it and the Debian package is numbered.
    public static let string = "0.2.0"
}
