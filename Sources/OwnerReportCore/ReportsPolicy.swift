/// How the built reports are made (`[reports]` in the config).
public struct ReportsPolicy: Sendable, Equatable {
    /// An incident that lasted at least this long gets a postmortem when it is resolved.
    public var postmortemMinimum: Duration = .seconds(10 * 60)
    /// A directory of `NAME.mustache` files replacing built-in layouts (absolute, or relative to the config file).
    public var templatesDirectory: String?
    /// The team mapping the weekly report uses when `--teams` is not given.
    public var teamsFile: String?
    /// How long `weekly --summarizer` may run before the report goes out without its summary.
    public var summarizerTimeout: Duration = .seconds(120)

    public init() {}
}
