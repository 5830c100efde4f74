#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore
import OwnerReportTransfer

/// Delivers to a chat service: composes the report, cuts it into parts, renders and sends each part,
/// and keeps the service's pace. The service-specific parts live in a `ChatService`.
public final class ChatTransport: Transport, BacklogPacking {
    public let service: ChatService
    public var destination: Destination { service.destination }
    private let client: HTTPClient
    private let secrets: SecretResolver
    private let timeZone: TimeZone
    /// The destination's pace, shared by every lane that sends to it (a relay's origins).
    public let pace: Pace
    private var notices: [String] = []

    public var interruption: Interruption? {
        get { client.interruption }
        set { client.interruption = newValue }
    }

    /// - Parameter pace: the destination's, when another lane already sends to it.
    public init(
        service: ChatService, policy: DeliveryPolicy, secrets: SecretResolver, timeZone: TimeZone, pace: Pace = Pace()
    ) throws {
        self.service = service
        self.secrets = secrets
        self.timeZone = timeZone
        self.pace = pace
        client = try HTTPClient(timeout: policy.timeout, connectTimeout: policy.connectTimeout)
    }

    public func messages(for report: PreparedReport) throws -> [OutgoingMessage] {
        let parts = service.splitter.split(ReportComposer.markdown(report, timeZone: timeZone))
        return try parts.enumerated().map { index, markdown in
            let text = service.render(markdown)
            let body = try service.body(text: text, part: index + 1, parts: parts.count, of: report)
            return OutgoingMessage(part: index + 1, parts: parts.count, payload: body, text: text, reportID: report.id)
        }
    }

    public func send(_ message: OutgoingMessage, of report: PreparedReport) -> SendOutcome {
        var payload = message.payload
        // A moved chat is followed once per message; a second move in a row is an error.
        for _ in 0..<2 {
            let wait = pace.reserve(spacing: service.minimumInterval)
            if wait > .zero, !(interruption ?? Interruption.never).sleep(for: wait) {
                return .transient(
                    status: nil, retryAfter: nil,
                    detail: "stopped while keeping \(destination.name)'s pace; nothing was sent")
            }
            let response: HTTPResponse
            do {
                response = try client.post(url: service.url, headers: service.headers(masked: false), body: payload)
            } catch {
                return SendOutcome.classify(error)
            }
            if let pause = Self.rateLimitPause(response) { pace.holdBack(for: pause) }
            let excerpt = secrets.redact(String(response.bodyText.prefix(300)))
            let detail =
                "\(destination.channel.rawValue) HTTP \(response.status) from \(CurlError.redacted(service.url)): \(excerpt)"
            switch service.interpret(response, detail: detail) {
            case .outcome(let outcome):
                return outcome
            case .moved(let chatID):
                notices.append(
                    "\(destination.name): the chat moved to \(chatID) (\(excerpt)); sending there; set target = \"\(chatID)\" in the config"
                )
                do {
                    payload = try service.body(text: message.text, part: message.part, parts: message.parts, of: report)
                } catch {
                    return .rejected(
                        status: response.status, detail: "cannot build the request for the moved chat: \(error)")
                }
            }
        }
        return .destinationBroken(status: 400, detail: "the chat moved twice in a row; set its new id as the target")
    }

    /// Packs consecutive reports into as few messages as the service's limit allows, each report's
    /// block whole (`ReportComposer.compactMarkdown`). Packing stops before a report whose block does
    /// not fit a message with one other: it goes alone. Nothing is covered when not even the first
    /// two fit together.
    public func catchUpMessages(for reports: [PreparedReport]) -> CatchUp {
        let splitter = service.splitter
        // Room for the heading, counted at its longest: "📬 Catch-up 9999/9999: 9999 reports".
        let budget = splitter.limit - splitter.measure(service.render("📬 **Catch-up 9999/9999: 9999 reports**")) - 2
        var groups: [[String]] = []
        var current: [String] = []
        var used = 0
        var covered = 0
        for report in reports {
            let block = ReportComposer.compactMarkdown(report)
            let cost = splitter.measure(service.render(block)) + 2
            if cost * 2 > budget { break }
            if used + cost > budget {
                groups.append(current)
                current = []
                used = 0
            }
            current.append(block)
            used += cost
            covered += 1
        }
        if !current.isEmpty { groups.append(current) }
        if covered < 2 { return .none }
        let worst: ReportStatus =
            reports[..<covered].contains { $0.report.status == .warning || $0.report.status == .blocked }
            ? .warning : .normal
        let digest = Report(
            kind: .note, title: "Catch-up: \(covered) reports", fields: ["status": .text(worst.rawValue)], body: "")
        let prepared = PreparedReport(id: "catchup-\(reports[0].id)", report: digest, enqueuedAt: reports[0].enqueuedAt)
        var messages: [OutgoingMessage] = []
        var covering: [Range<Int>] = []
        var start = 0
        for (index, group) in groups.enumerated() {
            let heading = "📬 **Catch-up \(index + 1)/\(groups.count): \(group.count) reports**"
            let text = service.render(([heading] + group).joined(separator: "\n\n"))
            guard let body = try? service.body(text: text, part: index + 1, parts: groups.count, of: prepared) else {
                break
            }
            messages.append(
                OutgoingMessage(part: index + 1, parts: groups.count, payload: body, text: text, reportID: prepared.id))
            covering.append(start..<(start + group.count))
            start += group.count
        }
        return CatchUp(messages: messages, covering: covering, digest: digest)
    }

    public func takeNotices() -> [String] {
        defer { notices = [] }
        return notices
    }

    /// Discord's bucket headers: with no request left, wait until the bucket resets.
    static func rateLimitPause(_ response: HTTPResponse) -> Duration? {
        guard response.headers["x-ratelimit-remaining"] == "0",
            let text = response.headers["x-ratelimit-reset-after"], let seconds = Double(text), seconds > 0
        else { return nil }
        return .milliseconds(Int64(min(seconds, 60) * 1000))
    }

    public func preview(_ message: OutgoingMessage, of report: PreparedReport) -> String {
        var lines = ["POST \(service.shownURL)"]
        lines += service.headers(masked: true).map { "\($0.0): \($0.1)" }
        lines.append("")
        lines.append(secrets.redact(String(decoding: message.payload, as: UTF8.self)))
        return lines.joined(separator: "\n")
    }
}
