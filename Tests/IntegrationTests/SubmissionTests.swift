import Foundation
import OwnerReportCore
import OwnerReportLedger
import Testing
import TestSupport

/// Other users' jobs submit through the queue's socket, as real users made with `useradd`: they can
/// submit and nothing else. Needs root (to create the users); skipped with that reason otherwise.
@Suite(
    .serialized,
    .enabled(if: HostUser.canCreate, "creates users with useradd and runs the producer as them: needs root"))
struct SubmissionTests {
    static let group = "owner-report-submit-test"

    /// A queue owned by the test (root), its daemon serving submit.sock, and submitters alice and bob
    /// (in the submit group) and carol (not in it).
    final class Host: @unchecked Sendable {
        let fixture: DriverFixture
        let daemon: RunningProgram
        let producer: String
        let alice: HostUser
        let bob: HostUser
        let carol: HostUser

        init(submit: String = "", sinkDown: Bool = false) throws {
            fixture = try DriverFixture(
                extra: "\n[submit]\nenabled = true\ngroup = \"\(SubmissionTests.group)\"\n\(submit)")
            if sinkDown { try fixture.sink.plan([], default: ["status": 503, "body": "down"]) }
            // Other users must reach the queue directory and run the producer; the queue keeps its own modes.
            chmod(fixture.directory.path, 0o755)
            producer = try Program.producer.publicCopy(in: fixture.directory.path)
            alice = try HostUser.make("or-alice", groups: [SubmissionTests.group])
            bob = try HostUser.make("or-bob", groups: [SubmissionTests.group])
            carol = try HostUser.make("or-carol")
            daemon = try fixture.startDriver(["--follow", "--verbose"])
            let socket = fixture.queue.submitSocket
            guard eventually({ access(socket, F_OK) == 0 }) else { throw TestSetupError("no \(socket)") }
        }

        /// Runs the producer as `user` against the fixture's queue.
        func submit(as user: HostUser, _ arguments: [String], input: Data? = nil) throws -> Program.Outcome {
            try user.run([producer] + arguments + ["--queue", fixture.queue.root], input: input)
        }

        func note(as user: HostUser, _ title: String) throws -> Program.Outcome {
            try submit(as: user, ["note", "--title", title, "--body", "from \(user.name)"])
        }

        func stop() -> Program.Outcome {
            daemon.signal(SIGTERM)
            return daemon.wait()
        }

        /// The `enqueued` rows' submitter uids, by report id.
        func submitters() throws -> [String: UInt32?] {
            let rows = try Ledger(queue: fixture.queue).query("WHERE event = 'enqueued' ORDER BY seq", [])
            return Dictionary(
                uniqueKeysWithValues: rows.map { ($0.report ?? "", ReportFacts(json: $0.facts)?.submitter?.uid) })
        }

        /// The `fields` of each report the sink accepted, in order.
        func acceptedFields() throws -> [[String: Any]] {
            try fixture.sink.accepted().compactMap { request in
                (try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])?["fields"]
                    as? [String: Any]
            }
        }
    }

    static func id(_ outcome: Program.Outcome) -> String {
        DurableFile.fileName(of: outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aSubmitterCannotReadReplaceDeleteOrReorderAnotherUsersReport() throws {
        let host = try Host(sinkDown: true)
        let first = try host.note(as: host.alice, "alice one")
        let second = try host.note(as: host.bob, "bob one")
        let third = try host.note(as: host.alice, "alice two")
        for outcome in [first, second, third] { #expect(outcome.status == 0, "\(outcome)") }
        let ids = [first, second, third].map(Self.id)
        #expect(directoryNames(host.fixture.queue.pending) == ids, "waiting in pending/, in submission order")

        // Bob against alice's waiting report, and against the order of the queue.
        let pending = host.fixture.queue.pending
        let target = "\(pending)/\(ids[0])"
        let ahead = "\(pending)/00000000T000000.000000000Z-note-first-00000000.md"
        let own = try host.fixture.directory.write("bob.md", "---\nkind: note\n---\nbob's own\n")
        chmod(own, 0o644)
        let attempts: [[String]] = [
            ["ls", host.fixture.queue.root], ["ls", pending], ["cat", target], ["rm", "-f", target],
            ["mv", target, "\(pending)/z.md"], ["cp", own, target], ["cp", own, ahead], ["ln", "-s", own, ahead],
            ["ln", own, ahead], ["mkfifo", ahead], ["mkdir", ahead], ["cp", own, "\(host.fixture.queue.tmp)/x.md"],
            ["cat", host.fixture.queue.ledgerPath], ["cp", own, host.fixture.queue.ledgerPath],
        ]
        for attempt in attempts {
            let outcome = try host.bob.run(attempt)
            #expect(outcome.status != 0, "bob could: \(attempt.joined(separator: " "))")
        }
        #expect(directoryNames(pending) == ids, "pending/ is unchanged")

        try host.fixture.sink.plan([])
        #expect(
            eventually(timeout: .seconds(20)) { (try? host.fixture.acceptedIDs()) == ids },
            "\((try? host.fixture.acceptedIDs()) ?? [])")
        let shown = try host.acceptedFields().map { $0["submitted_by"] as? String }
        #expect(shown == [host.alice, host.bob, host.alice].map { "\($0.name) (uid \($0.uid))" })
        #expect(host.stop().status == 0)
    }

    @Test func theSubmitterIsWhatTheKernelSaysNotWhatTheReportClaims() throws {
        let host = try Host()
        let forged =
            "---\nkind: incident\ntitle: disk full\nsource: root-cron\nsubmitted_by: root (uid 0)\nstatus: critical\n---\nclaims to be root\n"
        let outcome = try host.submit(as: host.alice, ["raw", "-"], input: Data(forged.utf8))
        #expect(outcome.status == 0, "\(outcome)")
        let id = Self.id(outcome)
        #expect(eventually { (try? host.fixture.acceptedIDs()) == [id] })
        let fields = try #require(try host.acceptedFields().first)
        #expect(fields["submitted_by"] as? String == "\(host.alice.name) (uid \(host.alice.uid))")
        #expect(fields["source"] as? String == "root-cron", "the report's own words stay, beside the real submitter")
        let enqueued = try #require(try Ledger(queue: host.fixture.queue).events(for: id).first)
        #expect(enqueued.kind == .enqueued)
        #expect(
            ReportFacts(json: enqueued.facts)?.submitter == .init(uid: host.alice.uid, user: host.alice.name, unit: nil)
        )
        #expect(
            enqueued.detail?.contains("\(host.alice.name) (uid \(host.alice.uid))") == true, "\(enqueued.detail ?? "")")
        #expect(host.stop().status == 0)
    }

    @Test func onlyTheSubmitGroupMayConnectAndNothingTheServiceCanReadLeaves() throws {
        let host = try Host()
        let refused = try host.note(as: host.carol, "carol is not in the group")
        #expect(refused.status == 73, "\(refused)")
        #expect(refused.stderr.contains("submit.sock: connect: Permission denied"), "\(refused.stderr)")

        // A secret only the service user (here root) can read, offered by alice through a symlink and a
        // hard link: her producer reads as alice, and the daemon never opens a path a submitter names.
        let secret = try host.fixture.directory.write("secrets.env", "TOKEN=never-leaves-the-host\n")
        chmod(secret, 0o600)
        let drop = TemporaryDirectory("owner-report-drop")
        chmod(drop.path, 0o1777)
        let link = drop.appending("link.md")
        #expect(try host.alice.run(["ln", "-s", secret, link]).status == 0)
        let offered = try host.submit(as: host.alice, ["raw", link])
        #expect(offered.status == 66, "\(offered)")
        let hardLink = try host.alice.run(["ln", secret, drop.appending("hard.md")])
        if hardLink.status == 0 {
            // fs.protected_hardlinks is off here: the link exists, and still cannot be read as alice.
            #expect(try host.submit(as: host.alice, ["raw", drop.appending("hard.md")]).status == 66)
        }
        #expect(try host.submitters().isEmpty, "nothing was enqueued")
        #expect(try host.fixture.sink.requests().allSatisfy { !$0.body.contains("never-leaves-the-host") })
        #expect(host.stop().status == 0)
    }

    @Test func aFloodWaitsWithinItsBoundAndTheOwnersReportComesRightAfter() throws {
        let host = try Host(submit: "max_pending_per_user = 3\nmax_pending = 5", sinkDown: true)
        let alice = try (1...4).map { try host.note(as: host.alice, "alice \($0)") }
        #expect(alice.prefix(3).allSatisfy { $0.status == 0 }, "\(alice)")
        #expect(alice[3].status == 75 && alice[3].stderr.contains("already has 3 report(s) waiting"), "\(alice[3])")
        let bob = try (1...3).map { try host.note(as: host.bob, "bob \($0)") }
        #expect(bob.prefix(2).allSatisfy { $0.status == 0 }, "\(bob)")
        #expect(bob[2].status == 75 && bob[2].stderr.contains("5 submitted report(s) are already waiting"), "\(bob[2])")
        // The owner's own report is never refused, and waits behind at most max_pending submitted ones.
        let owner = try Program.producer.run(["note", "--queue", host.fixture.queue.root, "--title", "the owner's own"])
        #expect(owner.status == 0, "\(owner)")
        let expected = (alice.prefix(3) + bob.prefix(2) + [owner]).map(Self.id)
        try host.fixture.sink.plan([])
        #expect(
            eventually(timeout: .seconds(20)) { (try? host.fixture.acceptedIDs()) == expected },
            "\((try? host.fixture.acceptedIDs()) ?? [])")
        let uids = try host.submitters()
        #expect(
            expected.map { uids[$0] ?? nil } == [
                host.alice.uid, host.alice.uid, host.alice.uid, host.bob.uid, host.bob.uid, nil,
            ])
        #expect(host.stop().status == 0)
    }

    /// An agent of another user reports over MCP: its server finds the queue is not its own and submits
    /// through the socket, so the report carries what the kernel says of the sender as well as the client.
    @Test func anotherUsersAgentReportsOverMCPThroughTheSocket() throws {
        let host = try Host()
        let calls = try host.fixture.directory.write(
            "calls.json",
            """
            [{"tool": "report_checkpoint", "arguments": {"team": "ci", "worker": "agent", "task_id": "BUILD-7", "progress": "3/8"}},
             {"tool": "open_incident", "arguments": {"id": "INC-1", "title": "x", "severity": "info"}},
             {"tool": "report_status", "arguments": {"id": "$0.id"}}]
            """)
        let out = host.fixture.directory.appending("mcp-result.json")
        let run = try runTool([
            MCPTests.python, ServerProcess.script("mcp_client.py"), "--calls", calls, "--out", out, "--",
            "/usr/bin/setpriv", "--reuid=\(host.alice.name)", "--regid=\(host.alice.name)", "--init-groups", "--",
            host.producer, "mcp", "--queue", host.fixture.queue.root, "--config", host.fixture.configPath,
        ])
        let data = try #require(FileManager.default.contents(atPath: out), "\(run.output)")
        let results =
            try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])["results"] as? [[String: Any]]
            ?? []
        #expect(results.count == 3 && results[0]["is_error"] as? Bool == false, "\(results)")
        let id = try #require((results.first?["structured"] as? [String: Any])?["id"] as? String)
        #expect(
            results[1]["is_error"] as? Bool == true
                && (results[1]["text"] as? String ?? "").contains("belongs to another user"))
        #expect(
            results[2]["is_error"] as? Bool == true
                && (results[2]["text"] as? String ?? "").contains("whose ledger only its owner can read"))
        #expect(eventually(timeout: .seconds(20)) { (try? host.fixture.acceptedIDs())?.contains(id) == true })
        #expect(try host.submitters()[id] == host.alice.uid, "the kernel's word for who sent it")
        let fields = try host.acceptedFields().first { $0["task"] as? String == "BUILD-7" }
        #expect(fields?["mcp_client"] as? String == "owner-report-tests 1.0", "\(fields ?? [:])")
        #expect(host.stop().status == 0)
    }

    @Test func silentGarbledAndOversizeClientsNeitherCrashNorBlockOthers() throws {
        let host = try Host()
        // Four silent connections from one user fill that user's share; a fifth is told to retry at once.
        var silent = try (1...4).map { _ in try RawClient(host.fixture.queue.submitSocket) }
        let fifth = try RawClient(host.fixture.queue.submitSocket)
        #expect(try fifth.readReply().hasPrefix("ERROR 75 too many submissions at once"))
        // Another user is not held up by them.
        let started = ContinuousClock.now
        let outcome = try host.note(as: host.alice, "while others hang")
        #expect(outcome.status == 0 && ContinuousClock.now - started < .seconds(10), "\(outcome)")
        silent.removeAll()  // closed: the server sees the end and frees the slots
        let socket = host.fixture.queue.submitSocket
        #expect(
            try RawClient.exchange(socket, Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).hasPrefix(
                "ERROR 64 not an owner-report submission"))
        let huge = try RawClient.exchange(socket, Array("OWNER-REPORT-SUBMIT/1 md 2147483648\n".utf8))
        #expect(huge.hasPrefix("ERROR 65 the report is 2147483648 bytes, over delivery.max_report_bytes"), "\(huge)")
        let binary = try RawClient.exchange(
            socket, Array("OWNER-REPORT-SUBMIT/1 md 4\n".utf8) + [0xff, 0x00, 0xfe, 0x01])
        #expect(binary.hasPrefix("ERROR 65 "), "\(binary)")
        #expect(eventually { (try? host.fixture.acceptedIDs().count) == 1 }, "only the real report")
        #expect(host.stop().status == 0, "the daemon survived them all")
    }

    @Test func theDaemonServesTheSocketSystemdPassesIt() throws {
        // Tests/Servers/socket_activate.py binds the socket with a socket unit's mode and group and
        // execs the daemon with it as descriptor 3 (LISTEN_FDS=1, LISTEN_PID), as systemd does for
        // owner-report-submit.socket. The config has no [submit] table: the daemon binds nothing itself.
        let fixture = try DriverFixture()
        chmod(fixture.directory.path, 0o755)
        try fixture.queue.prepare()
        chmod(fixture.queue.root, 0o711)
        let producer = try Program.producer.publicCopy(in: fixture.directory.path)
        let alice = try HostUser.make("or-alice", groups: [Self.group])
        let socket = fixture.queue.submitSocket
        let activator = Process()
        activator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        activator.arguments =
            [
                "python3", ServerProcess.script("socket_activate.py"), socket, "660", Self.group, "--",
                Program.driver.path, "--follow", "--verbose",
                "--queue", fixture.queue.root, "--config", fixture.configPath,
            ]
        activator.environment = ProcessInfo.processInfo.environment.merging(fixture.environment) { $1 }
        let daemon = try RunningProgram.launch(activator, input: nil)
        #expect(eventually { access("\(fixture.queue.state)/heartbeat", F_OK) == 0 }, "the daemon did not start")
        let outcome = try alice.run([
            producer, "note", "--queue", fixture.queue.root, "--title", "through systemd's socket",
        ])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(eventually { (try? fixture.acceptedIDs()) == [Self.id(outcome)] })
        daemon.signal(SIGTERM)
        let stopped = daemon.wait()
        #expect(stopped.status == 0, "\(stopped)")
        #expect(
            stopped.stderr.contains("socket=from systemd"),
            "the daemon served the socket it was handed: \(stopped.stderr)")
        #expect(access(socket, F_OK) == 0, "a socket systemd owns is not the daemon's to remove")
    }
}

/// A hand-made client of the submit socket, for what the producer would never send.
final class RawClient {
    let descriptor: Int32

    init(_ path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw TestSetupError("connect \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) throws {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends `bytes` on a new connection and returns the reply, trying again while the server says it is busy.
    static func exchange(_ path: String, _ bytes: [UInt8]) throws -> String {
        for _ in 1...100 {
            let client = try RawClient(path)
            try client.send(bytes)
            let reply = try client.readReply()
            if !reply.hasPrefix("ERROR 75 too many") { return reply }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return "still busy"
    }

    /// The reply line, or what came before the connection closed or the 10 s timeout.
    func readReply() throws -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while recv(descriptor, &byte, 1, 0) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
