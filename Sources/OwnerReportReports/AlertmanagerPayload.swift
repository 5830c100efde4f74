import Foundation
import OwnerReportCore
import OwnerReportLedger

/// Prometheus Alertmanager's webhook body (version 4), or Grafana's Alertmanager-shaped one (version 1),
/// as far as incidents need it.
///
/// Everything is checked before anything is used: a payload that is not JSON, not version 4, or has
/// an alert without a status, fingerprint or readable start time is refused whole, so a bad payload
/// never half-opens incidents.
public struct AlertmanagerPayload: Sendable {
    public struct Alert: Sendable, Equatable {
        public var firing: Bool
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Timestamp
        /// Nil while firing (Alertmanager sends `0001-01-01T00:00:00Z`).
        public var endsAt: Timestamp?
        public var fingerprint: String
        public var generatorURL: String?

        /// The incident id: one incident per alert fingerprint.
        public var incidentID: String { "am-\(fingerprint)" }

        /// The incident this alert describes, opened at `startsAt` (and resolved at `endsAt` when resolved).
        public var incident: Incident {
            let name = labels["alertname"] ?? "alert"
            return Incident(
                id: incidentID, title: annotations["summary"] ?? name, severity: labels["severity"] ?? "warning",
                category: labels["category"] ?? name, service: labels["service"] ?? labels["job"] ?? labels["instance"],
                summary: annotations["description"], source: "alertmanager", fingerprint: fingerprint,
                openedAt: startsAt,
                resolvedAt: firing ? nil : endsAt)
        }
    }

    public var status: String
    public var receiver: String
    public var groupKey: String
    public var alerts: [Alert]

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and checks a payload; `origin` names it in errors.
    public init(json bytes: [UInt8], origin: String) throws(Error) {
        func fail(_ message: String) -> Error { Error(description: "\(origin): \(message)") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw fail(
                "not JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "unreadable"))")
        }
        guard let top = object as? [String: Any] else {
            throw fail("not an Alertmanager payload: the top level is not an object")
        }
        guard let version = top["version"] as? String else {
            throw fail("no \"version\": not an Alertmanager webhook payload")
        }
        // Grafana's webhook contact point sends the same shape as version "1", with orgId, title, state,
        // message and per-alert values beside it; those extra fields are not needed and not checked.
        guard version == "4" || (version == "1" && top["orgId"] != nil) else {
            throw fail(
                "version \"\(version)\" is not supported (Alertmanager's version 4, or Grafana's version 1 with orgId)")
        }
        guard let status = top["status"] as? String, ["firing", "resolved"].contains(status) else {
            throw fail("\"status\" must be \"firing\" or \"resolved\"")
        }
        guard let alerts = top["alerts"] as? [Any] else { throw fail("\"alerts\" is missing or not a list") }
        self.status = status
        receiver = top["receiver"] as? String ?? ""
        groupKey = top["groupKey"] as? String ?? ""
        var parsed: [Alert] = []
        for (index, item) in alerts.enumerated() {
            let place = "alerts[\(index)]"
            guard let alert = item as? [String: Any] else { throw fail("\(place) is not an object") }
            guard let alertStatus = alert["status"] as? String, ["firing", "resolved"].contains(alertStatus) else {
                throw fail("\(place).status must be \"firing\" or \"resolved\"")
            }
            guard let fingerprint = alert["fingerprint"] as? String, !fingerprint.isEmpty,
                fingerprint.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
                })
            else { throw fail("\(place).fingerprint is missing or not alphanumeric") }
            func strings(_ key: String) throws(Error) -> [String: String] {
                guard let value = alert[key] else { return [:] }
                guard let table = value as? [String: Any] else { throw fail("\(place).\(key) is not an object") }
                var result: [String: String] = [:]
                for (name, entry) in table {
                    guard let text = entry as? String else { throw fail("\(place).\(key).\(name) is not a string") }
                    result[name] = text
                }
                return result
            }
            let labels = try strings("labels")
            let annotations = try strings("annotations")
            guard let startsText = alert["startsAt"] as? String, let startsAt = Timestamp.parse(startsText, in: .gmt)
            else {
                throw fail("\(place).startsAt is missing or not an RFC 3339 time")
            }
            var endsAt: Timestamp?
            if let endsText = alert["endsAt"] as? String, !endsText.hasPrefix("0001-") {
                guard let ends = Timestamp.parse(endsText, in: .gmt) else {
                    throw fail("\(place).endsAt is not an RFC 3339 time")
                }
                endsAt = ends
            }
            if alertStatus == "resolved", endsAt == nil { throw fail("\(place) is resolved but has no endsAt") }
            if let endsAt, endsAt < startsAt, alertStatus == "resolved" {
                throw fail("\(place).endsAt is before its startsAt")
            }
            parsed.append(
                Alert(
                    firing: alertStatus == "firing", labels: labels, annotations: annotations, startsAt: startsAt,
                    endsAt: alertStatus == "firing" ? nil : endsAt, fingerprint: fingerprint,
                    generatorURL: alert["generatorURL"] as? String))
        }
        self.alerts = parsed
    }
}
