import ArgumentParser
import Foundation
import OwnerReportCommandLine
import OwnerReportCore
import OwnerReportIntake
import OwnerReportSockets
import OwnerReportSubmission

/// `owner-report-intake`: reports and alerts over HTTP, on disk before the sender hears 2xx.
struct Intake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: Invocation.commandName("intake"),
        abstract: "Take reports, Alertmanager and Grafana alerts and relayed reports over HTTP into the queue.",
        discussion: """
            Endpoints: POST /v1/reports (a report in the JSON form; Idempotency-Key makes a retry safe), \
            POST /v1/alertmanager (an Alertmanager webhook payload, or Grafana's: the producer's incident \
            and postmortem semantics), POST /v1/relay (another owner-report's webhook channel, verified \
            per Standard Webhooks and taken once per webhook-id), POST /v1/ping/NAME, /v1/ping/NAME/start \
            and /v1/ping/NAME/fail (a job's sign of life for [expect.NAME]; the body is a failure's \
            message; same authentication as /v1/reports), GET /healthz. A 2xx means the report is \
            fsynced in pending/ and recorded in the ledger; 400/422 name what is wrong and nothing is \
            written; a full disk or unwritable ledger is 503 with Retry-After. It listens on [intake] \
            listen (TCP) and socket (Unix: the peer's uid is the submitter), or on the sockets systemd \
            passes (owner-report-intake.socket); a non-loopback address needs [intake] token_env. \
            SIGTERM stops it once the requests under way are answered.

            Examples:
              owner-report-intake --listen 127.0.0.1:8787
              curl -s -H 'Content-Type: application/json' -d '{"kind":"note","title":"hi"}' http://127.0.0.1:8787/v1/reports
            """,
        version: OwnerReportVersion.string)

    @OptionGroup var common: CommonOptions

    @Option(
        help: ArgumentHelp(
            "Listen on this TCP host:port too (repeatable); loopback only unless [intake] has a token.",
            valueName: "host:port"))
    var listen: [String] = []

    @Option(help: ArgumentHelp("Listen on this Unix socket path too (mode 0660).", valueName: "path"))
    var socket: String?

    func validate() throws {
        for address in listen where !address.contains(":") {
            throw ValidationError("--listen '\(address)' is not host:port")
        }
    }

    func run() throws {
        try common.run(program: "owner-report-intake") { context in
            var policy = context.configuration.intake
            policy.listen += listen
            if let socket { policy.socket = socket }
            if let open = policy.listen.first(where: { !IntakePolicy.isLoopback($0) }), policy.token == nil {
                throw UsageError(
                    "--listen \(open) is not a loopback address: set [intake] token_env or token_file first")
            }
            var sockets = ListeningSocket.allFromSystemd(environment: common.environment)
            if sockets.isEmpty {
                sockets = try policy.listen.map { address throws(SystemError) in
                    try ListeningSocket.bind(tcp: address)
                }
                if let path = policy.socket { sockets.append(try ListeningSocket.bind(unix: path, mode: 0o660)) }
            }
            guard !sockets.isEmpty else {
                throw UsageError(
                    "nothing to listen on: give --listen or --socket, or [intake] listen or socket in \(context.configuration.sourceName)"
                )
            }
            common.warnIfOnNetworkFileSystem(program: "owner-report-intake")
            StopSignal.install()
            let service = try IntakeService(
                queue: context.queue, configuration: context.configuration, secrets: context.secrets,
                logger: context.logger)
            let server = IntakeHTTPServer(sockets: sockets, service: service, policy: policy, logger: context.logger)
            server.start()
            context.logger.info(
                "listening", metadata: ["addresses": "\(policy.listen + (policy.socket.map { [$0] } ?? []))"])
            while StopSignal.received == nil { usleep(200_000) }
            server.stop()
            return .success
        }
    }
}
