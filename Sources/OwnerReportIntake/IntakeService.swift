#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Logging
import OwnerReportCore
import OwnerReportLedger
import OwnerReportReports
import OwnerReportSockets
import OwnerReportSubmission

/// What the intake does with each request, without sockets: authentication, validation and the same
/// durable enqueue as every other path. A 2xx is returned only once the report is fsynced in pending/
/// and its `enqueued` row committed; requests are handled one at a time.
public final class IntakeService: @unchecked Sendable {
    private let queue: QueueDirectory
    private let policy: IntakePolicy
    private let configuration: Configuration
    private let desk: SubmissionDesk
    private let builder: ReportBuilder
    private let token: String?
    /// The relay's secrets: the shared one (no host), then one per origin host.
    private let relaySignatures: [(host: String?, signature: StandardWebhookSignature)]
    private let logger: Logger
    private let lock = NSLock()
    /// The clock relayed timestamps are checked against (tests move it).
    private let now: () -> Timestamp

    public init(
        queue: QueueDirectory, configuration: Configuration, secrets: SecretResolver, logger: Logger,
        now: @escaping () -> Timestamp = { .now() }
    ) throws {
        self.queue = queue
        self.configuration = configuration
        policy = configuration.intake
        try queue.prepare()
        let ledger = try Ledger(queue: queue)
        desk = SubmissionDesk(queue: queue, configuration: configuration, ledger: ledger)
        // What an intake killed mid-request left in tmp/: its committed reports are published before any
        // retry arrives, so the retry finds them (docs/design.md §3).
        if let line = try queue.recoverStaged(ledger: ledger, by: "the intake").summary { logger.notice("\(line)") }
        builder = try ReportBuilder(configuration: configuration)
        token = try policy.token.map { try secrets.value(of: $0, key: "intake.token") }
        var signatures: [(host: String?, signature: StandardWebhookSignature)] = []
        if let shared = policy.relaySecret {
            signatures.append(
                (nil, StandardWebhookSignature(secret: try secrets.value(of: shared, key: "intake.relay_secret"))))
        }
        for (host, source) in policy.relayOrigins.sorted(by: { $0.key < $1.key }) {
            signatures.append(
                (
                    host,
                    StandardWebhookSignature(
                        secret: try secrets.value(of: source, key: "intake.relay_origins.\(host).secret"))
                ))
        }
        relaySignatures = signatures
        self.logger = logger
        self.now = now
    }

    /// Answers one request.
    public func handle(_ request: IntakeRequest) -> IntakeResponse {
        lock.lock()
        defer { lock.unlock() }
        let response: IntakeResponse
        switch (request.method, request.path) {
        case ("GET", "/healthz"): response = health()
        case ("POST", "/v1/reports"): response = authorized(request) ?? report(request)
        case ("POST", "/v1/alertmanager"): response = authorized(request) ?? alertmanager(request)
        case ("POST", "/v1/relay"): response = relay(request)
        case ("POST", let path) where path.hasPrefix("/v1/ping/"): response = authorized(request) ?? ping(request)
        case (_, "/healthz"), (_, "/v1/reports"), (_, "/v1/alertmanager"), (_, "/v1/relay"):
            response = .error(405, "\(request.method) is not allowed on \(request.path)")
        default:
            response = .error(
                404,
                "no endpoint \(request.path) (POST /v1/reports, /v1/alertmanager, /v1/relay, /v1/ping/NAME; GET /healthz)"
            )
        }
        logger.info(
            "request",
            metadata: ["method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)"])
        return response
    }

    private func health() -> IntakeResponse {
        let paths: [String] = [queue.pending, queue.tmp, queue.ledgerPath]
        let problems = paths.filter { path in access(path, W_OK) != 0 }.map { path in "\(path) is not writable" }
        return problems.isEmpty
            ? IntakeResponse(status: 200, json: ["status": "ok"]) : .error(503, problems.joined(separator: "; "))
    }

    /// nil when the request may go on: a Unix socket's peer (the socket's mode admitted it), or the
    /// bearer token when one is configured. Without a token only loopback addresses are listened on.
    private func authorized(_ request: IntakeRequest) -> IntakeResponse? {
        guard case .tcp = request.peer, let token else { return nil }
        let given =
            request.headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? ""
        return Self.constantTimeEqual(Array(given.utf8), Array(token.utf8))
            ? nil : .error(401, "a valid Authorization: Bearer token is required")
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func submitter(_ request: IntakeRequest) -> ReportFacts.Submitter? {
        guard case .unix(let uid, let pid) = request.peer else { return nil }
        return PeerIdentity.submitter(uid: uid, pid: pid)
    }

    /// The HTTP status for a refusal: bad data 422, a full disk or unwritable ledger 503 (retry), else 500.
    private static func response(for error: SubmissionError) -> IntakeResponse {
        switch error.exitStatus {
        case .dataError, .usage: .error(422, error.message)
        case .temporaryFailure: .error(503, error.message)
        default: .error(500, error.message)
        }
    }

    private func report(_ request: IntakeRequest) -> IntakeResponse {
        guard (try? JSONSerialization.jsonObject(with: Data(request.body))) != nil else {
            return .error(400, "the body is not JSON: send a report as {\"kind\", \"title\", \"fields\", \"body\"}")
        }
        do {
            let accepted = try desk.accept(
                request.body, format: .json, from: submitter(request), key: request.headers["idempotency-key"],
                via: "the intake's /v1/reports")
            return IntakeResponse(status: 202, json: ["id": accepted.id, "duplicate": accepted.duplicate])
        } catch {
            return Self.response(for: error)
        }
    }

    /// `POST /v1/ping/NAME[/start|/fail]`: a job's sign of life for `[expect.NAME]`; the body, if any,
    /// is the message (a failure's reason).
    private func ping(_ request: IntakeRequest) -> IntakeResponse {
        let parts = request.path.dropFirst("/v1/ping/".count).split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        let state: PingDesk.State
        switch parts.count == 2 ? parts[1] : parts.count == 1 ? "success" : "" {
        case "success": state = .success
        case "start": state = .start
        case "fail": state = .fail
        default:
            return .error(
                404, "no endpoint \(request.path) (POST /v1/ping/NAME, /v1/ping/NAME/start, /v1/ping/NAME/fail)")
        }
        let name = parts[0]
        if let problem = PingDesk.problem(with: name, in: configuration) { return .error(404, problem) }
        let message = request.body.isEmpty ? nil : String(decoding: request.body.prefix(2_000), as: UTF8.self)
        let sender = submitter(request)
        let incidents = IncidentDesk(builder: builder, ledger: desk.ledger, queue: queue, records: true) {
            [desk] announcements, rows in
            try desk.enqueue(
                together: announcements.map { ($0.report, "the intake's /v1/ping (\($0.origin))", $0.cause) },
                recording: rows, from: sender)
        }
        do {
            let enqueued = try PingDesk(configuration: configuration, ledger: desk.ledger, incidents: incidents).record(
                name, state, message: message, at: now())
            return IntakeResponse(status: 200, json: ["recorded": state.rawValue, "enqueued": enqueued])
        } catch let error as SubmissionError {
            return Self.response(for: error)
        } catch {
            return .error(503, "\(error)")
        }
    }

    private func alertmanager(_ request: IntakeRequest) -> IntakeResponse {
        guard (try? JSONSerialization.jsonObject(with: Data(request.body))) != nil else {
            return .error(400, "the body is not JSON")
        }
        let payload: AlertmanagerPayload
        do {
            payload = try AlertmanagerPayload(json: request.body, origin: "/v1/alertmanager")
        } catch {
            return .error(422, error.description)
        }
        let sender = submitter(request)
        let incidents = IncidentDesk(builder: builder, ledger: desk.ledger, queue: queue, records: true) {
            [desk] announcements, rows in
            try desk.enqueue(
                together: announcements.map { ($0.report, "the intake's /v1/alertmanager (\($0.origin))", $0.cause) },
                recording: rows, from: sender)
        }
        do {
            let outcome = try incidents.apply(
                payload, origin: "/v1/alertmanager", heartbeats: configuration.expectations.heartbeats)
            return IntakeResponse(status: 200, json: ["enqueued": outcome.enqueued, "notes": outcome.notes])
        } catch let error as SubmissionError {
            return Self.response(for: error)
        } catch {
            return .error(503, "\(error)")
        }
    }

    /// A report another owner-report's `webhook` channel posted: verified per Standard Webhooks, taken
    /// once per `webhook-id`, so a retried hop enqueues nothing new and the sender's order is kept.
    private func relay(_ request: IntakeRequest) -> IntakeResponse {
        guard !relaySignatures.isEmpty else {
            return .error(
                404,
                "/v1/relay is not configured here (set intake.relay_secret_env or relay_secret_file, or [intake.relay_origins])"
            )
        }
        guard let id = request.headers["webhook-id"], !id.isEmpty,
            let stamp = request.headers["webhook-timestamp"].flatMap(Int64.init),
            let signature = request.headers["webhook-signature"]
        else { return .error(401, "webhook-id, webhook-timestamp and webhook-signature are required") }
        guard abs(now().seconds - stamp) <= Int64(policy.relayTolerance.seconds) else {
            return .error(401, "webhook-timestamp is more than \(Int(policy.relayTolerance.seconds)) s from now")
        }
        guard
            let signer = relaySignatures.first(where: {
                $0.signature.verify(signature, id: id, timestamp: stamp, body: request.body)
            })
        else {
            return .error(401, "webhook-signature does not match")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .error(400, "the body is not a JSON object")
        }
        var fields: [String: FieldValue] = [:]
        for (key, value) in object["fields"] as? [String: Any] ?? [:] where Report.isValidFieldName(Substring(key)) {
            if let text = value as? String {
                fields[key] = .text(text)
            } else if let items = value as? [String] {
                fields[key] = .list(items)
            }
        }
        // The origin's destination name means nothing here; the relayed report is routed by this queue's config.
        fields["destination"] = nil
        if let origin = object["id"] as? String { fields["relayed_from"] = .text(origin) }
        // The host it started on: kept from an earlier hop of a chain, else the sender's own name. It is
        // shown on the report and gives it its own lane here, so each origin keeps its order.
        // A host's own secret names the sender, whatever the body says; the shared secret leaves it to the body.
        let claimed = object["host"] as? String
        if let signed = signer.host, let claimed, claimed != signed {
            return .error(403, "signed with the relay secret of '\(signed)', but says it is '\(claimed.prefix(80))'")
        }
        let kept: String? = if case .text(let text)? = fields[Lane.originField] { text } else { nil }
        if let host = kept ?? signer.host ?? claimed {
            if let problem = FleetPolicy.hostProblem(host) { return .error(400, "origin host \(problem)") }
            fields[Lane.originField] = .text(host)
        } else {
            fields[Lane.originField] = nil
        }
        let kind = (object["kind"] as? String).flatMap(ReportKind.init(rawValue:)) ?? .note
        let report = Report(
            kind: kind, title: object["title"] as? String ?? kind.rawValue, fields: fields,
            body: object["body"] as? String ?? "")
        do {
            let accepted = try desk.enqueue(
                report, format: .json, from: nil, key: "relay:\(id)", via: "the intake's /v1/relay",
                keepsOriginStamp: true)
            return IntakeResponse(status: 202, json: ["id": accepted.id, "duplicate": accepted.duplicate])
        } catch {
            return Self.response(for: error)
        }
    }
}
