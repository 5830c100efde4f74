#if canImport(Glibc)
    import Glibc
#endif

/// This host's place in a fleet (`[fleet]` in the config): the name it goes by, and the PostgreSQL
/// database its ledger is shipped to (docs/fleet.md).
public struct FleetPolicy: Sendable, Equatable {
    /// The name this host's reports and ledger rows carry elsewhere: `[fleet] host`, else the kernel's
    /// host name (gethostname(2)).
    public var host: String
    /// The libpq connection string of the fleet ledger (`database_env`/`database_file`): a secret, as
    /// it may carry a password. Without it nothing is shipped.
    public var database: SecretSource?
    /// Ledger rows per INSERT (one transaction each).
    public var shipBatch = 500

    public init(host: String = FleetPolicy.kernelHostName) {
        self.host = host
    }

    /// The kernel's host name, cut at its first dot and made a valid fleet host name; "localhost" if it has none.
    public static var kernelHostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).split(separator: ".").first.map(String.init) ?? ""
        let kept = String(name.unicodeScalars.filter { isValidHostCharacter($0) }.prefix(64))
        return kept.isEmpty ? "localhost" : kept
    }

    /// A host name as the fleet stores it: 1 to 64 of ASCII letters, digits, `.`, `_` and `-`.
    public static func isValidHost(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.count <= 64 && name.unicodeScalars.allSatisfy(isValidHostCharacter)
    }

    /// Why `name` is not a host name, for an error line (the config's, or the intake's 400); nil when it is one.
    public static func hostProblem(_ name: String) -> String? {
        isValidHost(name)
            ? nil : "'\(name.prefix(80))' is not a host name (1 to 64 of letters, digits, '.', '_' and '-')"
    }

    private static func isValidHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}
