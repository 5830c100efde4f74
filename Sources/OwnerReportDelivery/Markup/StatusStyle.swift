import OwnerReportCore

/// How a report's status shows on every channel: the same emoji everywhere, a colour where there is one.
public struct StatusStyle: Sendable {
    public var emoji: String
    /// An RGB colour for e-mail and embeds, `#rrggbb`.
    public var colour: String
    /// Whether the message should notify (Telegram's `disable_notification` is the opposite).
    public var notifies: Bool

    public init(_ status: ReportStatus?) {
        switch status {
        case .normal: (emoji, colour, notifies) = ("🟢", "#2e7d32", false)
        case .warning: (emoji, colour, notifies) = ("🟡", "#f9a825", true)
        case .critical: (emoji, colour, notifies) = ("🔴", "#c62828", true)
        case .blocked: (emoji, colour, notifies) = ("⛔", "#6a1b9a", true)
        case .done: (emoji, colour, notifies) = ("✅", "#1565c0", true)
        case nil: (emoji, colour, notifies) = ("📝", "#546e7a", true)
        }
    }
}
