import Foundation
import OwnerReportCore

/// What the watchdog has already said, in `state/alerts.json`: one alert per standing condition, a
/// reminder after `reminder_interval`, one "recovered" when it clears, and the failed/ names already
/// reported, so every new one is reported once.
public struct AlertBook: Sendable, Equatable {
    /// A standing condition: since when, and when it was last sent (nil: not sent yet, try again).
    public struct Standing: Sendable, Equatable {
        public var since: Timestamp
        public var lastSent: Timestamp?
    }

    public var standing: [String: Standing] = [:]
    public var knownFailed: Set<String> = []

    public init() {}

    /// Reads the book; a missing or unreadable one is empty (at worst an alert is repeated once).
    public static func read(from path: String) -> AlertBook {
        var book = AlertBook()
        guard let data = FileManager.default.contents(atPath: path),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return book }
        for (name, value) in object["standing"] as? [String: [String: Any]] ?? [:] {
            guard let since = (value["since"] as? String).flatMap(Timestamp.init(iso8601UTC:)) else { continue }
            book.standing[name] = Standing(
                since: since, lastSent: (value["last_sent"] as? String).flatMap(Timestamp.init(iso8601UTC:)))
        }
        book.knownFailed = Set(object["known_failed"] as? [String] ?? [])
        return book
    }

    public func json() throws -> [UInt8] {
        var standing: [String: Any] = [:]
        for (name, entry) in self.standing {
            var value: [String: Any] = ["since": entry.since.iso8601UTC]
            if let sent = entry.lastSent { value["last_sent"] = sent.iso8601UTC }
            standing[name] = value
        }
        let object: [String: Any] = ["standing": standing, "known_failed": knownFailed.sorted()]
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]))
    }

    /// What to say this run, given the conditions that hold now (name → detail).
    public func due(_ conditions: [String: String], now: Timestamp, reminder: Duration) -> [AlertMessage] {
        var messages: [AlertMessage] = []
        for (name, detail) in conditions.sorted(by: { $0.key < $1.key }) {
            if let entry = standing[name], let sent = entry.lastSent {
                if now.rawValue - sent.rawValue >= Int64(reminder.seconds * 1e9) {
                    messages.append(AlertMessage(condition: name, kind: .reminder, detail: detail))
                }
            } else {
                messages.append(AlertMessage(condition: name, kind: .raised, detail: detail))
            }
        }
        for name in standing.keys.sorted() where conditions[name] == nil && standing[name]?.lastSent != nil {
            messages.append(AlertMessage(condition: name, kind: .recovered, detail: "no longer the case"))
        }
        return messages
    }

    /// The book after this run: conditions standing, and which of the messages got out.
    public mutating func update(_ conditions: [String: String], sent: [AlertMessage], now: Timestamp) {
        for name in conditions.keys where standing[name] == nil { standing[name] = Standing(since: now, lastSent: nil) }
        for message in sent {
            switch message.kind {
            case .raised, .reminder: standing[message.condition]?.lastSent = now
            case .recovered: standing[message.condition] = nil
            }
        }
        // A condition that cleared before its alert got out needs no recovery message.
        for name in standing.keys where conditions[name] == nil && standing[name]?.lastSent == nil {
            standing[name] = nil
        }
    }
}

/// One message the watchdog sends about a condition.
public struct AlertMessage: Sendable, Equatable {
    public enum Kind: String, Sendable { case raised, reminder, recovered }
    public var condition: String
    public var kind: Kind
    public var detail: String
}
