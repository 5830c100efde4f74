import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// `owner-report-intake` as a process, with real HTTP clients: the durability contract, refusals,
/// Standard Webhooks signatures made by the reference library, and a relay hop between two queues.
@Suite struct IntakeTests {
    static let note = Array(
        #"{"kind": "note", "title": "from CI", "fields": {"pipeline": "build-42"}, "body": "本文 🚀"}"#.utf8)

    @Test func aTwoHundredAndTwoMeansOnDiskAndRecordedAndARetryIsTakenOnce() throws {
        let intake = try IntakeFixture()
        let first = try intake.request("POST", "/v1/reports", body: Self.note, headers: ["Idempotency-Key: build-42"])
        #expect(first.status == 202, "\(first)")
        let id = try #require(first.json["id"] as? String)
        // Nothing else runs: what is there now was there when the answer was sent.
        #expect(directoryNames(intake.queue.pending) == [id])
        let enqueued = try #require(try intake.ledger().events(for: id).first)
        #expect(enqueued.kind == .enqueued && ReportFacts(json: enqueued.facts)?.idempotencyKey == "build-42")
        let retry = try intake.request("POST", "/v1/reports", body: Self.note, headers: ["Idempotency-Key: build-42"])
        #expect(
            retry.status == 202 && retry.json["id"] as? String == id && retry.json["duplicate"] as? Bool == true,
            "\(retry)")
        #expect(directoryNames(intake.queue.pending) == [id], "the retry enqueued nothing")
        // The key outlives the process: a restarted intake still knows it.
        try intake.restart()
        let later = try intake.request("POST", "/v1/reports", body: Self.note, headers: ["Idempotency-Key: build-42"])
        #expect(later.json["id"] as? String == id && later.json["duplicate"] as? Bool == true, "\(later)")
        let delivered = try intake.fixture.drive()
        let accepted = try intake.fixture.acceptedIDs()
        #expect(delivered.status == 0 && accepted == [id], "\(delivered)")
        let stopped = intake.stop()
        #expect(stopped.status == 0)
        // --verbose logs every request; neither secret appears in what the intake printed or recorded.
        let ledgerText = try intake.ledger().allEvents().map { "\($0)" }.joined()
        for secret in [IntakeFixture.token, IntakeFixture.relaySecret] {
            #expect(
                !stopped.stdout.contains(secret) && !stopped.stderr.contains(secret) && !ledgerText.contains(secret))
        }
    }

    @Test func badRequestsAreRefusedNamingTheProblemAndWriteNothing() throws {
        let intake = try IntakeFixture(intake: "max_request_bytes = 65536")
        let cases: [(String, String, [UInt8], Bool, Int, String)] = [
            ("POST", "/v1/reports", Array("not json".utf8), true, 400, "not JSON"),
            ("POST", "/v1/reports", [0xff, 0xfe, 0x00], true, 400, "not JSON"),
            (
                "POST", "/v1/reports", Array(#"{"kind": "note", "fields": {"destination": "nowhere"}}"#.utf8), true,
                422, "no destination named 'nowhere'"
            ),
            (
                "POST", "/v1/reports", Array(repeating: UInt8(ascii: "a"), count: 100_000), true, 413,
                "over intake.max_request_bytes"
            ),
            ("POST", "/v1/reports", Self.note, false, 401, "Bearer"),
            (
                "POST", "/v1/alertmanager", Array(#"{"version": "3", "alerts": []}"#.utf8), true, 422,
                "is not supported (Alertmanager"
            ),
            (
                "POST", "/v1/alertmanager",
                Array(#"{"version": "4", "status": "firing", "alerts": [{"status": "firing"}]}"#.utf8), true, 422,
                "alerts[0].fingerprint"
            ),
            ("POST", "/v1/relay", Self.note, true, 401, "webhook-id"),
            ("GET", "/v1/reports", [], true, 405, "not allowed"),
            ("POST", "/v2/everything", Self.note, true, 404, "no endpoint"),
        ]
        for (method, path, body, bearer, status, words) in cases {
            let answer = try intake.request(method, path, body: body, bearer: bearer)
            #expect(answer.status == status && answer.body.contains(words), "\(method) \(path): \(answer)")
        }
        #expect(directoryNames(intake.queue.pending).isEmpty)
        #expect(try intake.ledger().allEvents().isEmpty, "nothing was recorded either")
        #expect(intake.stop().status == 0, "and the intake is still up to stop cleanly")
    }

    @Test func relayedReportsAreVerifiedWithTheReferenceLibraryAndTakenOncePerWebhookID() throws {
        let intake = try IntakeFixture()
        let body = Array(
            #"{"id": "20261124T080000.000000000Z-note-a-00000001.md", "kind": "incident", "title": "relayed", "fields": {"severity": "critical", "destination": "theirs"}, "body": "x"}"#
                .utf8)
        let good = try intake.request("POST", "/v1/relay", body: body, bearer: false, sign: ("msg-1", nil))
        #expect(good.status == 202, "\(good)")
        let replayed = try intake.request("POST", "/v1/relay", body: body, bearer: false, sign: ("msg-1", nil))
        #expect(
            replayed.status == 202 && replayed.json["duplicate"] as? Bool == true
                && replayed.json["id"] as? String == good.json["id"] as? String)
        let forged = try intake.request(
            "POST", "/v1/relay", body: body, bearer: false, sign: ("msg-2", nil),
            secret: "whsec_QWxsIHlvdXIgYmFzZSBhcmUgYmVsb25nIHRvIHVz")
        #expect(forged.status == 401 && forged.body.contains("does not match"), "\(forged)")
        let stale = try intake.request(
            "POST", "/v1/relay", body: body, bearer: false, sign: ("msg-3", Int(Date().timeIntervalSince1970) - 600))
        #expect(stale.status == 401 && stale.body.contains("webhook-timestamp"), "\(stale)")
        let id = try #require(good.json["id"] as? String)
        #expect(directoryNames(intake.queue.pending) == [id])
        let text = try String(contentsOfFile: "\(intake.queue.pending)/\(id)", encoding: .utf8)
        #expect(
            text.contains("\"relayed_from\"") && !text.contains("theirs"),
            "routed by this queue, not the origin's destination: \(text)")
        #expect(intake.stop().status == 0)
    }

    /// The origin host of a relayed report: the sender's `host`, or an earlier hop's `origin_host` in a
    /// chain; a name that is not a host name is refused with nothing written.
    @Test func aRelayedReportKeepsItsFirstOriginHostAndABadHostNameIsRefused() throws {
        let intake = try IntakeFixture()
        func relay(_ json: String, _ id: String) throws -> IntakeFixture.Answer {
            try intake.request("POST", "/v1/relay", body: Array(json.utf8), bearer: false, sign: (id, nil))
        }
        let direct = try relay(
            #"{"id": "a-1.md", "kind": "note", "title": "one hop", "host": "web-2", "body": "x"}"#, "hop-1")
        let chained = try relay(
            #"{"id": "b-1.md", "kind": "note", "title": "two hops", "host": "relay-1", "fields": {"origin_host": "web-9"}, "body": "x"}"#,
            "hop-2")
        #expect(direct.status == 202 && chained.status == 202, "\(direct) \(chained)")
        func origin(_ answer: IntakeFixture.Answer) throws -> String? {
            let id = try #require(answer.json["id"] as? String)
            return try ReportCodec.decode(
                try DurableFile.readWhole("\(intake.queue.pending)/\(id)"), format: .json, path: id
            ).text(Lane.originField)
        }
        #expect(try origin(direct) == "web-2")
        #expect(try origin(chained) == "web-9", "a chain keeps the first origin")
        let before = directoryNames(intake.queue.pending)
        for (index, json) in [
            #"{"id": "c-1.md", "kind": "note", "title": "t", "host": "web 1; rm -rf /", "body": "x"}"#,
            #"{"id": "c-2.md", "kind": "note", "title": "t", "fields": {"origin_host": "\#(String(repeating: "h", count: 65))"}, "body": "x"}"#,
        ].enumerated() {
            let refused = try relay(json, "bad-\(index)")
            #expect(refused.status == 400 && refused.body.contains("is not a host name"), "\(refused)")
        }
        #expect(directoryNames(intake.queue.pending) == before, "nothing written for a refused relay")
        #expect(intake.stop().status == 0)
    }

    /// With a secret per origin host, a message signed with web-1's secret is from web-1, whatever it
    /// says; claiming another host with it is refused. The shared secret still leaves the name to the body.
    @Test func aRelaySecretPerOriginHostNamesTheSenderWhateverItSays() throws {
        let secrets = TemporaryDirectory("owner-report-relay-origins")
        let web1Secret = "whsec_d2ViLTEtb3duLXJlbGF5LXNlY3JldC0xMjM0NTY3OA=="
        let file = try secrets.write("web-1.secret", web1Secret + "\n")
        chmod(file, 0o600)
        let intake = try IntakeFixture(intake: "\n[intake.relay_origins]\nweb-1 = { secret_file = \"\(file)\" }\n")
        func relay(_ json: String, _ id: String, secret: String) throws -> IntakeFixture.Answer {
            try intake.request(
                "POST", "/v1/relay", body: Array(json.utf8), bearer: false, sign: (id, nil), secret: secret)
        }
        func origin(_ answer: IntakeFixture.Answer) throws -> String? {
            let id = try #require(answer.json["id"] as? String)
            return try ReportCodec.decode(
                try DurableFile.readWhole("\(intake.queue.pending)/\(id)"), format: .json, path: id
            ).text(Lane.originField)
        }
        let named = try relay(
            #"{"id": "a.md", "kind": "note", "title": "t", "host": "web-1", "body": "x"}"#, "own-1", secret: web1Secret)
        let unnamed = try relay(
            #"{"id": "b.md", "kind": "note", "title": "t", "body": "x"}"#, "own-2", secret: web1Secret)
        let shared = try relay(
            #"{"id": "c.md", "kind": "note", "title": "t", "host": "web-7", "body": "x"}"#, "shared-1",
            secret: IntakeFixture.relaySecret)
        #expect(named.status == 202 && unnamed.status == 202 && shared.status == 202, "\(named) \(unnamed) \(shared)")
        #expect(try origin(named) == "web-1" && origin(unnamed) == "web-1", "the secret names the sender")
        #expect(try origin(shared) == "web-7", "the shared secret leaves the name to the body")
        let before = directoryNames(intake.queue.pending)
        let impersonating = try relay(
            #"{"id": "d.md", "kind": "note", "title": "t", "host": "web-2", "body": "x"}"#, "own-3", secret: web1Secret)
        #expect(
            impersonating.status == 403
                && impersonating.body.contains("signed with the relay secret of 'web-1', but says it is 'web-2'"),
            "\(impersonating)")
        let stranger = try relay(
            #"{"id": "e.md", "kind": "note", "title": "t", "host": "web-1", "body": "x"}"#, "own-4",
            secret: "whsec_c3RyYW5nZXItc2VjcmV0LW5vdC1rbm93bi1oZXJlLTEyMzQ=")
        #expect(stranger.status == 401, "\(stranger)")
        #expect(directoryNames(intake.queue.pending) == before, "nothing written for a refused relay")
        #expect(intake.stop().status == 0)
    }

    @Test func onTheUnixSocketThePeersUidIsTheSubmitterAndNoTokenIsNeeded() throws {
        let intake = try IntakeFixture()
        let answer = try intake.request("POST", "/v1/reports", body: Self.note, bearer: false, unix: true)
        #expect(answer.status == 202, "\(answer)")
        let id = try #require(answer.json["id"] as? String)
        let enqueued = try #require(try intake.ledger().events(for: id).first)
        #expect(ReportFacts(json: enqueued.facts)?.submitter?.uid == geteuid())
        #expect(intake.stop().status == 0)
    }

    @Test func aChainOfTwoQueuesDeliversEachReportOnceInTheSendersOrderThroughKills() throws {
        // Host B: the intake; host A: a queue whose webhook destination is B's /v1/relay.
        let centre = try IntakeFixture()
        let origin = TemporaryDirectory()
        let originQueue = QueueDirectory(root: origin.appending("queue"))
        let config = try origin.write(
            "config.toml",
            """
            default_destination = "centre"
            [delivery]
            backoff_initial = "1s"
            backoff_max = "1s"
            timeout = "2s"
            connect_timeout = "1s"
            [destinations.centre]
            channel = "webhook"
            url = "\(centre.baseURL)/v1/relay"
            secret_env = "TEST_RELAY_SECRET"
            """)
        try originQueue.prepare()
        let ledger = try Ledger(queue: originQueue)
        // `make faults` (OWNER_REPORT_FAULTS=full) runs it at the issue's size: 200 reports, 10 kills.
        let (count, kills) = FaultTests.full ? (200, 10) : (60, 4)
        let sent = try (1...count).map { index in
            try originQueue.enqueue(
                Report(kind: .note, title: "hop \(String(format: "%03d", index))", body: "本文 \(index)"), ledger: ledger)
        }
        let environment = ["TEST_RELAY_SECRET": IntakeFixture.relaySecret]
        var driver = try Program.driver.start(
            ["--follow", "--queue", originQueue.root, "--config", config], environment: environment)
        // Kill the centre's intake and the origin's driver, in turn, at random moments along the way.
        for round in 1...kills {
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.4))
            if round % 2 == 1 {
                try centre.restart()
            } else {
                driver.signal(SIGKILL)
                _ = driver.wait()
                driver = try Program.driver.start(
                    ["--follow", "--queue", originQueue.root, "--config", config], environment: environment)
            }
        }
        #expect(
            eventually(timeout: .seconds(120)) { directoryNames(originQueue.pending).isEmpty }, "the origin drained")
        driver.signal(SIGTERM)
        _ = driver.wait()
        // The centre holds each origin report once, in the origin's order. An `enqueued` row whose file
        // never reached pending/ is an intake killed between its commit and its link: the sender was not
        // answered, retried, and that retry is the report.
        let visible = try centre.ledger().query("WHERE event = 'enqueued' ORDER BY seq", []).compactMap(\.report)
            .filter { access("\(centre.queue.pending)/\($0)", F_OK) == 0 }
        let relayed = try visible.map { id in
            try ReportCodec.decode(try DurableFile.readWhole("\(centre.queue.pending)/\(id)"), format: .json, path: id)
                .text("relayed_from")
        }
        #expect(relayed == sent, "\(relayed.count) relayed for \(sent.count) sent")
        #expect(centre.stop().status == 0)
    }

    @Test func debiansAlertmanagerFiringRepeatedAndResolvedGivesOneIncidentAndItsPostmortem() throws {
        let intake = try IntakeFixture()
        let alertmanager = try AlertmanagerServer(intake: intake)
        func post(_ alerts: String) throws -> Int32 { try alertmanager.post(alerts) }
        let started = Timestamp.now().adding(nanoseconds: -15 * 60 * 1_000_000_000).iso8601UTC
        let alert =
            #"{"labels": {"alertname": "APIErrors", "severity": "critical", "service": "api"}, "annotations": {"summary": "API 5xx above 2%"}, "startsAt": "\#(started)""#
        #expect(alertmanager.postWhenReady("[\(alert)}]"), "Alertmanager did not take the alert")
        #expect(
            eventually(timeout: .seconds(20)) { directoryNames(intake.queue.pending).count == 1 }, "no incident opened")
        // The same alert again, past a group interval: Alertmanager may notify again; nothing new opens.
        #expect(try post("[\(alert)}]") == 0)
        Thread.sleep(forTimeInterval: 2.5)
        #expect(directoryNames(intake.queue.pending).count == 1)
        let ended = Timestamp.now().iso8601UTC
        #expect(try post(#"[\#(alert), "endsAt": "\#(ended)"}]"#) == 0)
        #expect(
            eventually(timeout: .seconds(20)) { directoryNames(intake.queue.pending).count == 3 },
            "\(directoryNames(intake.queue.pending))")
        let kinds = directoryNames(intake.queue.pending).compactMap { ReportName.kind(of: $0)?.rawValue }
        #expect(kinds == ["incident", "incident", "postmortem"])
        let delivered = try intake.fixture.drive()
        let accepted = try intake.fixture.acceptedIDs()
        #expect(delivered.status == 0 && accepted.count == 3 && Set(accepted).count == 3, "\(delivered)")
        #expect(intake.stop().status == 0)
    }

    @Test func grafanasContactPointPayloadOpensAnIncidentLikeAlertmanagers() throws {
        let intake = try IntakeFixture()
        // Grafana's webhook contact point: version "1", orgId, title, state, message, and per-alert extras.
        let body = Array(
            #"""
            {"receiver": "owner", "status": "firing", "orgId": 1, "title": "[FIRING:1] DiskFull", "state": "alerting",
             "message": "disk", "version": "1", "groupKey": "{}:{}", "truncatedAlerts": 0,
             "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull", "severity": "critical"},
                         "annotations": {"summary": "/var above 95%"}, "startsAt": "2026-11-24T09:00:00Z",
                         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://grafana/alerting/1", "fingerprint": "9f2c",
                         "silenceURL": "http://grafana/silence", "dashboardURL": "", "panelURL": "", "values": {"B": 97.5}, "valueString": "B=97.5"}]}
            """#.utf8)
        let answer = try intake.request("POST", "/v1/alertmanager", body: body)
        #expect(answer.status == 200, "\(answer)")
        let enqueued = answer.json["enqueued"] as? [String] ?? []
        #expect(enqueued.count == 1 && enqueued.first.flatMap(ReportName.kind(of:)) == .incident, "\(answer)")
        #expect(intake.stop().status == 0)
    }

    @Test func aSilentClientIsCutOffAndGarbageGetsA400WhileOthersAreServed() throws {
        let intake = try IntakeFixture(intake: "request_timeout = \"1s\"")
        // Sixteen connections that never send a byte.
        let silent = try (1...16).map { _ -> Int32 in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(intake.port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw TestSetupError("connect: errno \(errno)") }
            return descriptor
        }
        defer { silent.forEach { close($0) } }
        let started = ContinuousClock.now
        let served = try intake.request("POST", "/v1/reports", body: Self.note)
        #expect(served.status == 202 && ContinuousClock.now - started < .seconds(5), "\(served)")
        // The silent ones are closed by the server at request_timeout: a read sees the end.
        var byte: UInt8 = 0
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(silent[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #expect(recv(silent[0], &byte, 1, 0) == 0, "the server closed the silent connection")
        let garbage = try runTool([
            "python3", "-c",
            "import socket, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(b'\\x00\\xffNOT HTTP\\r\\n\\r\\n'); print(s.recv(100)[:12].decode())",
            String(intake.port),
        ])
        #expect(garbage.output.hasPrefix("HTTP/1.1 400"), "\(garbage.output)")
        #expect(try intake.request("GET", "/healthz", bearer: false).status == 200, "still serving")
        #expect(intake.stop().status == 0)
    }

    @Test func theIntakeServesTheSocketsSystemdPassesIt() throws {
        // As owner-report-intake.socket does: systemd binds, the intake serves descriptor 3 (LISTEN_FDS=1).
        let fixture = try DriverFixture()
        let socket = fixture.directory.appending("activated.sock")
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        launcher.arguments = [
            "python3", ServerProcess.script("socket_activate.py"), socket, "600",
            String(cString: getgrgid(getegid()).pointee.gr_name), "--",
            Program.intake.path, "--queue", fixture.queue.root, "--config", fixture.configPath, "--verbose",
        ]
        launcher.environment = ProcessInfo.processInfo.environment.merging(fixture.environment) { $1 }
        let intake = try RunningProgram.launch(launcher, input: nil)
        var answer: IntakeFixture.Answer?
        #expect(
            eventually(timeout: .seconds(20)) {
                let outcome = try? runTool([
                    "python3", ServerProcess.script("intake_client.py"), "POST", "http://localhost/v1/reports",
                    "--unix", socket,
                    "--body-file", "/dev/stdin",
                ])
                answer = outcome.flatMap {
                    try? JSONDecoder().decode(IntakeFixture.Answer.self, from: Data($0.output.utf8))
                }
                return answer.map { $0.status != 0 } ?? false
            })
        // An empty body is not JSON: the point is that the handed-over socket answers at all, then a real one.
        #expect(answer?.status == 400, "\(String(describing: answer))")
        let body = fixture.directory.appending("note.json")
        try Data(Self.note).write(to: URL(fileURLWithPath: body))
        let real = try runTool([
            "python3", ServerProcess.script("intake_client.py"), "POST", "http://localhost/v1/reports", "--unix",
            socket, "--body-file", body,
        ])
        let taken = try JSONDecoder().decode(IntakeFixture.Answer.self, from: Data(real.output.utf8))
        #expect(taken.status == 202, "\(real.output)")
        intake.signal(SIGTERM)
        let stopped = intake.wait()
        #expect(stopped.status == 0, "\(stopped)")
        #expect(directoryNames(fixture.queue.pending).count == 1)
    }
}
