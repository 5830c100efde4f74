import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// The fleet's relay shape: three origin hosts' `webhook` destinations post to one centre's
/// `/v1/relay`, and only the centre talks to the chat service, a Discord-like sink that lets five
/// messages a second through, shared by all, and answers the rest with Discord's 429.
@Suite(.serialized) struct RelayFleetTests {
    static let origins = ["web-1", "web-2", "db-1"]
    static let perOrigin = 12

    /// An origin host: its queue relays to the centre, and its watchdog alerts into its own outbox/.
    static func originConfig(_ directory: TemporaryDirectory, host: String, centre: IntakeFixture) throws -> String {
        try directory.write(
            "\(host).toml",
            """
            default_destination = "centre"
            fallback_destination = "local"
            [delivery]
            backoff_initial = "1s"
            backoff_max = "1s"
            timeout = "2s"
            connect_timeout = "1s"
            [watchdog]
            max_pending_age = "1s"
            [fleet]
            host = "\(host)"
            [destinations.centre]
            channel = "webhook"
            url = "\(centre.baseURL)/v1/relay"
            secret_env = "TEST_RELAY_SECRET"
            [destinations.local]
            channel = "file"
            path = "outbox"
            """)
    }

    @Test func threeOriginsThroughOneCentreReachASharedRateLimitOnceEachInEachOriginsOrder() throws {
        let sink = try HTTPSink()
        // web-2's third report meets a 503 once: its lane at the centre waits, the other origins' go on.
        try sink.emulate(
            ["discord_token": "centre-bot-token", "discord_rate": ["limit": 5, "per": 1.0]],
            rules: [["contains": "web-2 #03", "status": 503, "times": 1, "body": "{\"message\": \"upstream\"}"]])
        let secrets = TemporaryDirectory("owner-report-relay-secrets")
        let tokenFile = try secrets.write("discord.token", "centre-bot-token\n")
        chmod(tokenFile, 0o600)
        let centre = try IntakeFixture(
            intake: """

                [routes]
                note = ["chat"]
                [destinations.chat]
                channel = "discord"
                target = "channel:4242"
                token_file = "\(tokenFile)"
                api_base = "\(sink.baseURL)/api/v10"
                # One message per report: this test reads each origin's order message by message
                # (LaneTests covers a backlog packed into catch-up digests).
                catch_up = false
                """,
            // web-2's retry comes 4 s after its 503: time enough, at five messages a second shared with a
            // neighbour, for the other origins' lanes to be seen going on (with 1 s they may all sit out a
            // 429 of their own in that window).
            delivery: "backoff_initial = \"4s\"\nbackoff_max = \"4s\"\ntimeout = \"2s\"\nconnect_timeout = \"1s\"")
        // The centre is down first: the origins must keep everything.
        #expect(centre.stop().status == 0)

        let directory = TemporaryDirectory("owner-report-origins")
        let environment = ["TEST_RELAY_SECRET": IntakeFixture.relaySecret]
        var drivers: [RunningProgram] = []
        var queues: [QueueDirectory] = []
        var configs: [String] = []
        for host in Self.origins {
            let queue = QueueDirectory(root: directory.appending("\(host)-queue"))
            try queue.prepare()
            let ledger = try Ledger(queue: queue)
            for number in 1...Self.perOrigin {
                try queue.enqueue(
                    Report(kind: .note, title: "\(host) #\(String(format: "%02d", number))", body: "from \(host)"),
                    ledger: ledger)
            }
            let config = try Self.originConfig(directory, host: host, centre: centre)
            drivers.append(
                try Program.driver.start(
                    ["--follow", "--queue", queue.root, "--config", config], environment: environment))
            queues.append(queue)
            configs.append(config)
        }
        Thread.sleep(forTimeInterval: 2.5)
        for (queue, config) in zip(queues, configs) {
            #expect(directoryNames(queue.pending).count == Self.perOrigin, "nothing leaves while the centre is down")
            let watch = try Program.watchdog.run(["--queue", queue.root, "--config", config], environment: environment)
            let alerts = try directoryNames("\(queue.root)/outbox").map {
                try String(contentsOfFile: "\(queue.root)/outbox/\($0)", encoding: .utf8)
            }
            #expect(
                alerts.contains { $0.contains("pending") && $0.contains("max_pending_age") },
                "the backlog alert went to the fallback: \(alerts)")
        }

        // The centre comes back; its own driver talks to the chat service.
        centre.intake = try IntakeFixture.start(centre.fixture, port: centre.port)
        try centre.waitUntilHealthy()
        // Every report reaches the centre, which lists them by lane: one per origin host.
        let relayedAll = eventually(timeout: .seconds(30)) {
            directoryNames(centre.queue.pending).count == Self.origins.count * Self.perOrigin
        }
        #expect(relayedAll, "\(directoryNames(centre.queue.pending).count) reports at the centre")
        let status = try Program.archiver.run(
            ["status", "--json", "--queue", centre.queue.root, "--config", centre.fixture.configPath],
            environment: centre.fixture.environment)
        let pending =
            (try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["pending"]
            as? [[String: Any]] ?? []
        #expect(
            Set(pending.compactMap { $0["lane"] as? String }) == Set(Self.origins.map { "chat from \($0)" }),
            "\(status)")

        // Another client of the channel (a person's bot) shares its bucket, which the centre cannot see.
        // It takes every free slot until the centre has met Discord's 429 (however long the centre
        // takes to start), then posts twice a second throughout.
        let script = """
            import json, sys, time, urllib.request, urllib.error
            def post(number):
                request = urllib.request.Request(sys.argv[1], data=json.dumps({"content": f"neighbour {number}"}).encode(),
                    headers={"Content-Type": "application/json", "Authorization": "Bot centre-bot-token"})
                try:
                    urllib.request.urlopen(request, timeout=5)
                except Exception:
                    pass
            for number in range(int(sys.argv[2])):
                post(number)
                time.sleep(float(sys.argv[3]))
            """
        let channelURL = "\(sink.baseURL)/api/v10/channels/4242/messages"
        func neighbour(_ count: Int, every seconds: Double) throws -> RunningProgram {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, channelURL, String(count), String(seconds)]
            return try RunningProgram.launch(process, input: nil)
        }
        func channel() throws -> [HTTPSink.Request] {
            try sink.requests().filter { $0.path.hasSuffix("/channels/4242/messages") }
        }
        let greedy = try neighbour(100_000, every: 0.01)
        #expect(
            eventually(timeout: .seconds(10)) {
                (try? channel().contains { $0.status == 200 && !$0.body.contains("[note]") }) == true
            })
        let centreDriver = try Program.driver.start(
            ["--follow", "--queue", centre.queue.root, "--config", centre.fixture.configPath],
            environment: centre.fixture.environment)
        let refused = try eventually(timeout: .seconds(60)) {
            try channel().contains { $0.status == 429 && $0.body.contains("[note]") }
        }
        greedy.signal(SIGKILL)
        _ = greedy.wait()
        #expect(refused, "the centre ran into the shared limit the other client filled")
        let neighbourRun = try neighbour(400, every: 0.5)
        defer {
            neighbourRun.signal(SIGKILL)
            _ = neighbourRun.wait()
        }
        let total = Self.origins.count * Self.perOrigin
        func posted() throws -> [HTTPSink.Request] {
            try channel().filter { ($0.status ?? 0) / 100 == 2 && $0.body.contains("[note]") }
        }
        let arrived = try eventually(timeout: .seconds(90)) { try posted().count >= total }
        neighbourRun.signal(SIGKILL)
        for driver in drivers + [centreDriver] { driver.signal(SIGTERM) }
        for driver in drivers { _ = driver.wait() }
        let centreRun = centreDriver.wait()
        #expect(centre.stop().status == 0)
        let count = try posted().count
        #expect(arrived, "\(count) of \(total) arrived; the centre's driver: \(centreRun)")

        let shown = try posted().map { $0.shown ?? "" }
        for host in Self.origins {
            let titles = shown.compactMap { text in
                text.range(of: "\(host) #").map { String(text[$0.lowerBound...].prefix(host.count + 4)) }
            }
            let expected = (1...Self.perOrigin).map { "\(host) #\(String(format: "%02d", $0))" }
            #expect(titles == expected, "\(host): each report once, in the origin's order: \(titles)")
        }
        for text in shown {
            let host = Self.origins.first { text.contains("\($0) #") } ?? "?"
            // Discord Markdown: the label's underscore escaped, shown as "origin_host: web-1".
            #expect(text.contains("**origin\\_host:** \(host)\n"), "the origin host is shown on every report: \(text)")
        }
        for queue in queues { #expect(directoryNames(queue.pending).isEmpty, "every origin drained") }
        #expect(directoryNames(centre.queue.pending).isEmpty, "the centre drained")

        // The shared limit was met and kept: the centre's own 429s, and never more than five accepted in a second.
        let everything = try channel()
        let all = everything.filter { $0.body.contains("[note]") }
        let times = everything.filter { ($0.status ?? 0) / 100 == 2 }.map(\.time)
        for (index, time) in times.enumerated() where index + 5 < times.count {
            #expect(times[index + 5] - time >= 0.95, "six messages within a second at \(index)")
        }
        // The 503 held web-2's lane only: other origins' reports went between its failure and its retry.
        let failedAt = try #require(all.firstIndex { $0.status == 503 })
        let retriedAt = try #require(
            all.lastIndex { $0.body.contains("web-2 #03") && $0.status.map { $0 / 100 == 2 } == true })
        let between = all[failedAt..<retriedAt].filter { ($0.status ?? 0) / 100 == 2 }
        // Another origin's report sent only after web-2's retry, with none in between, would mean its
        // lane waited for web-2's (when the others had all gone before the 503, none is left to show).
        func other(_ request: HTTPSink.Request) -> Bool {
            (request.status ?? 0) / 100 == 2 && (request.body.contains("web-1 #") || request.body.contains("db-1 #"))
        }
        #expect(
            between.contains(where: other) || !all[retriedAt...].contains(where: other),
            "other origins' lanes went on")
        #expect(!between.contains { $0.body.contains("web-2 #") }, "web-2's lane waited for its third report")

        // Each relayed report was taken once (one `enqueued` row per origin report), by webhook-id.
        let enqueued = try centre.ledger().query("WHERE event = 'enqueued'", []).count
        #expect(enqueued == total)
    }
}
