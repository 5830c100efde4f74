/// What the "Acknowledge" button of a Telegram message says, shared by the sender and the reader.
public enum TelegramAcknowledgement {
    /// `callback_data` is this prefix and the incident's id.
    public static let callbackPrefix = "ack:"
    /// The button that replaces it once someone has acknowledged; pressing it does nothing.
    public static let doneData = "acked"
    /// A critical report without an incident: `ackr:` with its name's stamp and random part.
    public static let reportPrefix = "ackr:"

    /// `ackr:20261123T081500.123456789Z:1a2b3c4d` for a producer-made report name (40 bytes), else nil.
    public static func reportData(_ name: String) -> String? {
        guard ReportName.enqueueTime(of: name) != nil, let dot = name.lastIndex(of: ".") else { return nil }
        let stem = name[..<dot]
        guard stem.count > 36 else { return nil }
        return reportPrefix + String(name.prefix(26)) + ":" + String(stem.suffix(8))
    }
}
